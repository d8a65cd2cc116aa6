"""Decoded posting lists of a segment's frequent terms, kept beside the index.

Whoosh keeps a term's postings in blocks of 128, each a zlib-compressed pickle
whose document numbers are delta-coded Python ints and whose positions are one
pickle per posting. Reading the postings of a word found in 150,000 of a
million articles means decompressing and unpickling about 1,200 blocks, and a
phrase of two such words decodes hundreds of thousands of position lists: that
is most of the time of a slow search at that scale (docs/BENCHMARKS.md).

`build_segment` decodes, once, the postings of every term that at least
`MIN_DF` documents of a segment contain, and writes them as flat arrays
(document numbers, weights, and positions with their offsets) into the
generation's `segment-cache/` folder. `SegmentPostings` maps them read-only
(numpy memory maps), so reading such a term is an array slice. Segments never
change, so the files stay valid until the segment is merged away; the index
itself stays a plain Whoosh index and the files are rebuilt from it (they are
written by `WhooshArchive.prepare()` after a rebuild or `optimize`, and a
segment without them is read through Whoosh, as before).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from pathlib import Path
from pickle import loads

import numpy as np
from whoosh import fields
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import _INT_SIZE

MIN_DF = 5000  # a term in at least this many documents of a segment gets decoded arrays
MIN_SEGMENT_DOCS = 20_000  # smaller segments are read through Whoosh (they are fast)
FORMAT = 1
SUFFIX = ".postings"
DONE = ".postings-done"  # marks a segment whose every field was written


def folder_name(segid: str, field: str) -> str:
    return f"{segid}.{field}{SUFFIX}"


def segment_of(name: str) -> str:
    """The segment id a file or folder of the segment cache belongs to."""
    return name.split(".", 1)[0]


def _indexed_fields(sub) -> list[str]:
    schema = sub.schema
    out = []
    for name in sorted(sub.indexed_field_names()):
        if name in schema and not isinstance(schema[name], fields.NUMERIC):
            out.append(name)
    return out


def _leaf(m):
    return m.child if isinstance(m, FilterMatcher) else m


def build_segment(sub, folder: Path, segid: str, min_df: int | None = None,
                  min_docs: int | None = None) -> int:
    """Write the arrays of one segment's frequent terms; returns how many terms were written.

    A field already written (its `meta.json` is there) is skipped, so a second
    run after an interruption only does what is missing.
    """
    min_df = MIN_DF if min_df is None else min_df
    if sub.doc_count_all() < (MIN_SEGMENT_DOCS if min_docs is None else min_docs):
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for field in _indexed_fields(sub):
        target = folder / folder_name(segid, field)
        if (target / "meta.json").exists():
            continue
        terms = [text for text, info in sub.iter_field(field) if info.doc_frequency() >= min_df]
        if terms:
            written += _write_field(sub, field, terms, target)
    (folder / (segid + DONE)).touch()
    return written


def complete(folder: Path, segid: str) -> bool:
    """Whether `build_segment` has finished this segment."""
    return (folder / (segid + DONE)).exists()


def build_from_files(index_folder: Path, indexname: str, segid: str, folder: Path) -> int:
    """`build_segment` for a segment of the index in `index_folder`, read without mmap.

    Run in a process of its own: reading through memory-mapped segment files
    would count every page of the postings it walks as that process's resident
    memory (about 400 MB for a 500,000-article segment); read through files, they
    stay in the kernel's page cache.
    """
    from whoosh.filedb.filestore import FileStorage
    from whoosh.reading import SegmentReader

    storage = FileStorage(str(index_folder), supports_mmap=False, readonly=True)
    ix = storage.open_index(indexname)
    try:
        for segment in ix._segments():
            if segment.segment_id() == segid:
                reader = SegmentReader(storage, ix.schema, segment)
                try:
                    return build_segment(reader, folder, segid)
                finally:
                    reader.close()
    finally:
        ix.close()
    return 0


def _write_field(sub, field: str, terms: list[bytes], target: Path) -> int:
    fmt = sub.schema[field].format
    with_positions = getattr(type(fmt), "decode_positions", None) is Positions.decode_positions
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    kept: list[bytes] = []
    term_off, pos_base = [0], [0]
    try:
        with open(tmp / "ids.bin", "wb") as f_ids, open(tmp / "weights.bin", "wb") as f_w, \
                open(tmp / "pos_start.bin", "wb") as f_ps, \
                open(tmp / "positions.bin", "wb") as f_pos:
            for text in terms:
                m = _leaf(sub.postings(field, text))
                if not isinstance(m, W3LeafMatcher):
                    continue  # another codec: read through Whoosh
                postings_n = positions_n = 0
                while m.is_active():  # a block at a time: memory stays small for any term
                    if m._ids is None:
                        m._read_ids()
                    if m._weights is None:
                        m._read_weights()
                    ids = np.asarray(m._ids, dtype=np.int32)
                    f_ids.write(ids.tobytes())
                    f_w.write(np.asarray(m._weights, dtype=np.float32).tobytes())
                    postings_n += len(ids)
                    if with_positions:
                        m._read_values()
                        counts, deltas = [], []
                        for value in m._values:
                            codes = loads(value[_INT_SIZE:] if value.endswith(b".")
                                          else value[_INT_SIZE:] + b".")
                            counts.append(len(codes))
                            deltas.extend(codes)
                        count = np.asarray(counts, dtype=np.int64)
                        starts = np.zeros(len(count), dtype=np.int64)
                        np.cumsum(count[:-1], out=starts[1:])
                        # positions are delta-coded within each posting: a running sum
                        # that starts again at every posting
                        run = np.cumsum(np.asarray(deltas, dtype=np.int64))
                        before = np.concatenate(([0], run))[starts]
                        f_ps.write((starts + positions_n).astype(np.uint32).tobytes())
                        f_pos.write((run - np.repeat(before, count)).astype(np.int32).tobytes())
                        positions_n += len(deltas)
                    m._next_block()
                if with_positions:
                    pos_base.append(pos_base[-1] + positions_n)
                kept.append(text)
                term_off.append(term_off[-1] + postings_n)
        meta = {"format": FORMAT, "field": field, "positions": with_positions,
                "terms": [t.hex() for t in kept], "term_off": term_off,
                "pos_base": pos_base if with_positions else None}
        with open(tmp / "meta.json", "w", encoding="utf-8") as fh:
            json.dump(meta, fh)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return len(kept)


class SegmentPostings:
    """One segment's decoded frequent terms of one field (see `build_segment`)."""

    def __init__(self, folder: Path):
        with open(folder / "meta.json", encoding="utf-8") as fh:
            meta = json.load(fh)
        if meta.get("format") != FORMAT:
            raise ValueError("another format")
        self.terms = {bytes.fromhex(t): i for i, t in enumerate(meta["terms"])}
        self.term_off = np.asarray(meta["term_off"], dtype=np.int64)
        count = int(self.term_off[-1])
        self.ids = _map(folder / "ids.bin", np.int32, count)
        self.weights = _map(folder / "weights.bin", np.float32, count)
        self.has_positions = bool(meta["positions"])
        if self.has_positions:
            self.pos_base = np.asarray(meta["pos_base"], dtype=np.int64)
            self.pos_start = _map(folder / "pos_start.bin", np.uint32, count)
            self.positions = _map(folder / "positions.bin", np.int32, int(self.pos_base[-1]))

    def __contains__(self, text: bytes) -> bool:
        return text in self.terms

    def postings(self, text: bytes) -> tuple[np.ndarray, np.ndarray]:
        """(segment document numbers, weights) of a term this segment has arrays for."""
        i = self.terms[text]
        a, b = self.term_off[i], self.term_off[i + 1]
        return self.ids[a:b], self.weights[a:b]

    def positions_in(self, text: bytes, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(document of each position, position) for the term in `docs` (segment numbers, sorted)."""
        i = self.terms[text]
        a, b = int(self.term_off[i]), int(self.term_off[i + 1])
        ids = np.asarray(self.ids[a:b])
        at = np.searchsorted(ids, docs)
        at = at[(at < len(ids))]
        at = at[np.isin(ids[at], docs, assume_unique=True)] if len(at) else at
        starts = np.asarray(self.pos_start[a:b], dtype=np.int64)
        total = self.pos_base[i + 1] - self.pos_base[i]
        ends = np.append(starts[1:], total)
        first, count = starts[at], ends[at] - starts[at]
        return np.repeat(ids[at].astype(np.int64), count), _ragged(
            self.positions, int(self.pos_base[i]), first, count)


def _ragged(values: np.ndarray, base: int, first: np.ndarray, count: np.ndarray) -> np.ndarray:
    """values[base + first[k] : base + first[k] + count[k]] for every k, concatenated."""
    total = int(count.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(first - np.concatenate(([0], np.cumsum(count)[:-1])), count)
    return np.asarray(values[base + shift + np.arange(total)], dtype=np.int64)


def _map(path: Path, dtype, count: int) -> np.ndarray:
    if count == 0:
        return np.zeros(0, dtype=dtype)
    if path.stat().st_size != count * np.dtype(dtype).itemsize:
        raise ValueError(f"{path.name}: wrong size")
    return np.memmap(path, dtype=dtype, mode="r", shape=(count,))


def load_segment(folder: Path, segid: str, field: str) -> SegmentPostings | None:
    """A segment's arrays for a field, or None (not written, damaged: read through Whoosh)."""
    target = folder / folder_name(segid, field)
    if not (target / "meta.json").exists():
        return None
    try:
        return SegmentPostings(target)
    except (OSError, ValueError, KeyError, TypeError):
        return None


class SegmentArrays:
    """A segment's decoded postings per field, looked for again now and then while missing.

    `WhooshArchive.prepare()` may write them after a server has first read the
    segment (after `manage.py optimize`, in another process); a large segment
    without them is looked at again at most every RECHECK seconds.
    """

    RECHECK = 30.0

    def __init__(self, folder: Path, segid, doc_count: int):
        self._folder = folder
        self._segid = segid if isinstance(segid, str) else None
        self._large = doc_count >= MIN_SEGMENT_DOCS
        self._fields: dict = {}
        self._checked = 0.0
        self._look()

    def _look(self) -> None:
        self._checked = time.monotonic()
        if self._segid is None or not self._folder.is_dir():
            return
        prefix = self._segid + "."
        for path in self._folder.iterdir():
            name = path.name
            if name.startswith(prefix) and name.endswith(SUFFIX):
                field = name[len(prefix):-len(SUFFIX)]
                if field not in self._fields:
                    loaded = load_segment(self._folder, self._segid, field)
                    if loaded is not None:
                        self._fields[field] = loaded

    def get(self, field: str):
        found = self._fields.get(field)
        if found is None and self._large and time.monotonic() - self._checked > self.RECHECK:
            self._look()
            found = self._fields.get(field)
        return found


def remove_unused(folder: Path, keep: set[str]) -> None:
    """Delete everything of the segment cache that belongs to segments not in `keep`.

    That is the column arrays (`.npz`), the posting arrays and their markers of
    segments that were merged away. Files being written (their names start with
    a dot) are left to their writers.
    """
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.name.startswith(".") or segment_of(path.name) in keep:
            continue
        with contextlib.suppress(OSError):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()


__all__ = ["SegmentArrays", "build_segment", "build_from_files", "load_segment", "SegmentPostings", "remove_unused", "MIN_DF"]
