"""Matching articles over time: bars per year (or month, or day for short spans) and presets.

Computed from the cached date column (ordinals, 0 for unknown) and the matched
document set, so it costs one pass over the matches. Undated articles are
counted, never dropped: the page says "N without a date" and links to them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Iterable

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


def build_histogram(dates: list[int], docs: Iterable[int], preset_docs: Iterable[int] | None = None,
                    today: dt.date | None = None) -> Histogram:
    """Counts per period of the documents `docs`; presets are counted over `preset_docs`."""
    ordinals = Counter(dates[d] for d in docs)
    undated = ordinals.pop(0, 0)
    today = today or dt.date.today()
    presets = date_presets(dates, preset_docs if preset_docs is not None else (), today)
    if not ordinals:
        return Histogram("year", (), undated, presets)
    first = dt.date.fromordinal(min(ordinals))
    last = dt.date.fromordinal(max(ordinals))
    span = (last - first).days
    if span < DAYS_BELOW_DAYS:
        unit, bars = "day", _days(ordinals, first, last)
    elif span < MONTHS_BELOW_DAYS:
        unit, bars = "month", _months(ordinals, first, last)
    else:
        unit, bars = "year", _years(ordinals, first, last)
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


def _years(ordinals: Counter, first: dt.date, last: dt.date) -> list[HistogramBar]:
    per_year: Counter = Counter()
    for o, n in ordinals.items():
        per_year[dt.date.fromordinal(o).year] += n
    return [HistogramBar(str(y), dt.date(y, 1, 1), dt.date(y, 12, 31), per_year.get(y, 0), str(y))
            for y in range(first.year, last.year + 1)]


def date_presets(dates: list[int], docs: Iterable[int], today: dt.date) -> tuple[DatePreset, ...]:
    """Ready-made ranges relative to today, each with how many of `docs` it keeps."""
    ranges = [
        ("Last 12 months", _years_before(today, 1), None),
        ("Last 5 years", _years_before(today, 5), None),
        ("Last 10 years", _years_before(today, 10), None),
        ("Before 2000", None, dt.date(1999, 12, 31)),
    ]
    counts = [0] * len(ranges)
    bounds = [(s.toordinal() if s else 1, e.toordinal() if e else dt.date.max.toordinal())
              for _, s, e in ranges]
    for d in docs:
        o = dates[d]
        if not o:
            continue
        for i, (lo, hi) in enumerate(bounds):
            if lo <= o <= hi:
                counts[i] += 1
    out = []
    for (label, start, end), n in zip(ranges, counts):
        value = f"{start.isoformat() if start else ''}..{end.isoformat() if end else ''}"
        out.append(DatePreset(label, value, n))
    return tuple(out)


__all__ = ["build_histogram", "date_presets"]
