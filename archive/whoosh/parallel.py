"""A rebuild writer that analyses and writes on every core: one Whoosh segment per process.

Whoosh's own `MpWriter` hands batches to whichever sub-process is free, so
document numbers (the order of equal-scoring hits) change from one build to the
next, and a sub-process that dies takes its documents with it without a word.
This writer deals batches round-robin to its processes, so the same corpus
always gives the same index, and it fails the commit when a process did not
report back. The result is a plain Whoosh index with one segment per process;
`manage.py optimize` merges them into one.

Used for rebuilds only (a new generation that is thrown away if anything
fails); updates use Whoosh's ordinary writer.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue

from archive.errors import ArchiveError
from archive.whoosh.store import SegmentWriter, die_with_parent  # the writer: lengths read once

BATCH = 200  # documents per message to a process


def _run(storage, indexname, jobs, results, kwargs, number: int, parent: int) -> None:
    """A writer process: add every batch it receives, then finish its segment."""
    die_with_parent(parent)  # a killed rebuild leaves no writer waiting for batches
    try:
        ix = storage.open_index(indexname)
        writer = SegmentWriter(ix, _lk=False, **kwargs)
        while True:
            batch = jobs.get()
            if batch is None:
                break
            for fields in batch:
                writer.add_document(**fields)
        segment = writer._finalize_segment() if writer._added else None
        if segment is None:
            writer._close_segment()
        results.put((number, segment, None))
    except BaseException as exc:  # reported to the parent, which fails the commit
        code = exc.errno if isinstance(exc, OSError) else None
        results.put((number, None, (code, f"{type(exc).__name__}: {exc}")))


class ParallelWriter(SegmentWriter):
    """`add_document` and `commit` like a Whoosh writer; the work happens in `procs` processes."""

    def __init__(self, ix, procs: int = 2, **kwargs):
        SegmentWriter.__init__(self, ix, **kwargs)
        self._procs = procs
        self._kwargs = kwargs
        self._jobs: list = []
        self._tasks: list = []
        self._results = None
        self._buffer: list[dict] = []
        self._next = 0

    def _start(self) -> None:
        """Start the processes (at the first full batch: a small index is written here)."""
        ctx = mp.get_context("fork")
        self._results = ctx.Queue()
        self._jobs = [ctx.Queue(4) for _ in range(self._procs)]
        for jobs in self._jobs:
            # When a process has failed, batches still queued for it must not keep this one
            # from exiting (a success is only reported after every batch was taken).
            jobs.cancel_join_thread()
        self._tasks = [ctx.Process(target=_run, daemon=True,
                                   args=(self.storage, self.indexname, self._jobs[n],
                                         self._results, self._kwargs, n, os.getpid()))
                       for n in range(self._procs)]
        for task in self._tasks:
            task.start()

    def add_document(self, **fields) -> None:
        self._buffer.append(fields)
        if len(self._buffer) >= BATCH:
            if not self._tasks:
                self._start()
            self._send()

    def _send(self) -> None:
        self._put(self._next, self._buffer)
        self._next = (self._next + 1) % len(self._jobs)
        self._buffer = []

    def _put(self, number: int, item) -> None:
        while True:
            try:
                self._jobs[number].put(item, timeout=1)
                return
            except queue.Full:
                if not self._tasks[number].is_alive():
                    raise self._failure(self._drain(), number) from None

    def _drain(self) -> list:
        reports = []
        while True:
            try:
                reports.append(self._results.get(timeout=0.5))
            except queue.Empty:
                return reports

    def _failure(self, reports: list, dead: int | None = None) -> Exception:
        """The error to raise for failed processes: OSError (disk full...) or ArchiveError."""
        errors = [r[2] for r in reports if r[2]]
        for code, message in errors:
            if code is not None:
                return OSError(code, message)
        if errors:
            return ArchiveError("a writer process failed: " + "; ".join(m for _, m in errors))
        ended = (f"writer process {dead} ended early (exit code {self._tasks[dead].exitcode})"
                 if dead is not None else "a writer process ended without reporting")
        return ArchiveError(f"the index could not be written: {ended}")

    def update_document(self, **fields) -> None:
        raise NotImplementedError("ParallelWriter writes new indexes only (use add_document)")

    def _stop(self) -> list:
        """Ask every process to finish; their (number, segment, error) reports in order."""
        if self._buffer:  # the last, short batch shared out, so no process finishes long after the rest
            rest, self._buffer = self._buffer, []
            share = -(-len(rest) // len(self._jobs))
            for start in range(0, len(rest), share):
                self._buffer = rest[start:start + share]
                self._send()
        for number in range(len(self._jobs)):
            self._put(number, None)
        reports: list = []
        while len(reports) < len(self._tasks):
            try:
                reports.append(self._results.get(timeout=1))
            except queue.Empty:  # a process killed from outside never reports
                if not any(t.is_alive() for t in self._tasks):
                    try:
                        reports.append(self._results.get(timeout=1))
                    except queue.Empty:
                        break
        for task in self._tasks:
            task.join()
        return sorted(reports, key=lambda r: r[0])

    def commit(self, mergetype=None, optimize=False, merge=True) -> None:
        if not self._tasks:  # fewer documents than one batch
            for fields in self._buffer:
                SegmentWriter.add_document(self, **fields)
            self._buffer = []
            SegmentWriter.commit(self, mergetype=mergetype, optimize=optimize, merge=merge)
            return
        reports = self._stop()
        if any(r[2] for r in reports) or len(reports) != len(self._tasks):
            SegmentWriter.cancel(self)
            raise self._failure(reports)
        segments = self._merge_segments(mergetype, optimize, merge)
        segments += [segment for _, segment, _ in reports if segment is not None]
        self._close_segment()
        self._commit_toc(segments)
        self._finish()

    def cancel(self) -> None:
        for task in self._tasks:
            if task.is_alive():
                task.kill()
        for task in self._tasks:
            task.join()
        SegmentWriter.cancel(self)


__all__ = ["ParallelWriter", "BATCH"]
