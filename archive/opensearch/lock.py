"""The writer lock for an archive in OpenSearch: one document, held across processes and machines.

The lock is the document `writer` in the small index `INDEX-lock`. Taking it creates
that document with `op_type=create`, which succeeds for exactly one writer; the holder
names itself (host, process, a random token) and an expiry, which a thread pushes
forward every `ttl / 3` seconds while the lock is held. A writer that dies stops
renewing it: after `ttl` seconds the next writer takes it over, with a conditional
write (`if_seq_no`) so that only one of several waiting writers wins. On the holder's
own machine and process namespace, a holder whose process is gone is taken over at once.
Before it publishes anything, a writer checks (`check()`) that the lock is still its own.

Clocks of the machines are compared with the expiry, so they must agree to within a
fraction of `ttl` (NTP does that).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from opensearchpy import OpenSearch
from opensearchpy import exceptions as ox

from archive.errors import IndexLocked
from archive.opensearch.client import guarded
from archive.opensearch.settings import OpenSearchSettings

TTL = 30.0  # seconds a holder's lock outlives its last renewal
LOCK_ID = "writer"
log = logging.getLogger(__name__)


def lock_index(alias: str) -> str:
    return f"{alias}-lock"


def machine() -> str | None:
    """This machine's boot and process namespace (processes compare only within one)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return None
    return f"{boot}/{namespace}"


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class EngineLock:
    """The archive-wide writer lock (`acquire(wait)`, `release()`, or `with`)."""

    def __init__(self, client: OpenSearch, settings: OpenSearchSettings, ttl: float = TTL,
                 on_release: Callable[[EngineLock], None] | None = None):
        self.client, self.settings, self.ttl = client, settings, ttl
        self.index = lock_index(settings.index)
        self.token = secrets.token_hex(8)
        self.lost = False  # set when a renewal finds the lock is no longer ours
        self._version: tuple[int, int] | None = None  # (seq_no, primary_term) of our document
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mutex = threading.Lock()
        self._on_release = on_release

    @property
    def held(self) -> bool:
        return self._version is not None

    def _document(self) -> dict:
        now = time.time()
        return {"token": self.token, "host": socket.gethostname(), "pid": os.getpid(),
                "machine": machine(), "expires": now + self.ttl,
                "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}

    def acquire(self, wait: float = 0.0, on_wait: Callable[[str], None] | None = None) -> None:
        """Take the lock, waiting up to `wait` seconds; raises IndexLocked when it stays busy."""
        with guarded(self.settings, self.client):
            self._ensure_index()
            deadline = time.monotonic() + wait
            told = False
            while not self._try_take():
                holder = self._holder()
                if time.monotonic() >= deadline:
                    raise IndexLocked(f"the OpenSearch index {self.settings.index!r} is being "
                                      f"written by another command{holder}")
                if on_wait and not told:
                    on_wait(f"waiting for another command writing to the OpenSearch index "
                            f"{self.settings.index!r}{holder}...")
                    told = True
                time.sleep(0.25)
        self.lost = False
        self._stop.clear()
        self._thread = threading.Thread(target=self._renew, name="morgue-lock", daemon=True)
        self._thread.start()

    def _ensure_index(self) -> None:
        if self.client.indices.exists(index=self.index):
            return
        with contextlib.suppress(ox.RequestError):  # another writer made it first
            self.client.indices.create(index=self.index, body={
                "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}},
                "mappings": {"dynamic": False, "properties": {
                    "token": {"type": "keyword"}, "host": {"type": "keyword"},
                    "pid": {"type": "long"}, "machine": {"type": "keyword"},
                    "expires": {"type": "double"}, "since": {"type": "date"}}}})

    def _try_take(self) -> bool:
        """Create the lock document, or take over an expired one; whether it is now ours."""
        current = None
        while current is None:
            try:
                answer = self.client.index(index=self.index, id=LOCK_ID, body=self._document(),
                                           op_type="create")
            except ox.ConflictError:
                pass
            else:
                self._version = (answer["_seq_no"], answer["_primary_term"])
                return True
            with contextlib.suppress(ox.NotFoundError):  # released meanwhile: try again
                current = self.client.get(index=self.index, id=LOCK_ID)
        if not self._stale(current["_source"]):
            return False
        try:
            answer = self.client.index(index=self.index, id=LOCK_ID, body=self._document(),
                                       if_seq_no=current["_seq_no"],
                                       if_primary_term=current["_primary_term"])
        except ox.ConflictError:  # another writer took it over first
            return False
        log.warning("took over the writer lock of %s: %s", self.settings.index,
                    _describe(current["_source"]))
        self._version = (answer["_seq_no"], answer["_primary_term"])
        return True

    def _stale(self, holder: dict) -> bool:
        """Whether a holder's lock may be taken: expired, or its process is gone."""
        if float(holder.get("expires", 0)) < time.time():
            return True
        here = machine()
        pid = holder.get("pid")
        return (here is not None and holder.get("machine") == here and isinstance(pid, int)
                and _process_gone(pid))

    def taken(self) -> bool:
        """Whether a writer (any process, any machine) holds the lock now."""
        try:
            current = self.client.get(index=self.index, id=LOCK_ID)
        except ox.NotFoundError:
            return False
        return not self._stale(current["_source"])

    def _holder(self) -> str:
        with contextlib.suppress(ox.OpenSearchException):
            return f" ({_describe(self.client.get(index=self.index, id=LOCK_ID)['_source'])})"
        return ""

    def _renew(self) -> None:
        """Push the expiry forward until released; mark the lock lost if it is taken."""
        while not self._stop.wait(self.ttl / 3):
            with self._mutex:
                if self._version is None:
                    return
                try:
                    answer = self.client.index(
                        index=self.index, id=LOCK_ID, body=self._document(),
                        if_seq_no=self._version[0], if_primary_term=self._version[1])
                    self._version = (answer["_seq_no"], answer["_primary_term"])
                except (ox.ConflictError, ox.NotFoundError):
                    self.lost = True
                    return
                except ox.OpenSearchException as exc:  # unreachable for now: keep trying
                    log.warning("cannot renew the writer lock of %s: %s", self.settings.index,
                                type(exc).__name__)

    def check(self) -> None:
        """Raise IndexLocked unless the lock is still this writer's (before publishing)."""
        if not self.held:
            return
        with guarded(self.settings, self.client):
            try:
                current = self.client.get(index=self.index, id=LOCK_ID)
                mine = current["_source"].get("token") == self.token
            except ox.NotFoundError:
                mine = False
        if self.lost or not mine:
            self.lost = True
            raise IndexLocked(f"the writer lock of the OpenSearch index {self.settings.index!r} "
                              f"was taken over by another command while this one was writing "
                              f"(it did not renew it for {self.ttl:g} s); nothing was published")

    def release(self) -> None:
        """Give the lock up (never raises: an unreachable cluster lets it expire)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None
        with self._mutex:
            version, self._version = self._version, None
        if version is not None and not self.lost:
            with contextlib.suppress(ox.OpenSearchException):
                self.client.delete(index=self.index, id=LOCK_ID, if_seq_no=version[0],
                                   if_primary_term=version[1])
        if self._on_release is not None:
            self._on_release(self)

    def __enter__(self) -> EngineLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _describe(holder: dict) -> str:
    return (f"process {holder.get('pid', '?')} on {holder.get('host', '?')} since "
            f"{holder.get('since', '?')}")


__all__ = ["EngineLock", "TTL", "lock_index", "machine"]
