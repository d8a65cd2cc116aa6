"""Matching articles over time: bars per year (or month, or day for short spans) and presets.

Computed with numpy from the cached date column (ordinals, 0 for unknown) and
the matched document set, so it costs a few array operations over the matches.
Undated articles are counted, never dropped: the page says "N without a date"
and links to them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np

from archive.records import DatePreset, Histogram, HistogramBar

MONTHS_BELOW_DAYS = 3 * 365  # a span shorter than about three years is shown per month
DAYS_BELOW_DAYS = 62  # and one shorter than about two months, per day
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _ids(docs) -> np.ndarray:
    if docs is None:
        return np.zeros(0, dtype=np.int64)
    ids = getattr(docs, "ids", None)  # an archive.whoosh.docset.DocSet
    if ids is not None:
        return ids
    return np.fromiter(docs, dtype=np.int64)


def build_histogram(ordinals, docs, preset_docs=None, today: dt.date | None = None
                    ) -> Histogram:
    """Counts per period of the documents `docs`; presets are counted over `preset_docs`.

    `ordinals`: every document's date as a day ordinal, 0 when unknown (an array or list).
    """
    ordinals = np.asarray(ordinals, dtype=np.int64)
    picked = ordinals[_ids(docs)]
    dated = picked[picked > 0]
    undated = int(len(picked) - len(dated))
    today = today or dt.date.today()
    presets = date_presets(ordinals, preset_docs, today)
    if not len(dated):
        return Histogram("year", (), undated, presets)
    low, high = int(dated.min()), int(dated.max())
    counts = np.bincount(dated - low) if high - low < 4_000_000 else None
    if counts is not None:
        values = np.flatnonzero(counts)
        n = counts[values]
        values = values + low
    else:  # dates spread over millennia: count the distinct ones
        values, n = np.unique(dated, return_counts=True)
    first = dt.date.fromordinal(low)
    last = dt.date.fromordinal(high)
    span = (last - first).days
    if span >= MONTHS_BELOW_DAYS:
        return Histogram("year", tuple(_years(values, n, first, last)), undated, presets)
    per_ordinal = Counter(dict(zip(values.tolist(), n.tolist())))
    if span < DAYS_BELOW_DAYS:
        unit, bars = "day", _days(per_ordinal, first, last)
    else:
        unit, bars = "month", _months(per_ordinal, first, last)
    return Histogram(unit, tuple(bars), undated, presets)


def _days(ordinals: Counter, first: dt.date, last: dt.date) -> list[HistogramBar]:
    bars = []
    for o in range(first.toordinal(), last.toordinal() + 1):
        day = dt.date.fromordinal(o)
        bars.append(HistogramBar(f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}", day, day,
                                 ordinals.get(o, 0), day.isoformat()))
    return bars


def _months(ordinals: Counter, first: dt.date, last: dt.date) -> list[HistogramBar]:
    per_month: Counter = Counter()
    for o, n in ordinals.items():
        day = dt.date.fromordinal(o)
        per_month[(day.year, day.month)] += n
    bars = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        start = dt.date(year, month, 1)
        bars.append(HistogramBar(f"{MONTH_NAMES[month - 1]} {year}", start,
                                 _month_end(year, month), per_month.get((year, month), 0),
                                 f"{year}-{month:02d}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return bars


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _years(ordinals: np.ndarray, counts: np.ndarray, first: dt.date, last: dt.date
           ) -> list[HistogramBar]:
    years = (ordinals - _EPOCH).astype("datetime64[D]").astype("datetime64[Y]").astype(
        np.int64) + 1970
    per_year = np.bincount(years - first.year, weights=counts,
                           minlength=last.year - first.year + 1)
    return [HistogramBar(str(y), dt.date(y, 1, 1), dt.date(y, 12, 31), int(per_year[i]), str(y))
            for i, y in enumerate(range(first.year, last.year + 1))]


def date_presets(ordinals, docs, today: dt.date) -> tuple[DatePreset, ...]:
    """Ready-made ranges relative to today, each with how many of `docs` it keeps."""
    ranges = [
        ("Last 12 months", _years_before(today, 1), None),
        ("Last 5 years", _years_before(today, 5), None),
        ("Last 10 years", _years_before(today, 10), None),
        ("Before 2000", None, dt.date(1999, 12, 31)),
    ]
    ordinals = np.asarray(ordinals, dtype=np.int64)
    picked = ordinals[_ids(docs)]
    picked = picked[picked > 0]
    out = []
    for label, start, end in ranges:
        keep = np.ones(len(picked), dtype=bool)
        if start:
            keep &= picked >= start.toordinal()
        if end:
            keep &= picked <= end.toordinal()
        value = f"{start.isoformat() if start else ''}..{end.isoformat() if end else ''}"
        out.append(DatePreset(label, value, int(np.count_nonzero(keep))))
    return tuple(out)


__all__ = ["build_histogram", "date_presets"]
