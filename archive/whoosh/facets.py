"""Facet counts and filters computed from per-document columns, cached per index generation."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import threading
import zipfile
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Iterable

import numpy as np

from archive.age import AGE_BANDS, BAND_ORDER, age_band, band_label, whole_years
from archive.whoosh.docset import DocSet
from archive.whoosh.schema import FACET_FIELDS, split_column_value

from archive.requests import FACET_LIMIT  # noqa: E402,F401  (values shown per facet)


class ColumnCache:
    """Column values of every document of one searcher, read once and reused.

    Values are read and prepared per index segment and kept by segment id:
    segments never change, so after a commit (an `add`, a merge) only the new
    segments are read, and the per-state arrays are concatenations of cached
    parts. Per-state results are keyed by the index state the searcher sees
    (see `_reader_key`), so a commit is seen by the next search.
    """

    def __init__(self, directory=None):
        self._lock = threading.Lock()
        self._key = None
        self._columns: dict[str, object] = {}
        self._segments: dict[tuple, object] = {}
        # directory(searcher) -> folder for per-segment arrays on disk, or None (memory only)
        self._directory = directory

    # -- per segment -----------------------------------------------------------
    def _per_segment(self, searcher, name: str, build, persist: bool = False
                     ) -> list[tuple[object, int, int]]:
        """(value, document offset, document count) of every segment; `build(sub)` once each.

        With `persist`, a value (arrays) is also kept in a file beside the index, so a
        new process (the CLI, a restarted server) reads it instead of the columns.
        """
        folder = self._directory(searcher) if persist and self._directory else None
        out = []
        for sub, offset in searcher.reader().leaf_readers():
            segid = segment_id(sub)
            key = (segid, name)
            with self._lock:
                value = self._segments.get(key)
            if value is None:
                path = (folder / f"{segid}.{_safe(name)}.npz"
                        if folder is not None and isinstance(segid, str) else None)
                value = _load(path) if path is not None else None
                if value is None:
                    value = build(sub)
                    if path is not None:
                        _save(path, value)
                with self._lock:
                    self._segments[key] = value
            out.append((value, offset, sub.doc_count_all()))
        return out

    def segment_values(self, searcher, name: str, build) -> list:
        """`build(segment reader)` of every segment, in document order, kept by segment id."""
        return [value for value, _offset, _count in self._per_segment(searcher, name, build)]

    def _new_state(self, searcher) -> None:
        """Forget per-state values, and segments the new state no longer has (lock held)."""
        self._columns = {}
        keep = {segment_id(sub) for sub, _ in searcher.reader().leaf_readers()}
        self._segments = {k: v for k, v in self._segments.items() if k[0] in keep}

    def _cached(self, searcher, key, build):
        state = self._reader_key(searcher)
        with self._lock:
            if self._key != state:
                self._key = state
                self._new_state(searcher)
            value = self._columns.get(key)
        if value is None:
            value = build()
            with self._lock:
                if self._key == state:
                    self._columns[key] = value
        return value

    # -- columns ---------------------------------------------------------------
    def columns(self, searcher, names: Iterable[str]) -> dict[str, list]:
        """Every document's value in each named column (lists indexed by document number)."""
        def build(name):
            if name in NUMERIC_COLUMNS:
                return self.array(searcher, name).tolist()
            return _joined(self.segment_values(searcher, "list:" + name,
                                               lambda sub: _column_values(sub, name)))
        return {n: self._cached(searcher, "list:" + n, lambda n=n: build(n)) for n in names}

    def array(self, searcher, name: str, dtype=np.int64) -> np.ndarray:
        """A numeric column as an array (per-segment parts cached)."""
        def build():
            parts = self._per_segment(searcher, "array:" + name, lambda sub: np.asarray(
                _column_values(sub, name), dtype=dtype), persist=True)
            return (np.concatenate([p for p, _, _ in parts]) if parts
                    else np.zeros(0, dtype=dtype))
        return self._cached(searcher, "array:" + name, build)

    def per_segment_array(self, searcher, name: str, build_one) -> np.ndarray:
        """An array over documents assembled from `build_one(segment reader)` parts."""
        def build():
            parts = self._per_segment(searcher, "seg:" + name, build_one, persist=True)
            return np.concatenate([p for p, _, _ in parts]) if parts else np.zeros(0)
        return self._cached(searcher, "seg:" + name, build)

    def story_codes(self, searcher) -> np.ndarray:
        """Every document's story as an integer, equal within a story (archive.whoosh.stories)."""
        from archive.whoosh.stories import story_hashes

        return self.per_segment_array(searcher, "story-codes", lambda sub: story_hashes(
            _column_values(sub, "story"), str(segment_id(sub))))

    def live(self, searcher) -> np.ndarray:
        """True for every document that is not deleted."""
        def build():
            parts = []
            for sub, _offset in searcher.reader().leaf_readers():
                count = sub.doc_count_all()
                if sub.has_deletions():
                    mask = np.zeros(count, dtype=bool)
                    mask[list(sub.all_doc_ids())] = True
                else:
                    mask = np.ones(count, dtype=bool)
                parts.append(mask)
            return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
        return self._cached(searcher, "live", build)

    # -- facets ----------------------------------------------------------------
    def facet_values(self, searcher, facet: str) -> list[tuple[str, ...]]:
        """Each document's values for a facet (indexed by document number), cached."""
        column = FACET_FIELDS[facet][0]

        def build():
            return _joined(self.segment_values(searcher, "values:" + facet, lambda sub: [
                split_column_value(v) for v in _column_values(sub, column)]))
        return self._cached(searcher, "values:" + facet, build)

    def facet_arrays(self, searcher, facet: str):
        """A facet as arrays: document of each entry, value code of each entry, the values."""
        column = FACET_FIELDS[facet][0]

        def one(sub):
            codes: dict[str, int] = {}
            flat, lengths = [], []
            per_doc = [split_column_value(v) for v in _column_values(sub, column)]
            for values in per_doc:
                lengths.append(len(values))
                for v in values:
                    flat.append(codes.setdefault(v, len(codes)))
            entry_doc = np.repeat(np.arange(len(per_doc), dtype=np.int64),
                                  np.asarray(lengths, dtype=np.int64))
            return entry_doc, np.asarray(flat, dtype=np.int64), list(codes)

        def build():
            merged: dict[str, int] = {}
            docs, flats = [], []
            for (entry_doc, flat, values), offset, _count in self._per_segment(
                    searcher, "arrays:" + facet, one, persist=True):
                remap = np.asarray([merged.setdefault(v, len(merged)) for v in values],
                                   dtype=np.int64)
                docs.append(entry_doc + offset)
                flats.append(remap[flat] if len(flat) else flat)
            if not docs:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), []
            return np.concatenate(docs), np.concatenate(flats), list(merged)
        return self._cached(searcher, "arrays:" + facet, build)

    def value_docs(self, searcher, facet: str) -> dict[str, DocSet]:
        """Facet value -> the documents that have it (for filters), cached."""
        def build():
            entry_doc, flat, values = self.facet_arrays(searcher, facet)
            size = self._doc_count(searcher)
            order = np.argsort(flat, kind="stable")
            bounds = np.searchsorted(flat[order], np.arange(len(values) + 1))
            return {v: DocSet.from_ids(entry_doc[order[bounds[i]:bounds[i + 1]]], size)
                    for i, v in enumerate(values)}
        return self._cached(searcher, "docs:" + facet, build)

    def date_arrays(self, searcher):
        """Dates as arrays: ordinal (0 unknown), year, month, day, banner years."""
        def build():
            ordinals = self.array(searcher, "date")
            known = ordinals > 0
            days = np.where(known, ordinals - _EPOCH_ORDINAL, 0).astype("datetime64[D]")
            years = days.astype("datetime64[Y]").astype(np.int64) + 1970
            months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
            mdays = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
            banners = self.array(searcher, "banner_years")
            return ordinals, known, years, months, mdays, banners
        return self._cached(searcher, "dates", build)

    def count_facet(self, searcher, facet: str, docs) -> Counter:
        """How many of `docs` have each value of a facet."""
        entry_doc, flat, values = self.facet_arrays(searcher, facet)
        if not len(flat):
            return Counter()
        mask = doc_mask(docs, self._doc_count(searcher))
        counts = np.bincount(flat[mask[entry_doc]], minlength=len(values))
        return Counter({values[i]: int(n) for i in np.flatnonzero(counts)
                        for n in (counts[i],)})

    def count_years(self, searcher, docs) -> Counter:
        ordinals, known, years, *_ = self.date_arrays(searcher)
        mask = doc_mask(docs, len(ordinals))
        out = Counter()
        unknown = int(np.count_nonzero(mask & ~known))
        if unknown:
            out["unknown"] = unknown
        picked = years[mask & known]
        if len(picked):
            low = int(picked.min())
            counts = np.bincount(picked - low)
            out.update({str(low + i): int(counts[i]) for i in np.flatnonzero(counts)})
        return out

    def age_codes(self, searcher, today: dt.date) -> np.ndarray:
        """Every document's age band as its index in AGE_BANDS (len(AGE_BANDS): unknown)."""
        def build():
            ordinals, known, years, months, mdays, banners = self.date_arrays(searcher)
            before = (months > today.month) | ((months == today.month) & (mdays > today.day))
            age = np.where(known, np.maximum(today.year - years - before, 0),
                           np.where(banners > 0, banners, -1))
            codes = np.full(len(age), len(AGE_BANDS), dtype=np.int64)
            for i, (_key, _label, low, high) in enumerate(AGE_BANDS):
                codes[(age >= low) if high is None else ((age >= low) & (age < high))] = i
            return today, codes
        kept = self._cached(searcher, "ages", build)
        if kept[0] != today:  # a server running past midnight: the bands move on
            kept = build()
            with self._lock:
                if self._key == self._reader_key(searcher):
                    self._columns["ages"] = kept
        return kept[1]

    def count_ages(self, searcher, docs, today: dt.date) -> Counter:
        codes = self.age_codes(searcher, today)
        counts = np.bincount(codes[doc_mask(docs, len(codes))], minlength=len(AGE_BANDS) + 1)
        out = Counter()
        if counts[-1]:
            out["unknown"] = int(counts[-1])
        for i, (key, *_rest) in enumerate(AGE_BANDS):
            if counts[i]:
                out[key] = int(counts[i])
        return out

    def year_docs(self, searcher, wanted: set[str]) -> DocSet:
        """Documents published in one of the `wanted` years ("unknown": no date)."""
        _ordinals, known, years, *_ = self.date_arrays(searcher)
        numbers = [int(y) for y in wanted if y.isdigit()]
        sel = known & np.isin(years, numbers)
        if "unknown" in wanted:
            sel |= ~known
        return DocSet.from_mask(sel)

    def age_docs(self, searcher, wanted: set[str], today: dt.date) -> DocSet:
        """Documents in one of the `wanted` age bands."""
        keys = [key for key, *_rest in AGE_BANDS] + ["unknown"]
        codes = self.age_codes(searcher, today)
        return DocSet.from_mask(np.isin(codes, [i for i, k in enumerate(keys) if k in wanted]))

    def date_docs(self, searcher, low: int, high: int) -> DocSet:
        """Documents whose date ordinal is within [low, high] (unknown dates never are)."""
        ordinals = self.date_arrays(searcher)[0]
        return DocSet.from_mask((ordinals >= low) & (ordinals <= high))

    def undated_docs(self, searcher) -> DocSet:
        return DocSet.from_mask(~self.date_arrays(searcher)[1])

    def _doc_count(self, searcher) -> int:
        return searcher.reader().doc_count_all()

    @staticmethod
    def _reader_key(searcher):
        """The index state a searcher sees: (generation folder, commit number).

        Every thread has its own searcher, but searchers of one state number their
        documents alike, so the caches are shared between threads.
        """
        state = getattr(searcher, "morgue_state", None)
        if state is not None:
            return state
        reader = searcher.reader()
        return (id(reader), reader.doc_count_all())


class ResultCache:
    """Recent search pages of one index state (least recently used go first).

    Keyed like ColumnCache by the searcher's reader, so the first search after a
    commit starts an empty cache and no stale page is ever served.
    """

    def __init__(self, size: int = 256):
        self.size = size
        self._lock = threading.Lock()
        self._key = None
        self._pages: OrderedDict = OrderedDict()

    def get(self, searcher, key):
        reader_key = ColumnCache._reader_key(searcher)
        with self._lock:
            if reader_key != self._key:
                self._key, self._pages = reader_key, OrderedDict()
                return None
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def remember(self, searcher, key, compute):
        """The cached value for `key`, computed (and kept) when missing."""
        if not self.size:
            return compute()
        value = self.get(searcher, key)
        if value is None:
            value = compute()
            self.put(searcher, key, value)
        return value

    def put(self, searcher, key, page) -> None:
        reader_key = ColumnCache._reader_key(searcher)
        with self._lock:
            if reader_key != self._key:
                return
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _column_values(reader, name: str) -> list:
    """Every document's value in a column (an index with no documents has no columns)."""
    if reader.doc_count_all() == 0:
        return []
    return list(reader.column_reader(name))


NUMERIC_COLUMNS = ("date", "date_asc", "banner_years")


def _joined(parts: list[list]) -> list:
    """Per-segment lists as one list over the documents of the state."""
    return [value for part in parts for value in part]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _load(path: Path):
    """A value saved by `_save`, or None (missing, damaged, unreadable: built again)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if "values" in z.files:
                return (z["doc"], z["flat"], json.loads(str(z["values"])))
            return z["a"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


def _save(path: Path, value) -> None:
    """Write atomically (other processes may read it at once); a failure only costs speed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        with open(tmp, "wb") as fh:
            if isinstance(value, tuple):
                doc, flat, values = value
                np.savez(fh, doc=doc, flat=flat, values=np.array(json.dumps(values)))
            else:
                np.savez(fh, a=value)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def segment_id(sub) -> object:
    """What names a segment's (unchanging) content: its id, or the reader itself."""
    segment = getattr(sub, "segment", None)
    if callable(segment):
        try:
            return segment().segment_id()
        except Exception:
            pass
    return id(sub)


def doc_mask(docs, size: int) -> np.ndarray:
    """A boolean array over document numbers, True for `docs` (a set, list or array)."""
    return DocSet.of(docs, size).mask


# Plain Python counting: the reference the vectorised counts are tested against
# (tests/test_facet_counts.py), also used where a handful of counts is all that is needed.
def count_values(values: list[tuple[str, ...]], docs: Iterable[int]) -> Counter:
    counts: Counter = Counter()
    for d in docs:
        counts.update(values[d])
    return counts


def year_of(ordinal: int) -> int | None:
    return dt.date.fromordinal(ordinal).year if ordinal else None


def count_years(dates: list[int], docs: Iterable[int]) -> Counter:
    counts: Counter = Counter()
    for d in docs:
        o = dates[d]
        counts[str(dt.date.fromordinal(o).year) if o else "unknown"] += 1
    return counts


def band_of(ordinal: int, banner_years: int, today: dt.date) -> str:
    if ordinal:
        return age_band(whole_years(dt.date.fromordinal(ordinal), today))
    return age_band(banner_years or None)


def count_ages(dates: list[int], banners: list[int], docs: Iterable[int],
               today: dt.date) -> Counter:
    counts: Counter = Counter()
    for d in docs:
        counts[band_of(dates[d], banners[d], today)] += 1
    return counts


__all__ = ["ColumnCache", "count_values", "count_years", "count_ages", "band_of",
           "AGE_BANDS", "BAND_ORDER", "band_label", "year_of", "FACET_LIMIT"]
