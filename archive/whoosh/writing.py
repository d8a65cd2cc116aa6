"""The one way to write a Whoosh index: a writer used as a context manager.

It commits when the block ends and cancels on an error, so no lock or temporary
segment outlives a failure; a rebuild's writer is one process per core
(archive.whoosh.parallel), an update's the index's own segment writer.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from whoosh.index import LockError

from archive.errors import IndexLocked
from archive.whoosh.parallel import ParallelWriter
from archive.whoosh.store import PARALLEL_WRITER_MB, WRITER_MB, SegmentWriter, disk_error


@contextlib.contextmanager
def whoosh_writer(ix, index_dir: Path, procs: int = 1, optimize: bool = False,
                  **kwargs) -> Iterator:
    """A Whoosh writer used only as a context manager: commit on success, cancel on error.

    `procs` > 1 (new indexes only) writes one segment per process (archive.whoosh.parallel);
    `optimize` merges every segment into one at the commit.
    """
    try:
        if procs > 1:
            writer = ParallelWriter(ix, procs=procs, limitmb=PARALLEL_WRITER_MB, **kwargs)
        else:
            writer = SegmentWriter(ix, limitmb=WRITER_MB, **kwargs)
    except LockError:
        raise IndexLocked(f"the index at {index_dir} is being written by another command") from None
    except OSError as exc:
        raise disk_error(exc, index_dir) from None
    try:
        yield writer
    except OSError as exc:  # e.g. a writer process of a rebuild found the disk full
        with contextlib.suppress(Exception):  # cancelling writes too; the cause is reported
            writer.cancel()
        raise disk_error(exc, index_dir) from None
    except BaseException:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise
    try:
        writer.commit(optimize=optimize)
    except OSError as exc:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise disk_error(exc, index_dir) from None


__all__ = ["whoosh_writer"]
