"""Real OpenSearch nodes on 127.0.0.1 for the tests: start one node or a cluster, wait, kill, stop.

Each node runs the assembled distribution's own `bin/opensearch` with its own config, data, log
and temp folders under one temporary folder, on free HTTP and transport ports of 127.0.0.1 only.
A node dies with the process that started it (the kernel sends it SIGKILL when that process
ends, however it ends), so a killed test run leaves no Java behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.opensearch.install import Setup

HOST = "127.0.0.1"
HEAP_MB = 512
PR_SET_PDEATHSIG = 1


class NodeFailed(RuntimeError):
    """A node did not start, or the cluster did not reach the wanted health in time."""


def free_ports(count: int) -> list[int]:
    """`count` distinct ports of 127.0.0.1 that were free a moment ago."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind((HOST, 0))
        return [s.getsockname()[1] for s in sockets]


def http_json(url: str, method: str = "GET", timeout: float = 10) -> tuple[int, dict]:
    """The status and JSON body of one request; connection errors come back as status 0."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body or b"{}")
        except ValueError:
            return error.code, {"error": body.decode("utf-8", "replace")}
    except (OSError, ValueError) as error:  # refused, reset, timed out, half-written answer
        return 0, {"error": str(error)}


def _die_with(parent: int):
    """A preexec function: the child gets SIGKILL when `parent` (the thread that forks) ends."""
    libc = ctypes.CDLL(None, use_errno=True)

    def arm() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return arm


def _jvm_options(text: str, folder: Path, heap_mb: int) -> str:
    """The distribution's jvm.options with this node's heap, and its files in its own folders."""
    rules = [(r"(?m)^-Xms\S+$", f"-Xms{heap_mb}m"), (r"(?m)^-Xmx\S+$", f"-Xmx{heap_mb}m"),
             (r"HeapDumpPath=data\b", f"HeapDumpPath={folder / 'logs'}"),
             (r"ErrorFile=logs/", f"ErrorFile={folder / 'logs'}/"),
             (r"file=logs/", f"file={folder / 'logs'}/")]
    for pattern, replacement in rules:
        text, count = re.subn(pattern, replacement, text)
        if count == 0:
            raise NodeFailed(f"jvm.options has no line matching {pattern!r}: update nodes.py "
                             f"for this distribution")
    return text


class Node:
    """One OpenSearch node: its folder, ports and process; `start()` again reuses its data."""

    def __init__(self, setup: Setup, folder: Path, name: str, settings: dict,
                 heap_mb: int = HEAP_MB, java_opts: str = ""):
        self.setup, self.folder, self.name = setup, folder, name
        self.settings, self.heap_mb, self.java_opts = settings, heap_mb, java_opts
        self.http_port, self.transport_port = settings["http.port"], settings["transport.port"]
        self.process: subprocess.Popen | None = None
        self.started_in: float | None = None  # seconds from start() to an answer over HTTP
        self._write_config()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    @property
    def log(self) -> Path:
        return self.folder / "console.log"

    def _write_config(self) -> None:
        config = self.folder / "config"
        shutil.copytree(self.setup.home / "config", config)
        for sub in ("data", "logs", "tmp"):
            (self.folder / sub).mkdir()
        settings = dict(self.settings, **{"node.name": self.name, "network.host": HOST,
                                          "path.data": str(self.folder / "data"),
                                          "path.logs": str(self.folder / "logs")})
        # YAML reads JSON values: one `key: value` line a setting.
        (config / "opensearch.yml").write_text(
            "".join(f"{key}: {json.dumps(value)}\n" for key, value in settings.items()))
        options = config / "jvm.options"
        options.write_text(_jvm_options(options.read_text(), self.folder, self.heap_mb))
        self.setup.give(self.folder)

    def start(self) -> None:
        """Start the node's process (on its existing data, if any); `wait_ready()` waits.

        The node is killed when the calling thread ends: call from a thread that outlives it."""
        if self.alive():
            raise NodeFailed(f"{self.name} is already running")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "OPENSEARCH_JAVA_HOME": str(self.setup.java_home),
               "OPENSEARCH_PATH_CONF": str(self.folder / "config"),
               "OPENSEARCH_TMPDIR": str(self.folder / "tmp"), "OPENSEARCH_JAVA_OPTS": self.java_opts}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(self.setup.home / "bin" / "opensearch")], cwd=self.folder, env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_die_with(os.getpid()),
                **self.setup.run_as())
        self._started_at = time.monotonic()
        self.started_in = None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = 240) -> float:
        """Wait until the node answers over HTTP; return the seconds since `start()`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise NodeFailed(f"{self.name} exited with {self.process and self.process.poll()}"
                                 f":\n{self.log_tail()}")
            status, _body = http_json(self.url + "/", timeout=5)
            if status == 200:
                self.started_in = time.monotonic() - self._started_at
                return self.started_in
            time.sleep(0.25)
        raise NodeFailed(f"{self.name} did not answer on {self.url} in {timeout:.0f} s:\n"
                         f"{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the node (a crash: nothing is flushed) and reap it."""
        if self.alive():
            self.process.kill()
            self.process.wait()

    def stop(self, grace: float = 30) -> None:
        """SIGTERM the node, and SIGKILL it if it has not stopped after `grace` seconds."""
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.kill()

    def rss_bytes(self) -> int:
        """The resident memory of the node's process now (0 when it is not running)."""
        if not self.alive():
            return 0
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the node's process so far, with the helper JVMs that
        `bin/opensearch` ran and reaped before it became the node's JVM."""
        if not self.alive():
            return 0.0
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            return sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")
        return 0.0

    def log_tail(self, lines: int = 40) -> str:
        """The end of the node's console output, for error messages."""
        if not self.log.exists():
            return "(no output)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
