"""Dates a page's text writes out: anywhere in it, and next to its headline (dateline, byline)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

from indexer.dates import TEXT_DATE, plausible, text_date

_WRITTEN = re.compile(r"(?<![\d.])(?:" + TEXT_DATE + r")(?!\d)", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
# All-numeric dates TEXT_DATE leaves out: 12/04/2020 (day or month first, by the page's
# region), 30.10.23 and 26/10/13 (two-digit years), 2016/11/18.
_NUMERIC = re.compile(r"(?<![\d./-])(?:(?P<a>\d{1,2})(?P<s>[./])\s?(?P<b>\d{1,2})(?P=s)\s?(?P<y>\d{4}|\d{2})"
                      r"|(?P<Y>\d{4})/(?P<M>\d{1,2})/(?P<D>\d{1,2}))(?![\d]|[./-]\d)")
HEADLINE_CHARS = 300  # how far from the headline a date counts as its dateline or byline


def _make(y: int, m: int, d: int) -> dt.date | None:
    try:
        day = dt.date(y, m, d)
    except ValueError:
        return None
    return day if plausible(day) else None


def numeric_date(m: re.Match[str], month_first: bool) -> dt.date | None:
    """The day a match of `_NUMERIC` names; a slashed date is read month first where the page's region does."""
    if m.group("Y"):
        return _make(int(m.group("Y")), int(m.group("M")), int(m.group("D")))
    a, b, year = int(m.group("a")), int(m.group("b")), int(m.group("y"))
    if year < 100:
        year += 2000 if year <= dt.date.today().year % 100 else 1900
    if m.group("s") == "/" and ((month_first and a <= 12) or b > 12):
        a, b = b, a
    return _make(year, b, a)


def numeric_day(text: str, us: bool) -> dt.date | None:
    """The day an all-numeric date at the start of `text` names ("12/04/2020 at 3:00 pm"), or None."""
    m = _NUMERIC.match(text)
    return numeric_date(m, us) if m and m.group("s") == "/" else None


def month_first(lang: str | None, url: str | None) -> bool:
    """True for a page that writes slashed dates month first (American English: en-US, or en on a generic domain)."""
    tag = (lang or "").strip().lower().replace("_", "-")
    base, _, region = tag.partition("-")
    if region:
        return region[:2] == "us"
    host = (urlsplit(url).hostname or "") if url else ""
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    return base == "en" and (len(tld) != 2 or tld == "us")


def year_spans(text: str, start: int, end: int, before: int = 25) -> list[tuple[int, int]]:
    """Stretches of text[start:end] around four-digit years, where a date with such a year can be.

    A date ends with its year (at most `before` characters after its start,
    more for a label in front of it) or starts with it (ISO); overlapping
    stretches are joined.
    """
    spans: list[list[int]] = []
    for year in _YEAR.finditer(text, start, end):
        a, b = max(start, year.start() - before), min(end, year.end() + 6)
        if spans and a <= spans[-1][1]:
            spans[-1][1] = b
        else:
            spans.append([a, b])
    return [(a, b) for a, b in spans]


def _dates_between(text: str, start: int, end: int, us: bool,
                   four_digits: bool = False) -> list[tuple[int, int, dt.date]]:
    """(start, end, day) of every date written in text[start:end]; with `four_digits`, only those with such years.

    The patterns are tried only near four-digit years (and, for two-digit
    years, over the whole stretch: the numeric pattern starts with a digit).
    """
    out = []
    spans = year_spans(text, start, end)
    for a, b in spans:
        for m in _WRITTEN.finditer(text, a, b):
            day = text_date(m)
            if day and plausible(day):
                out.append((m.start(), m.end(), day))
    for a, b in spans if four_digits else [(start, end)]:
        for m in _NUMERIC.finditer(text, a, b):
            if four_digits and m.group("y") and len(m.group("y")) != 4:
                continue
            day = numeric_date(m, us)
            if day and not any(s <= m.start() < e for s, e, _ in out):
                out.append((m.start(), m.end(), day))
    return out


def written_days(text: str, us: bool = False) -> frozenset[dt.date]:
    """Every day written out in the text with a four-digit year ("1. November 2023", "12/04/2020", "2023-11-01").

    Slashed dates are read month first when `us`.
    """
    return frozenset(day for _, _, day in _dates_between(text, 0, len(text), us, four_digits=True))


_TITLE_PARTS = re.compile(r"\s+[-|–—:»·]\s+")


def headline_places(text: str, h1: str, title: str) -> list[tuple[int, int]]:
    """Where the page text shows its headline: the first <h1>'s text, and the longest part of its <title>."""
    out = []
    parts = [p for p in _TITLE_PARTS.split(title) if len(p) >= 12]
    for words in (h1 if len(h1) >= 8 else "", max(parts, key=len) if parts else ""):
        at = text.find(words) if words else -1
        if at >= 0:
            out.append((at, at + len(words)))
    return out


def headline_days(text: str, places: list[tuple[int, int]], us: bool) -> tuple[dt.date, ...]:
    """The days written within HEADLINE_CHARS of the headline's places, the nearest first."""
    found: dict[dt.date, int] = {}
    for start, end in places:
        for s, e, day in _dates_between(text, max(0, start - HEADLINE_CHARS), end + HEADLINE_CHARS, us):
            gap = max(0, start - e, s - end)
            found[day] = min(gap, found.get(day, gap))
    return tuple(sorted(found, key=lambda d: (found[d], d)))


def page_lang(tree: Any) -> str | None:
    """The language tag the page declares on its <html> element."""
    return tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
