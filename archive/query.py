"""The query language's front door: limits, date clauses, then the engine-neutral tree.

Words (all required), "phrases", OR, NOT/-word, field:word, prefixes, wildcards,
fuzzy words and proximity are parsed into `archive.qtree` records
(`archive.qtree_parse`), which each engine compiles (`archive.whoosh.compile`, the
OpenSearch engine's own compiler). Date clauses (`date:2017`, `date:2015..2018`,
`date:>=2001-09`) are taken out of the text and applied as filters on the date
column or field, which every engine answers faster than range queries over terms.
See docs/QUERIES.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from archive.errors import BadQuery
from archive.qtree import Node
from archive.qtree_parse import BRACKET_MESSAGE, QUOTE_MESSAGE, parse_tree

MAX_QUERY_CHARS = 1000

# Names people type -> index fields.
FIELD_ALIASES = {
    "title": "title", "headline": "title",
    "body": "body", "text": "body",
    "author": "author", "by": "author", "authors": "author",
    "outlet": "outlet", "source": "outlet",
    "place": "place", "dateline": "place",
    "topic": "topic",
    "url": "url",
}
SEARCH_FIELDS = ("title", "body")

_DATE_VALUE = r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?"
_DATE_CLAUSE = re.compile(
    r"(?<![\w:])(?P<field>date|year|published):"
    r"(?:(?P<op>>=|<=|>|<)(?P<single>" + _DATE_VALUE + r")"
    r"|\[(?P<lo>" + _DATE_VALUE + r")?\s+(?:to|TO)\s+(?P<hi>" + _DATE_VALUE + r")?\]"
    r"|(?P<a>" + _DATE_VALUE + r")?\.\.(?P<b>" + _DATE_VALUE + r")?"
    r"|(?P<exact>" + _DATE_VALUE + r")"
    r"|(?P<bad>\S+))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateRange:
    """Inclusive range of publication dates (None = open end)."""

    start: dt.date | None
    end: dt.date | None

    def label(self) -> str:
        a = self.start.isoformat() if self.start else ""
        b = self.end.isoformat() if self.end else ""
        return f"{a}..{b}"

    def bounds(self) -> tuple[int, int]:
        """Ordinal bounds for the date column (unknown dates, stored as 0, never match)."""
        return (self.start.toordinal() if self.start else 1,
                self.end.toordinal() if self.end else dt.date.max.toordinal())


def _period(value: str, param: str) -> tuple[dt.date, dt.date]:
    """First and last day of YYYY, YYYY-MM or YYYY-MM-DD."""
    parts = [int(p) for p in value.split("-")]
    try:
        if len(parts) == 1:
            return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
        if len(parts) == 2:
            first = dt.date(parts[0], parts[1], 1)
            nxt = dt.date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1)
            return first, nxt - dt.timedelta(days=1)
        day = dt.date(*parts)
        return day, day
    except ValueError:
        raise BadQuery(f"{param}: {value!r} is not a valid date (use YYYY, YYYY-MM or YYYY-MM-DD)"
                       ) from None


def parse_date_range(text: str, param: str = "date") -> DateRange:
    """Parse `2017`, `2015..2018`, `..1999`, `2001-09..`, `>=2010`, `<2000-06`."""
    text = text.strip()
    m = re.fullmatch(r"(?P<op>>=|<=|>|<)(?P<v>" + _DATE_VALUE + ")", text)
    if m:
        first, last = _period(m.group("v"), param)
        op = m.group("op")
        if op == ">=":
            return DateRange(first, None)
        if op == ">":
            return DateRange(last + dt.timedelta(days=1), None)
        if op == "<=":
            return DateRange(None, last)
        return DateRange(None, first - dt.timedelta(days=1))
    m = re.fullmatch(r"(?P<a>" + _DATE_VALUE + r")?\s*(?:\.\.|\s+to\s+)\s*(?P<b>" + _DATE_VALUE
                     + r")?", text, re.IGNORECASE)
    if m and (m.group("a") or m.group("b")):
        start = _period(m.group("a"), param)[0] if m.group("a") else None
        end = _period(m.group("b"), param)[1] if m.group("b") else None
        if start and end and start > end:
            raise BadQuery(f"{param}: the range {text!r} ends before it starts")
        return DateRange(start, end)
    if re.fullmatch(_DATE_VALUE, text):
        first, last = _period(text, param)
        return DateRange(first, last)
    raise BadQuery(f"{param}: {text!r} is not a date or a range "
                   "(examples: 2017, 2017-06, 2015..2018, >=2010)")


def extract_dates(text: str) -> tuple[str, list[DateRange]]:
    ranges: list[DateRange] = []

    def take(m: re.Match) -> str:
        if m.group("bad"):
            raise BadQuery(f"{m.group('field')}: {m.group('bad')!r} is not a date or a range "
                           "(examples: date:2017, date:2015..2018, date:>=2010)")
        if m.group("op"):
            ranges.append(parse_date_range(m.group("op") + m.group("single")))
        elif m.group("exact"):
            ranges.append(parse_date_range(m.group("exact")))
        else:
            lo = m.group("lo") or m.group("a")
            hi = m.group("hi") or m.group("b")
            if not lo and not hi:
                raise BadQuery("date: a range needs at least one end (date:2015..2018)")
            ranges.append(parse_date_range(f"{lo or ''}..{hi or ''}"))
        return " "

    return _DATE_CLAUSE.sub(take, text), ranges


@dataclass(frozen=True)
class ParsedQuery:
    """A query as understood: its text without date clauses, its tree, its date ranges."""

    text: str
    tree: Node | None  # None: match every article
    dates: tuple[DateRange, ...]


def parse_query(text: str) -> ParsedQuery:
    """Parse what a person typed; raises BadQuery with a message they can act on."""
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery(f"q: the query is {len(text)} characters long; the limit is "
                       f"{MAX_QUERY_CHARS}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no analyzer or engine can take it
        raise BadQuery("q: the query holds a character that is not text (a lone surrogate)"
                       ) from None
    if text.count('"') % 2:
        raise BadQuery(QUOTE_MESSAGE)
    if text.count("(") != text.count(")"):
        raise BadQuery(BRACKET_MESSAGE)
    rest, dates = extract_dates(text)
    rest, tree = parse_tree(rest, FIELD_ALIASES)
    return ParsedQuery(rest, tree, tuple(dates))


__all__ = ["DateRange", "FIELD_ALIASES", "MAX_QUERY_CHARS", "ParsedQuery", "SEARCH_FIELDS",
           "extract_dates", "parse_date_range", "parse_query"]
