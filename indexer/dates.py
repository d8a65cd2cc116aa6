"""Publication dates: parse, validate and pick the most trustworthy one a page offers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

EARLIEST = dt.date(1800, 1, 1)
# Dates that are placeholders rather than facts.
PLACEHOLDERS = {dt.date(1970, 1, 1), dt.date(1900, 1, 1), dt.date(1899, 12, 30), dt.date(2000, 1, 1)}

# <meta> names that carry the original publication date, best first.
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "article:published", "og:published_time",
    "datepublished", "published_time", "article.published", "article_date_original", "pubdate",
    "publishdate", "publish-date", "publish_date", "publication_date", "publication-date",
    "sailthru.date", "parsely-pub-date", "dc.date.issued", "dcterms.issued", "dc.date.created",
    "dcterms.created", "dc.date", "dcterms.date", "date", "citation_publication_date",
    "citation_date", "originalpublicationdate", "article:post_date", "cxenseparse:recs:publishtime",
    "og:pubdate", "pub_date", "content_publish_date", "displaydate", "dc.date.published",
    "rnews:datepublished", "article.created", "created", "date_published", "datecreated",
    "last-modified-original",
)

_ISO = re.compile(r"^\s*(\d{4})-?(\d{1,2})-?(\d{1,2})(?:[T\s]|$|Z)")
_ISO_MONTH = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_SLASHED = re.compile(r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})\b")
_DMY = re.compile(r"^\s*(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\b")
_EPOCH = re.compile(r"^\s*(\d{10})(?:\d{3})?\s*$")
_URL_DAY = re.compile(r"/((?:19|20)\d{2})[/_-](0?[1-9]|1[0-2])[/_-](0?[1-9]|[12]\d|3[01])(?:/|[_-](?!\d)|\.|$)")
_URL_COMPACT = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:/|[_-]|$)")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_URL_NAMED = re.compile(r"/((?:19|20)\d{2})/(" + "|".join(_MONTHS) + r")[a-z]*/(0?[1-9]|[12]\d|3[01])/",
                        re.IGNORECASE)
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/")


def plausible(day: dt.date | None, today: dt.date | None = None) -> bool:
    """True for a date that can be a publication date (not before 1800, not in the future, no placeholder)."""
    if day is None:
        return False
    today = today or dt.date.today()
    return EARLIEST <= day <= today + dt.timedelta(days=1) and day not in PLACEHOLDERS


def _make(y: str | int, m: str | int, d: str | int) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def parse_date(value: Any) -> tuple[dt.date, str] | None:
    """A (date, precision) from a machine-readable date string, or None when it is not one."""
    if not isinstance(value, str):
        if isinstance(value, list) and value:
            return parse_date(value[0])
        return None
    text = value.strip()
    if not text:
        return None
    for pattern in (_ISO, _SLASHED):
        m = pattern.match(text)
        if m:
            day = _make(*m.groups())
            return (day, "day") if day else None
    m = _DMY.match(text)
    if m:
        day = _make(m.group(3), m.group(2), m.group(1))
        return (day, "day") if day else None
    m = _EPOCH.match(text)
    if m:
        try:
            return dt.datetime.fromtimestamp(int(m.group(1)), dt.timezone.utc).date(), "day"
        except (OverflowError, OSError, ValueError):
            return None
    m = _ISO_MONTH.match(text)
    if m:
        day = _make(m.group(1), m.group(2), 1)
        return (day, "month") if day else None
    m = _YEAR.match(text)
    if m:
        day = _make(m.group(1), 1, 1)
        return (day, "year") if day else None
    return _parse_words(text)


def _parse_words(text: str) -> tuple[dt.date, str] | None:
    if len(text) > 64 or not re.search(r"\d{4}", text):
        return None
    from dateutil import parser

    try:
        parsed = parser.parse(text, fuzzy=False, ignoretz=True, default=dt.datetime(1, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.year == 1:
        return None
    return parsed.date(), "day"


def date_from_url(url: str | None) -> tuple[dt.date, str] | None:
    """The date a URL path carries (/2019/11/18/ or /20191118/ gives a day, /2019/11/ a month)."""
    if not url:
        return None
    for pattern in (_URL_DAY, _URL_COMPACT):
        m = pattern.search(url)
        if m:
            day = _make(*m.groups())
            if day:
                return day, "day"
    m = _URL_NAMED.search(url)
    if m:
        day = _make(m.group(1), _MONTHS.index(m.group(2).lower()[:3]) + 1, m.group(3))
        if day:
            return day, "day"
    m = _URL_MONTH.search(url)
    if m:
        day = _make(m.group(1), m.group(2), 1)
        if day:
            return day, "month"
    return None
