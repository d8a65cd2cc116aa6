"""The query language: words (all required), "phrases", OR, NOT/-word, field:word, date ranges.

Date clauses (`date:2017`, `date:2015..2018`, `date:>=2001-09`) are taken out of
the text and applied as filters on the date column, which is much faster in
Whoosh than range queries over numeric terms.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from whoosh import qparser, query as wq

from archive.errors import BadQuery

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


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the query text without date clauses
    query: wq.Query | None  # None: match every article
    dates: tuple[DateRange, ...]


def _extract_dates(text: str) -> tuple[str, list[DateRange]]:
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


def make_parser(schema, fieldboosts: Mapping[str, float] | None = None
                ) -> qparser.QueryParser:
    """The parser of the search box; `fieldboosts` weighs the default fields (the ranking's)."""
    parser = qparser.MultifieldParser(list(SEARCH_FIELDS), schema,
                                      fieldboosts=dict(fieldboosts or {}), group=qparser.AndGroup)
    parser.add_plugin(qparser.PlusMinusPlugin())
    # "word1 word2"~5 (proximity) is the phrase plugin's slop; word~1 / word~2 is fuzzy.
    parser.add_plugin(qparser.FuzzyTermPlugin())
    aliases: dict[str, list[str]] = {}
    for alias, field in FIELD_ALIASES.items():
        if alias != field:
            aliases.setdefault(field, []).append(alias)
    parser.add_plugin(qparser.FieldAliasPlugin(aliases))
    parser.remove_plugin_class(qparser.BoostPlugin)
    return parser


_KNOWN_FIELD = re.compile(r"(?<![\w])(\w+):", re.UNICODE)


def _protect_unknown_fields(text: str) -> str:
    """Keep `word:` that is not a field name as text ("Note: this" searches note and this)."""
    def sub(m: re.Match) -> str:
        return m.group(0) if m.group(1).lower() in FIELD_ALIASES else m.group(1) + " "
    return _KNOWN_FIELD.sub(sub, text)


_INNER_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_SHOUTED = re.compile(r"\b(?:AND|OR|NOT)\b")


def parse_query(text: str, schema, fieldboosts: Mapping[str, float] | None = None
                ) -> ParsedQuery:
    """Parse what a person typed; raises BadQuery with a message they can act on.

    `fieldboosts` (`archive.ranking.RankSettings.field_boosts`) weighs a plain word's title
    and body clauses for ranking; without it both weigh 1 (enough for matching).
    """
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery(f"q: the query is {len(text)} characters long; the limit is "
                       f"{MAX_QUERY_CHARS}")
    if text.count('"') % 2:
        raise BadQuery('q: a quotation mark is not closed; phrases need a pair: "exact words"')
    if text.count("(") != text.count(")"):
        raise BadQuery("q: the brackets do not pair up")
    rest, dates = _extract_dates(text)
    rest = _protect_unknown_fields(rest)
    # A hyphen inside a word joins, it does not exclude: "navier-stokes" is two words.
    rest = _INNER_HYPHEN.sub(" ", rest)
    if _SHOUTED.search(rest) and not any(c.islower() for c in rest):
        # Typed in capitals throughout: AND, OR and NOT are words here, not operators.
        rest = rest.lower()
    if not rest.strip():
        return ParsedQuery("", None, tuple(dates))
    if re.fullmatch(r"[\s*?]+", rest):
        raise BadQuery("q: a wildcard needs at least one letter (econom*, not *)")
    parser = make_parser(schema, fieldboosts)
    try:
        q = parser.parse(rest)
    except Exception as exc:  # the parser's errors are not part of its API
        raise BadQuery(f"q: cannot understand the query ({exc})") from None
    return ParsedQuery(rest.strip(), q, tuple(dates))
