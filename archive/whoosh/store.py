"""Index storage: generations swapped atomically, one writer at a time, searchers kept fresh.

Layout of the index directory::

    index/
      CURRENT            name of the generation that serves (replaced atomically)
      gen-<stamp>/       a complete Whoosh index
      archive.lock       held (flock) by the one process that writes

A rebuild writes a new generation and points CURRENT at it only after its
commit, so a crash or Ctrl-C mid-way leaves the old index serving. The lock is
an advisory `flock`: the kernel releases it when its process dies, so a killed
command never leaves a lock that stops the next one (forked children close
their copy of it). A generation left half-written by a killed rebuild is
removed by the next writer; Whoosh's own write lock is an `flock` too, so a
leftover lock file never blocks.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import io
import logging
import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Callable

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.filedb import structfile as _structfile
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter as _SegmentWriter

from archive.whoosh import fixes  # noqa: F401  (corrections to whoosh3, applied on import)
from archive.errors import ArchiveError, IndexCorrupt, IndexLocked, IndexMissing
from archive.whoosh.schema import SCHEMA_VERSION, build_schema


class _ViewReader(io.RawIOBase):
    """A read-only file over a memoryview (a part of an mmap'd compound segment file)."""

    def __init__(self, view: memoryview):
        self._view = view
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = max(0, min(len(b), len(self._view) - self._pos))
        b[:n] = self._view[self._pos:self._pos + n]
        self._pos += n
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos


def _buffer_file_init(self, buf, name=None, onclose=None) -> None:
    """whoosh3's BufferFile without copying its buffer.

    whoosh3 opens each part of a compound segment file as `BytesIO(memoryview of
    the mmap)`, which copies the part into memory: at a million articles every
    new searcher read the 430 MB stored-fields column. Reads now go through the
    mmap and copy only what they read.
    """
    self._buf = buf
    self._name = name
    self.file = (io.BufferedReader(_ViewReader(buf)) if isinstance(buf, memoryview)
                 else io.BytesIO(buf))
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


_structfile.BufferFile.__init__ = _buffer_file_init


# whoosh3's one-byte length codes as lengths; 0 is "no length" (None, as whoosh3 reads it).
_BYTE_TO_LENGTH = [None] + [byte_to_length(b) for b in range(1, 256)]


class _Lengths:
    """A segment's per-document reader whose field lengths are read once, not per posting.

    At a commit, whoosh3 writes every posting block with the lengths of its
    documents, asking the lengths column for each posting: a seek and a read of
    one byte, about 3 microseconds, or 4 CPU-seconds for Reuters-21578's 1.4
    million postings. Here a field's whole column (one byte a document) is read
    at once and looked up in a list. The values are the same (see
    tests/test_writer_lengths.py); everything else is the wrapped reader's.
    """

    def __init__(self, reader):
        self._reader = reader
        self._count = reader.doc_count_all()

    def __getattr__(self, name):
        return getattr(self._reader, name)

    def doc_field_length_reader(self, fieldname, default=0):
        reader = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        raw = None
        if reader is not None and getattr(reader, "_fixedlen", None) == 1 \
                and getattr(reader, "_typecode", None) == "B":
            raw = reader._dbfile.get(reader._basepos, min(reader._count, self._count))
        if raw is None:  # not the one-byte column this was written for: whoosh3's own
            return self._reader.doc_field_length_reader(fieldname, default)
        values = [_BYTE_TO_LENGTH[b] for b in raw]
        values.extend([None] * (self._count - len(values)))  # past the column: no length
        return values.__getitem__


class SegmentWriter(_SegmentWriter):
    """Whoosh's segment writer, reading field lengths once per field at the commit."""

    def per_document_reader(self):
        return _Lengths(super().per_document_reader())

CURRENT = "CURRENT"
LOCK_FILE = "archive.lock"
GEN_PREFIX = "gen-"
INDEX_NAME = "MAIN"
WRITER_MB = 512
# Each process of a parallel rebuild (archive.whoosh.parallel): the posting pool spills to disk
# beyond this, which keeps a million-article build's memory bounded.
PARALLEL_WRITER_MB = 256
PUBLISHED = "PUBLISHED"  # marks a generation that served (or serves); others are unfinished

log = logging.getLogger("morgue.store")
_held_locks: set[int] = set()  # lock fds of this process, closed in forked children


def _close_held_locks_in_child() -> None:
    for fd in list(_held_locks):
        with contextlib.suppress(OSError):
            os.close(fd)  # the parent's lock stays held: flock belongs to the open file
    _held_locks.clear()


os.register_at_fork(after_in_child=_close_held_locks_in_child)

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """In a child process: be killed when the parent dies (Linux), so no orphan lingers.

    `parent` is the pid of the process that started this one (its `os.getpid()` before the
    start). A parent killed between the fork and this call sends no signal, so a child that
    already has another parent ends here."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def disk_error(exc: OSError, index_dir: Path) -> ArchiveError:
    if exc.errno == errno.ENOSPC:
        return ArchiveError(f"the disk holding {index_dir} is full; the previous index still serves")
    if exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return ArchiveError(f"cannot write to {index_dir} ({exc.strerror}); "
                            "the previous index still serves")
    return ArchiveError(f"cannot write the index in {index_dir}: {exc}")


class ArchiveLock:
    """The archive-wide writer lock (flock on index/archive.lock)."""

    @staticmethod
    def held_by_live_process(index_dir: Path) -> bool:
        """Whether a live process holds the lock of `index_dir` (its pid is in the lock file)."""
        try:
            pid = int((index_dir / LOCK_FILE).read_text().strip() or 0)
        except (OSError, ValueError):
            return False
        if pid <= 0:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False  # a writer that died left its pid behind
        except PermissionError:
            pass
        return True

    def __init__(self, index_dir: Path):
        self.path = index_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self, wait: float = 0.0, on_wait: Callable[[str], None] | None = None) -> None:
        """Take the lock, waiting up to `wait` seconds; raises IndexLocked when it stays busy."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise disk_error(exc, self.path.parent) from None
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._holder(fd)
                    os.close(fd)
                    raise IndexLocked(f"the index at {self.path.parent} is being written by "
                                      f"another command{holder}") from None
                if on_wait and not told:
                    on_wait(f"waiting for another command writing to {self.path.parent}"
                            f"{self._holder(fd)}...")
                    told = True
                time.sleep(0.1)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        _held_locks.add(fd)

    @staticmethod
    def _holder(fd: int) -> str:
        with contextlib.suppress(OSError, ValueError):
            pid = int(os.pread(fd, 32, 0).decode().strip() or 0)
            if pid:
                return f" (process {pid})"
        return ""

    def release(self) -> None:
        if self._fd is not None:
            _held_locks.discard(self._fd)
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "ArchiveLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class IndexStore:
    """Finds the serving generation, opens it, and makes new ones."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)

    # -- reading -----------------------------------------------------------
    def current_name(self) -> str | None:
        try:
            name = (self.index_dir / CURRENT).read_text().strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise IndexCorrupt(f"cannot read {self.index_dir / CURRENT}: {exc}") from None
        if not name.startswith(GEN_PREFIX) or "/" in name or name in (".", ".."):
            raise IndexCorrupt(f"{self.index_dir / CURRENT} names no generation: {name!r}")
        return name

    def exists(self) -> bool:
        try:
            return self.current_name() is not None
        except IndexCorrupt:
            return True

    def open(self):
        """Open the serving generation; raises IndexMissing or IndexCorrupt."""
        name = self.current_name()
        if name is None:
            raise IndexMissing(f"no index at {self.index_dir}")
        path = self.index_dir / name
        try:
            ix = whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
        except (EmptyIndexError, FileNotFoundError):
            raise IndexCorrupt(f"the index generation {path} is missing or empty") from None
        except Exception as exc:  # a damaged TOC raises many kinds of errors
            raise IndexCorrupt(f"cannot open the index at {path}: {exc}") from None
        version = self.schema_version(name)
        if version != SCHEMA_VERSION:
            ix.close()
            raise IndexCorrupt(f"the index at {path} was built by another version of Morgue "
                               f"(schema {version}, this one reads {SCHEMA_VERSION})")
        return ix, name

    def schema_version(self, name: str) -> int | None:
        try:
            return int((self.index_dir / name / "SCHEMA").read_text().strip())
        except (OSError, ValueError):
            return None

    # -- writing -----------------------------------------------------------
    def new_generation(self):
        """Create an empty generation directory (not yet serving); returns (index, name)."""
        self.remove_unfinished()
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        name = f"{GEN_PREFIX}{stamp}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
        path = self.index_dir / name
        try:
            path.mkdir(parents=True)
            (path / "SCHEMA").write_text(f"{SCHEMA_VERSION}\n")
            ix = FileStorage(str(path)).create_index(build_schema(), indexname=INDEX_NAME)
        except OSError as exc:
            shutil.rmtree(path, ignore_errors=True)
            raise disk_error(exc, self.index_dir) from None
        return ix, name

    def publish(self, name: str) -> None:
        """Point CURRENT at a committed generation (atomic rename), then drop old ones."""
        tmp = self.index_dir / f".{CURRENT}.{os.getpid()}.tmp"
        try:
            previous = self.current_name()
        except IndexCorrupt:
            previous = None
        try:
            (self.index_dir / name / PUBLISHED).write_text("")
            _fsync_dir(self.index_dir / name)
            with open(tmp, "w") as fh:
                fh.write(name + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.index_dir / CURRENT)
            _fsync_dir(self.index_dir)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise disk_error(exc, self.index_dir) from None
        self.prune(keep=name, previous=previous)

    def discard(self, name: str) -> None:
        shutil.rmtree(self.index_dir / name, ignore_errors=True)

    def prune(self, keep: str, previous: str | None = None) -> None:
        """Remove generations other than the serving one and the one before it."""
        gens = sorted((p for p in self.index_dir.glob(GEN_PREFIX + "*") if p.is_dir()),
                      key=lambda p: p.stat().st_mtime)
        others = [p for p in gens if p.name != keep]
        if previous is not None and previous != keep:
            others = [p for p in others if p.name != previous]
        else:
            others = others[:-1]
        for path in others:
            shutil.rmtree(path, ignore_errors=True)

    def remove_unfinished(self) -> None:
        """Remove generations left half-written by a killed rebuild (call with the lock held)."""
        try:
            current = self.current_name()
        except IndexCorrupt:
            return
        for path in self.index_dir.glob(GEN_PREFIX + "*"):
            if path.name == current or not path.is_dir() or (path / PUBLISHED).exists():
                continue
            log.warning("removing %s: an index generation left unfinished by an interrupted "
                        "rebuild", path)
            shutil.rmtree(path, ignore_errors=True)

    def size_bytes(self) -> int:
        name = self.current_name()
        if not name:
            return 0
        return sum(p.stat().st_size for p in (self.index_dir / name).iterdir() if p.is_file())


def open_reader(ix, previous=None):
    """A reader for the latest commit, reusing the unchanged segments of `previous`.

    whoosh3's own `Searcher.refresh()` reuses a segment's reader when only the
    segment's id matches, so deletions made since (including the delete half of
    `update_document`) stay invisible, and it keeps segments that a merge removed.
    Here a reader is reused only when its segment id and deletion count match.
    """
    from whoosh.reading import EmptyReader, MultiReader, SegmentReader

    toc = ix._read_toc()
    if not toc.segments:
        return EmptyReader(toc.schema), toc.generation
    reusable = {}
    if previous is not None:
        for leaf, _offset in previous.leaf_readers():
            segment = leaf.segment()
            if segment is not None:
                reusable[segment.segment_id()] = leaf
    readers = []
    for segment in toc.segments:
        old = reusable.get(segment.segment_id())
        if old is not None and old.segment().deleted_count() == segment.deleted_count():
            readers.append(old)
            del reusable[segment.segment_id()]
        else:
            readers.append(SegmentReader(ix.storage, toc.schema, segment,
                                         generation=toc.generation))
    for leftover in reusable.values():
        with contextlib.suppress(Exception):
            leftover.close()
    if len(readers) == 1 and readers[0].generation() == toc.generation:
        return readers[0], toc.generation
    return MultiReader(readers, generation=toc.generation), toc.generation


class SearcherPool:
    """One Whoosh searcher per thread, brought up to date when the index changes on disk."""

    def __init__(self, store: IndexStore, weighting=None):
        self.store = store
        self.weighting = weighting
        self._local = threading.local()
        self._lock = threading.Lock()
        self._ix = None
        self._gen: str | None = None

    def _index(self):
        name = self.store.current_name()
        with self._lock:
            if self._ix is None or name != self._gen:
                ix, gen = self.store.open()
                self._ix, self._gen = ix, gen
            return self._ix, self._gen

    def searcher(self):
        """A searcher that sees the latest commit of the serving generation."""
        from whoosh.searching import Searcher

        ix, gen = self._index()
        local = self._local
        searcher = getattr(local, "searcher", None)
        latest = ix.latest_generation()
        if searcher is not None and local.gen == gen and local.toc == latest:
            return searcher
        previous = searcher.reader() if searcher is not None and local.gen == gen else None
        if searcher is not None and previous is None:
            with contextlib.suppress(Exception):
                searcher.close()
        reader, toc = open_reader(ix, previous)
        kwargs = {"weighting": self.weighting} if self.weighting is not None else {}
        searcher = Searcher(reader, fromindex=ix, **kwargs)
        searcher.morgue_state = (gen, toc)  # the index state, for caches shared by threads
        local.searcher, local.gen, local.toc = searcher, gen, toc
        return searcher

    @property
    def generation(self) -> str | None:
        return self._gen
