"""Extraction worker processes, each file under a time budget and each process under a memory budget.

A file that takes longer than its time budget has its worker killed and is
reported ("took longer than 60 s"); a worker that runs out of memory or dies
costs only the file it was reading. Results come back in input order. Workers
die with the process that started them (Linux `PR_SET_PDEATHSIG`), so a killed
`reindex` or `add` never leaves an orphan that holds the index locks.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
import os
import resource
import signal
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_any
from typing import Any, Callable, Iterable, Iterator

from archive.whoosh.store import die_with_parent

FILE_SECONDS = 60.0  # extraction time budget of one file
WORKER_MEMORY = 4 * 2**30  # address space of one extraction process (bytes)
MAX_BUFFERED = 64  # results held back to keep the input order
GC_THRESHOLD = 20_000  # allocations between two young-generation collections (Python's default: 700)
START_SECONDS = 120.0  # a new worker's warm-up (imports, models), not counted per file
_warmed: set = set()  # warm-up functions already run in this process


@dataclass(frozen=True)
class Failure:
    """Why a worker gave no result for an item."""

    reason: str


def _limit_memory(limit: int | None) -> None:
    if not limit:
        return
    with contextlib.suppress(ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _worker(conn, func: Callable, memory: int | None, parent: int,
            warm_up: Callable[[], None] | None) -> None:
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _limit_memory(memory)
    if warm_up is not None:
        with contextlib.suppress(Exception):
            warm_up()
    _quiet_collector()
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            break
        if job is None:
            break
        index, item = job
        try:
            result: Any = func(item)
        except MemoryError:
            result = Failure(f"ran out of its memory budget ({memory // 2**20} MB)"
                             if memory else "ran out of memory")
        except BaseException as exc:  # the callers collect problems; this is a last resort
            result = Failure(f"extraction failed ({type(exc).__name__}: {exc})")
        try:
            conn.send((index, result))
        except MemoryError:
            conn.send((index, Failure("result too large for the memory budget")))
        except Exception as exc:  # e.g. a result that cannot be pickled
            conn.send((index, Failure(f"cannot return the result ({type(exc).__name__})")))
    os._exit(0)


def _quiet_collector() -> None:
    """Python's cycle collector, told to skip what the worker inherited and to run less often.

    Everything loaded before the fork (libraries, models) is frozen: collections
    no longer walk it, and its memory pages stay shared with the parent. A page's
    extraction allocates hundreds of thousands of short-lived objects; collecting
    every 700 allocations cost about 3% of the extraction time.
    """
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 20)


class _Proc:
    def __init__(self, ctx, func: Callable, memory: int | None, warm_up):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker,
                                   args=(child, func, memory, os.getpid(), warm_up),
                                   daemon=True)
        self.process.start()
        child.close()
        self.job: tuple[int, Any, float] | None = None  # (index, item, deadline)
        # Wait for the warm-up, so that it is not counted against the first file.
        with contextlib.suppress(EOFError, OSError):
            if self.conn.poll(START_SECONDS):
                self.conn.recv()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        self.process.join(2)
        if self.process.is_alive():
            self.kill()
        with contextlib.suppress(Exception):
            self.conn.close()


class WorkerPool:
    """Processes that run `func(item)`, killing any that exceed `seconds` on one item."""

    def __init__(self, func: Callable, workers: int = 1, seconds: float | None = FILE_SECONDS,
                 memory: int | None = WORKER_MEMORY, warm_up: Callable[[], None] | None = None):
        self.func = func
        self.warm_up = warm_up
        self.workers = max(1, workers)
        self.seconds = seconds
        self.memory = memory
        self._ctx = mp.get_context("fork")
        self._procs: list[_Proc] = []

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for proc in self._procs:
            proc.stop()
        self._procs = []

    def _spawn(self) -> _Proc:
        if self.warm_up is not None and self.warm_up not in _warmed:
            # Once per process, before forking: every worker then starts warm.
            with contextlib.suppress(Exception):
                self.warm_up()
            _warmed.add(self.warm_up)
        proc = _Proc(self._ctx, self.func, self.memory, None)
        self._procs.append(proc)
        return proc

    def _retire(self, proc: _Proc) -> None:
        proc.kill()
        self._procs.remove(proc)

    def map(self, items: Iterable) -> Iterator[Any]:
        """Results of `func` for each item, in order; a `Failure` where a worker gave none."""
        items = list(items)
        pending = deque(enumerate(items))
        done: dict[int, Any] = {}
        next_out = 0
        try:
            while next_out < len(items):
                for proc in self._procs:
                    if proc.job is None and pending and len(done) < MAX_BUFFERED:
                        self._assign(proc, *pending.popleft())
                while (len(self._procs) < min(self.workers, len(items)) and pending
                       and len(done) < MAX_BUFFERED):
                    self._assign(self._spawn(), *pending.popleft())
                busy = [p for p in self._procs if p.job is not None]
                if busy:
                    self._collect(busy, done)
                while next_out in done:
                    yield done.pop(next_out)
                    next_out += 1
        finally:
            if next_out < len(items):  # abandoned half way (an error or Ctrl-C)
                for proc in list(self._procs):
                    self._retire(proc)

    def _assign(self, proc: _Proc, index: int, item: Any) -> None:
        deadline = time.monotonic() + self.seconds if self.seconds else float("inf")
        proc.job = (index, item, deadline)
        try:
            proc.conn.send((index, item))
        except (OSError, EOFError):
            pass  # a dead worker: noticed in _collect

    def _collect(self, busy: list[_Proc], done: dict[int, Any]) -> None:
        first = min(p.job[2] for p in busy)
        timeout = None if first == float("inf") else max(0.0, first - time.monotonic())
        ready = wait_any([p.conn for p in busy], timeout)
        for proc in busy:
            index, _item, deadline = proc.job
            if proc.conn in ready:
                try:
                    got, result = proc.conn.recv()
                except (EOFError, OSError):
                    proc.process.join(1)
                    code = proc.process.exitcode
                    how = (f"killed by signal {-code}" if code is not None and code < 0
                           else f"exit status {code}")
                    done[index] = Failure(f"the extraction process died ({how})")
                    self._retire(proc)
                    continue
                done[got] = result
                proc.job = None
            elif time.monotonic() >= deadline:
                done[index] = Failure(f"took longer than {self.seconds:g} s")
                self._retire(proc)


__all__ = ["WorkerPool", "Failure", "FILE_SECONDS", "WORKER_MEMORY"]
