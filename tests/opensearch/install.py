"""Where the test OpenSearch node comes from: its assembled home, the Java that runs it, its user.

The node is OpenSearch's published integration-test distribution plus the modules Morgue's
mappings need, assembled by Maven from Maven Central into `tests/opensearch/target/`
(`python -m tests.opensearch.fetch`). Nothing here downloads anything; `check()` says what is
missing and how to get it.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

VERSION = "2.19.6"
HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
BUILT_HOME = HERE / "target" / f"opensearch-{VERSION}"  # git-ignored
NODE_USER = "morgue-opensearch"  # OpenSearch refuses to run as root; root runs it as this user
MODULES = ("transport-netty4", "lang-painless", "analysis-common")
FETCH = "python -m tests.opensearch.fetch"
# 2.19 installs a Java security manager, which Java 24 removed: Java 11 to 23 run it.
JAVA_RANGE = (11, 23)


class Unavailable(Exception):
    """OpenSearch nodes cannot be started here; the message says why and how to enable them."""


@dataclass(frozen=True)
class Setup:
    """What starting a node needs: the assembled home, a Java home, and the user to run as."""

    home: Path
    java_home: Path
    java_version: int
    user: str | None  # None: the current user (not root)

    def run_as(self) -> dict:
        """subprocess.Popen's arguments that run a process as the node user (none if not root)."""
        if self.user is None:
            return {}
        return {"user": self.user, "group": pwd.getpwnam(self.user).pw_gid, "extra_groups": []}

    def give(self, path: Path) -> None:
        """Make `path` and everything below it the node user's (nothing to do if not root)."""
        if self.user is None:
            return
        entry = pwd.getpwnam(self.user)
        for folder, _dirs, files in os.walk(path):
            os.chown(folder, entry.pw_uid, entry.pw_gid)
            for name in files:
                os.chown(os.path.join(folder, name), entry.pw_uid, entry.pw_gid)


def home() -> Path:
    """The assembled OpenSearch home ($MORGUE_OPENSEARCH_HOME, else Maven's target folder)."""
    configured = os.environ.get("MORGUE_OPENSEARCH_HOME")
    return Path(configured) if configured else BUILT_HOME


def java_version(java: Path) -> int | None:
    """The feature version (17, 21...) of a `java` binary, or None when it does not run."""
    try:
        done = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r'version "(?:1\.)?(\d+)', done.stderr)
    return int(found.group(1)) if found else None


def java_candidates() -> list[Path]:
    """Java homes to try, in order: $OPENSEARCH_JAVA_HOME, $JAVA_HOME, `java` on PATH."""
    homes = [Path(os.environ[name]) for name in ("OPENSEARCH_JAVA_HOME", "JAVA_HOME")
             if os.environ.get(name)]
    on_path = shutil.which("java")
    if on_path:
        homes.append(Path(on_path).resolve().parent.parent)
    return homes


@cache
def find_java() -> tuple[Path, int]:
    """The first Java home whose version runs OpenSearch VERSION, with that version."""
    tried = []
    for java_home in java_candidates():
        version = java_version(java_home / "bin" / "java")
        tried.append(f"{java_home} ({version or 'does not run'})")
        if version and JAVA_RANGE[0] <= version <= JAVA_RANGE[1]:
            return java_home, version
    found = "; tried " + ", ".join(tried) if tried else " (no java on PATH, no JAVA_HOME)"
    raise Unavailable(f"no Java {JAVA_RANGE[0]} to {JAVA_RANGE[1]} for OpenSearch {VERSION}"
                      f"{found}: install one (`apt-get install openjdk-17-jdk-headless`) or set "
                      f"OPENSEARCH_JAVA_HOME")


def node_user() -> str | None:
    """The user the nodes run as: None for a normal user; for root, $MORGUE_OPENSEARCH_USER."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("MORGUE_OPENSEARCH_USER", NODE_USER)
    try:
        pwd.getpwnam(name)
    except KeyError:
        raise Unavailable(f"running as root, and OpenSearch refuses root; the user {name!r} to "
                          f"run the nodes as does not exist: `{FETCH}` creates it") from None
    return name


def check() -> Setup:
    """Everything a node needs, or Unavailable saying what is missing and how to get it."""
    where = home()
    missing = [m for m in MODULES if not (where / "modules" / m / "plugin-descriptor.properties")
               .is_file()]
    if not (where / "bin" / "opensearch").is_file() or missing:
        what = (f"{where} does not exist" if not where.exists() else
                f"{where} has no bin/opensearch" if missing == list(MODULES) else
                f"{where} lacks the modules {', '.join(missing)}")
        raise Unavailable(f"the OpenSearch {VERSION} test node is not assembled ({what}): run "
                          f"`{FETCH}` (needs Java and Maven; it downloads from Maven Central "
                          f"once into ~/.m2)")
    java_home, version = find_java()
    return Setup(where, java_home, version, node_user())


def create_node_user(name: str = NODE_USER) -> None:
    """Create the system user that root runs nodes as (no home, no login shell)."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name],
                       check=True)


def assemble(offline: bool = False) -> Path:
    """Run Maven on tests/opensearch/pom.xml to assemble the node home; return it."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise Unavailable("Maven is not installed (`apt-get install maven`); it assembles the "
                          "OpenSearch test node from Maven Central")
    java_home, _version = find_java()
    env = dict(os.environ, JAVA_HOME=str(java_home))
    command = [mvn, "-B", "-q", *(["-o"] if offline else []), "-f", str(POM),
               f"-Dopensearch.version={VERSION}", "package"]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise Unavailable(f"`{' '.join(command)}` failed:\n{done.stdout}{done.stderr}")
    return BUILT_HOME
