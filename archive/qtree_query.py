"""The query language's front door for the neutral tree: limits, date clauses, then the tree.

`parse_query(text)` checks and splits a query the way `archive.query.parse_query`
does (the same messages, in the same order), but returns the engine-neutral
tree of `archive.qtree` instead of a Whoosh query. The date code is today's,
imported from `archive.query` (which still loads Whoosh for its parser); once
that module's Whoosh parts move out, this function takes its place there.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.errors import BadQuery
from archive.qtree import Node
from archive.qtree_parse import BRACKET_MESSAGE, QUOTE_MESSAGE, parse_tree
from archive.query import FIELD_ALIASES, MAX_QUERY_CHARS, DateRange, _extract_dates


@dataclass(frozen=True)
class ParsedTree:
    """A query as understood: its text without date clauses, its tree, its date ranges."""

    text: str
    tree: Node | None  # None: match every article
    dates: tuple[DateRange, ...]


def parse_query(text: str) -> ParsedTree:
    """Parse what a person typed; raises BadQuery with a message they can act on."""
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery(f"q: the query is {len(text)} characters long; the limit is "
                       f"{MAX_QUERY_CHARS}")
    if text.count('"') % 2:
        raise BadQuery(QUOTE_MESSAGE)
    if text.count("(") != text.count(")"):
        raise BadQuery(BRACKET_MESSAGE)
    rest, dates = _extract_dates(text)
    rest, tree = parse_tree(rest, FIELD_ALIASES)
    return ParsedTree(rest, tree, tuple(dates))


__all__ = ["ParsedTree", "parse_query"]
