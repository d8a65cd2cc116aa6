"""Whoosh's own query parser as the search box used it before the neutral query tree.

Kept only as the reference the tree is compared with (tests/test_qtree_equivalence.py):
`parse_query(text, schema, fieldboosts)` gives the Whoosh query Whoosh's
`MultifieldParser`, configured as the archive configured it, made of a text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from whoosh import qparser, query as wq

from archive.errors import BadQuery
from archive.query import (FIELD_ALIASES, MAX_QUERY_CHARS, SEARCH_FIELDS, DateRange,
                           extract_dates)


@dataclass(frozen=True)
class ParsedQuery:
    """The text without date clauses, the Whoosh query (None: every article), the dates."""

    text: str  # the query text without date clauses
    query: wq.Query | None  # None: match every article
    dates: tuple[DateRange, ...]


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
    rest, dates = extract_dates(text)
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
