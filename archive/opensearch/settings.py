"""Where the OpenSearch cluster is and how to log in: options, environment, then a config file.

Each setting is taken from the first place that gives it: a command-line option (only
the engine, the addresses, the index name and the CA bundle can be given there), the
environment (`ARCHIVE_OPENSEARCH_*`), the config file, the default. The user name and
password come only from the environment or the config file, never from the command line
(where `ps` shows them) nor from a URL. The config file is `ARCHIVE_OPENSEARCH_CONFIG`,
else `opensearch.toml` in the instance folder when it exists; like ssh with a private
key, Morgue refuses to read it while other users may read or write it.

This module does not import opensearch-py.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.addresses import is_loopback
from archive.errors import ConfigError

CONFIG_FILE = "opensearch.toml"  # in the instance folder
DEFAULT_INDEX = "morgue"
DEFAULT_TIMEOUT = 30.0
ENV = {  # setting -> environment variable
    "url": "ARCHIVE_OPENSEARCH_URL",
    "index": "ARCHIVE_OPENSEARCH_INDEX",
    "user": "ARCHIVE_OPENSEARCH_USER",
    "password": "ARCHIVE_OPENSEARCH_PASSWORD",
    "ca": "ARCHIVE_OPENSEARCH_CA",
    "shards": "ARCHIVE_OPENSEARCH_SHARDS",
    "replicas": "ARCHIVE_OPENSEARCH_REPLICAS",
    "timeout": "ARCHIVE_OPENSEARCH_TIMEOUT",
    "retries": "ARCHIVE_OPENSEARCH_RETRIES",
    "no_verify_loopback": "ARCHIVE_OPENSEARCH_NO_VERIFY_LOOPBACK",
}
CONFIG_ENV = "ARCHIVE_OPENSEARCH_CONFIG"
# Index names OpenSearch accepts (lower case, no separators it reserves), short enough for
# the concrete indexes' suffix.
_INDEX_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")


@dataclass(frozen=True)
class OpenSearchSettings:
    """How to reach one OpenSearch cluster and which alias holds the archive."""

    urls: tuple[str, ...]
    index: str = DEFAULT_INDEX  # the alias searches read; concrete indexes are INDEX-<time>
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # never shown
    ca: Path | None = None  # CA bundle (PEM) the cluster's certificate is checked against
    verify: bool = True  # False only with no_verify_loopback, for loopback addresses
    shards: int = 1
    replicas: int | None = None  # None: 0 on one node, 1 when there are more (0-1 auto)
    timeout: float = DEFAULT_TIMEOUT  # seconds for one request
    retries: int | None = None  # None: each other address once, and at least 2

    @property
    def max_retries(self) -> int:
        """How often a request that found no node (refused, reset, timed out, 502-504) is sent
        again, each time to the next address not marked dead."""
        return max(2, len(self.urls) - 1) if self.retries is None else self.retries

    @property
    def where(self) -> str:
        """The cluster and index, for messages (no credentials: they are never in a URL)."""
        return f"{', '.join(self.urls)} (index {self.index!r})"


def parse_urls(text: str | list | tuple, source: str) -> tuple[str, ...]:
    """Cluster addresses from a comma-separated string (or a list); each checked."""
    items = text.split(",") if isinstance(text, str) else list(text)
    urls = []
    for item in items:
        url = str(item).strip().rstrip("/")
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{source}: {url!r} is not an http:// or https:// address",
                              hint="give addresses like https://search1.example:9200")
        if parts.username is not None or parts.password is not None:
            raise ConfigError(f"{source}: an address must not hold a user name or password",
                              hint=f"set {ENV['user']} and {ENV['password']} in the "
                                   f"environment or in the config file instead")
        if parts.query or parts.fragment:
            raise ConfigError(f"{source}: {parts.scheme}://{parts.netloc}{parts.path} must "
                              f"not carry a query or fragment")
        try:
            parts.port  # noqa: B018  (raises on a port that is not a number)
        except ValueError:
            raise ConfigError(f"{source}: {url!r} has a bad port number") from None
        urls.append(url)
    if not urls:
        raise ConfigError(f"{source}: no OpenSearch address given",
                          hint=f"give --opensearch-url or {ENV['url']}, e.g. "
                               f"https://search1.example:9200")
    return tuple(urls)


def _flag(value: Any, source: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise ConfigError(f"{source}: {value!r} is not true or false")


def _number(value: Any, source: str, kind: type, low: float, high: float):
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {value!r} is not a number") from None
    if not low <= number <= high:
        raise ConfigError(f"{source}: {number} is not between {low} and {high}")
    return number


def check_private(path: Path) -> None:
    """Refuse a config file that other users may read or write (it may hold a password)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ConfigError(f"cannot read the OpenSearch config file {path}: "
                          f"{exc.strerror or exc}") from None
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise ConfigError(f"the OpenSearch config file {path} can be read or changed by other "
                          f"users (mode {mode:04o}); it may hold the cluster's password, so it "
                          f"is not used", hint=f"chmod 600 {path}")
    if info.st_uid not in (os.getuid(), 0):
        raise ConfigError(f"the OpenSearch config file {path} belongs to another user "
                          f"(uid {info.st_uid}); it is not used",
                          hint=f"make it yours: chown {os.getuid()} {path}")


def read_file(path: Path) -> dict[str, Any]:
    """The config file's settings: top-level `engine`, and the `[opensearch]` table."""
    check_private(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the OpenSearch config file {path}: "
                          f"{exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"the OpenSearch config file {path} is not valid TOML: {exc}") from None
    unknown = set(data) - {"engine", "opensearch"}
    table = data.get("opensearch", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [opensearch] must be a table of settings")
    unknown |= {f"opensearch.{k}" for k in set(table) - set(ENV)}
    if unknown:
        raise ConfigError(f"{path}: unknown settings {', '.join(sorted(unknown))}",
                          hint="known: engine, and in [opensearch]: " + ", ".join(ENV))
    out = {k: v for k, v in table.items()}
    if "ca" in out:  # a relative CA path is relative to the file's folder
        out["ca"] = str((path.parent / str(out["ca"])).resolve())
    if "engine" in data:
        out["engine"] = data["engine"]
    return out


def config_file(instance: Path | None, environ: Mapping[str, str]) -> Path | None:
    """The config file to read: $ARCHIVE_OPENSEARCH_CONFIG (which must exist), else the
    instance folder's opensearch.toml when there is one."""
    named = environ.get(CONFIG_ENV)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(f"{CONFIG_ENV} names {path}, which is not a file")
        return path
    if instance is not None and (Path(instance) / CONFIG_FILE).is_file():
        return Path(instance) / CONFIG_FILE
    return None


def resolve(options: Mapping[str, Any], environ: Mapping[str, str],
            file_values: Mapping[str, Any], file_name: str) -> OpenSearchSettings:
    """Settings from options (non-secret ones only), then the environment, then the file."""
    def pick(key: str) -> tuple[Any, str]:
        if options.get(key) not in (None, ""):
            return options[key], f"--opensearch-{key}"
        if environ.get(ENV[key]) not in (None, ""):
            return environ[ENV[key]], ENV[key]
        if key in file_values:
            return file_values[key], f"{file_name}: {key}"
        return None, key

    raw_urls, where = pick("url")
    if raw_urls is None:
        raise ConfigError("the OpenSearch engine needs the cluster's address",
                          hint=f"give --opensearch-url URL[,URL...] or set {ENV['url']} "
                               f"(or `url` in {CONFIG_FILE})")
    urls = parse_urls(raw_urls, where)
    index, where = pick("index")
    index = str(index or DEFAULT_INDEX)
    if not _INDEX_NAME.fullmatch(index):
        raise ConfigError(f"{where}: {index!r} is not a usable index name",
                          hint="use lower-case letters, digits, '-', '_' and '.', starting "
                               "with a letter or digit, at most 100 characters")
    user, _ = pick("user")
    password, _ = pick("password")
    if (user is None) != (password is None):
        raise ConfigError("an OpenSearch user needs a password, and a password a user",
                          hint=f"set both {ENV['user']} and {ENV['password']} (or `user` and "
                               f"`password` in {CONFIG_FILE})")
    ca, where = pick("ca")
    ca_path = None
    if ca is not None:
        ca_path = Path(str(ca)).expanduser()
        if not ca_path.is_file() or not os.access(ca_path, os.R_OK):
            raise ConfigError(f"{where}: the CA bundle {ca_path} is not a readable file")
    no_verify, where = pick("no_verify_loopback")
    verify = not _flag(no_verify, where) if no_verify is not None else True
    if not verify:
        remote = [u for u in urls if not is_loopback(urlsplit(u).hostname or "")]
        if remote:
            raise ConfigError(f"{where}: certificate checks can only be turned off for "
                              f"loopback addresses, not for {', '.join(remote)}",
                              hint=f"give the cluster's CA bundle with {ENV['ca']} instead")
    if user is not None:
        plain = [u for u in urls if u.startswith("http://")
                 and not is_loopback(urlsplit(u).hostname or "")]
        if plain:
            raise ConfigError(f"refusing to send the OpenSearch password unencrypted to "
                              f"{', '.join(plain)}", hint="use https:// addresses")
    shards, where = pick("shards")
    replicas, where_replicas = pick("replicas")
    timeout, where_timeout = pick("timeout")
    retries, where_retries = pick("retries")
    return OpenSearchSettings(
        urls=urls, index=index, user=None if user is None else str(user),
        password=None if password is None else str(password), ca=ca_path, verify=verify,
        shards=1 if shards is None else _number(shards, where, int, 1, 1024),
        replicas=None if replicas is None else _number(replicas, where_replicas, int, 0, 64),
        timeout=DEFAULT_TIMEOUT if timeout is None else _number(timeout, where_timeout, float,
                                                                 1, 3600),
        retries=None if retries is None else _number(retries, where_retries, int, 0, 100))


__all__ = ["OpenSearchSettings", "CONFIG_FILE", "CONFIG_ENV", "DEFAULT_INDEX", "ENV",
           "config_file", "read_file", "resolve", "is_loopback", "parse_urls", "check_private"]
