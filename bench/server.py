"""`python manage.py serve` as a child process on 127.0.0.1: for the load test and the tests.

One place for starting the real server on a free port, waiting until it
answers, and stopping it (terminate, then kill), so the load benchmark, the
live-server, concurrency and browser tests all run the server the same way.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(corpus: Path, index: Path, *args: str) -> list[str]:
    """The command line of `manage.py` over this corpus and index."""
    return [sys.executable, str(REPO / "manage.py"), "--corpus", str(corpus),
            "--index", str(index), *args]


class ServedArchive:
    """The archive served by `manage.py serve` on 127.0.0.1 and a free port."""

    host = "127.0.0.1"

    def __init__(self, corpus: Path, index: Path, *options: str, log: Path | None = None):
        self.corpus, self.index, self.options = corpus, index, options
        self.log_path = log
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self._log = None

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 60) -> bool:
        """Start and wait until it answers (any HTTP status); False when the process exited."""
        self.port = free_port()
        self._log = open(self.log_path, "w") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            manage(self.corpus, self.index, "serve", "--host", self.host, "--port",
                   str(self.port), *self.options),
            cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/search.json?size=1", timeout=5) as r:
                    r.read()
                return True
            except urllib.error.HTTPError as answer:
                answer.close()
                return True  # it answers (an archive without an index answers 503)
            except OSError:
                if self.proc.poll() is not None:
                    self._close_log()
                    return False
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"the server did not answer within {timeout:g} s")

    def log_text(self) -> str:
        return self.log_path.read_text() if self.log_path and self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._close_log()

    def _close_log(self) -> None:
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()
        self._log = None

    def __enter__(self) -> "ServedArchive":
        if not self.start():
            raise RuntimeError(f"the server exited while starting: {self.log_text()}")
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
