"""Facet counts and filters computed from per-document columns, cached per index generation."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, OrderedDict
from typing import Iterable

from archive.age import AGE_BANDS, BAND_ORDER, age_band, band_label, whole_years
from archive.whoosh_schema import FACET_FIELDS, split_column_value

FACET_LIMIT = 10  # values shown per facet before "more"


class ColumnCache:
    """Column values of every document of one searcher, read once and reused.

    Keyed by the index state the searcher sees (see `_reader_key`), so a commit
    is seen by the next search.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._key = None
        self._columns: dict[str, list] = {}

    def columns(self, searcher, names: Iterable[str]) -> dict[str, list]:
        reader = searcher.reader()
        key = self._reader_key(searcher)
        with self._lock:
            if key != self._key:
                self._key, self._columns = key, {}
            missing = [n for n in names if n not in self._columns]
        for name in missing:
            values = list(reader.column_reader(name))
            with self._lock:
                if self._key == key:
                    self._columns[name] = values
        with self._lock:
            return {n: self._columns.get(n) or list(reader.column_reader(n)) for n in names}

    def facet_values(self, searcher, facet: str) -> list[tuple[str, ...]]:
        """Each document's values for a facet (indexed by document number), cached."""
        key = "values:" + facet
        with self._lock:
            cached = self._columns.get(key) if self._key == self._reader_key(searcher) else None
        if cached is not None:
            return cached
        column = FACET_FIELDS[facet][0]
        raw = self.columns(searcher, [column])[column]
        parsed = [split_column_value(v) for v in raw]
        with self._lock:
            if self._key == self._reader_key(searcher):
                self._columns[key] = parsed
        return parsed

    def value_docs(self, searcher, facet: str) -> dict[str, set[int]]:
        """Facet value -> the documents that have it (for filters), cached."""
        key = "docs:" + facet
        with self._lock:
            cached = self._columns.get(key) if self._key == self._reader_key(searcher) else None
        if cached is not None:
            return cached
        index: dict[str, set[int]] = {}
        for docnum, values in enumerate(self.facet_values(searcher, facet)):
            for value in values:
                index.setdefault(value, set()).add(docnum)
        with self._lock:
            if self._key == self._reader_key(searcher):
                self._columns[key] = index
        return index

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

    def put(self, searcher, key, page) -> None:
        reader_key = ColumnCache._reader_key(searcher)
        with self._lock:
            if reader_key != self._key:
                return
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


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
