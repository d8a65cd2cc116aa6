"""The OpenSearch query of a search request: what an export (and any whole-result read) matches.

`query_body(request, today)` is the one place the read features outside the search page
get their query from. It compiles the neutral tree (`archive.query.parse_query`,
simplified by Whoosh's rules in `archive.qtree_simplify`) with the request's filters and
date clauses: a leaf without a field searches title OR body with the ranking's field
weights; facet filters are exact values of their keyword fields (values of one facet are
alternatives, facets all apply); `year`, `age` and `date` filters and date clauses are
ranges of `published`, an age band also takes the banner's years of an undated article.
The search page's own compilation replaces this module when it exists; the export keeps
calling `query_body`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from archive.age import AGE_BANDS, BAND_ORDER, UNKNOWN_BAND
from archive.errors import BadQuery
from archive.qtree import (And, AndMaybe, AndNot, Everything, Fuzzy, Node, Not, Or, Phrase,
                           Prefix, Require, Wildcard, Word)
from archive.qtree_simplify import simplify
from archive.query import SEARCH_FIELDS, DateRange, parse_date_range, parse_query
from archive.ranking import DEFAULT as DEFAULT_RANKING
from archive.records import FILTER_NAMES, SORTS, SearchRequest
from archive.words import MIN_LENGTH, STOP_WORDS, TOKEN_PATTERN

# Query field -> index field; facet filter -> keyword field.
FIELDS = {"title": "title", "body": "body", "author": "authors.words", "outlet": "outlet.words",
          "place": "place_words", "topic": "topics", "url": "url"}
FACETS = {"outlet": "outlet", "language": "language", "author": "authors", "format": "format",
          "topic": "topics", "place": "places", "person": "people", "org": "orgs",
          "exchange": "exchanges"}
TEXT_FIELDS = ("title", "body")
_WORD = re.compile(TOKEN_PATTERN)
_NAME = re.compile(r"\w+")


class _Analysis:
    """Which typed words the index's analysis keeps (archive.qtree.Analysis), in Python."""

    def words(self, field: str | None, text: str) -> list[tuple[str, str]]:
        if field is not None and field not in TEXT_FIELDS:
            return [(m.group().lower(), m.group()) for m in _NAME.finditer(text)]
        kept = []
        for m in _WORD.finditer(text):
            word = m.group().lower().replace("’", "'")
            word = (word[:-2] if word.endswith("'s") else word).replace("'", "")
            if len(word) >= MIN_LENGTH and word not in STOP_WORDS:
                kept.append((word, m.group()))
        return kept

    def term(self, field: str | None, text: str) -> str:
        return text.lower()


def _leaf(node, field: str, boost: float) -> dict[str, Any]:
    if isinstance(node, Word):
        return {"match": {field: {"query": node.text, "operator": "and", "boost": boost}}}
    if isinstance(node, Phrase):
        return {"match_phrase": {field: {"query": node.text, "slop": max(0, node.slop - 1),
                                         "boost": boost}}}
    if isinstance(node, Prefix):
        return {"prefix": {field: {"value": node.text.lower(), "boost": boost}}}
    if isinstance(node, Wildcard):
        return {"wildcard": {field: {"value": node.pattern.lower(), "boost": boost}}}
    assert isinstance(node, Fuzzy)
    return {"fuzzy": {field: {"value": node.text.lower(), "fuzziness": node.maxdist,
                              "prefix_length": node.prefix, "boost": boost}}}


def compile_tree(node: Node, boosts: dict[str, float]) -> dict[str, Any]:
    """The OpenSearch query of a simplified tree."""
    if isinstance(node, Everything):
        return {"match_all": {}}
    if isinstance(node, And):
        return {"bool": {"must": [compile_tree(c, boosts) for c in node.children]}}
    if isinstance(node, Or):
        return {"bool": {"should": [compile_tree(c, boosts) for c in node.children],
                         "minimum_should_match": 1}}
    if isinstance(node, Not):
        return {"bool": {"must": [{"match_all": {}}],
                         "must_not": [compile_tree(node.child, boosts)]}}
    if isinstance(node, AndNot):
        return {"bool": {"must": [compile_tree(node.positive, boosts)],
                         "must_not": [compile_tree(node.negative, boosts)]}}
    if isinstance(node, AndMaybe):
        return {"bool": {"must": [compile_tree(node.required, boosts)],
                         "should": [compile_tree(node.optional, boosts)]}}
    if isinstance(node, Require):
        return {"bool": {"must": [compile_tree(node.positive, boosts)],
                         "filter": [compile_tree(node.required, boosts)]}}
    if node.field is not None:
        return _leaf(node, FIELDS.get(node.field, node.field), 1.0)
    return {"bool": {"should": [_leaf(node, name, boosts.get(name, 1.0))
                                for name in SEARCH_FIELDS], "minimum_should_match": 1}}


def _published(rng: DateRange) -> dict[str, Any]:
    bounds = {}
    if rng.start:
        bounds["gte"] = rng.start.isoformat()
    if rng.end:
        bounds["lte"] = rng.end.isoformat()
    return {"range": {"published": bounds}}


_UNDATED = {"bool": {"must_not": [{"exists": {"field": "published"}}]}}


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _age(band: str, today: dt.date) -> dict[str, Any]:
    """Articles in one age band (archive.age): by date, else by the banner's years."""
    if band == UNKNOWN_BAND[0]:
        return {"bool": {"must": [_UNDATED],
                         "must_not": [{"exists": {"field": "age_banner.years"}}]}}
    _key, _label, low, high = next(b for b in AGE_BANDS if b[0] == band)
    # whole_years(p, today) >= low  <=>  p <= today - low years; < high  <=>  p > today - high
    dated: dict[str, Any] = {"lte": _years_ago(today, low).isoformat()}
    banner: dict[str, Any] = {"gte": low}
    if high is not None:
        dated["gt"] = _years_ago(today, high).isoformat()
        banner["lt"] = high
    return {"bool": {"should": [{"range": {"published": dated}},
                                {"bool": {"must": [_UNDATED,
                                                   {"range": {"age_banner.years": banner}}]}}],
                     "minimum_should_match": 1}}


def _filter(name: str, values: list[str], today: dt.date) -> dict[str, Any]:
    if name in FACETS:  # as typed, and as the Whoosh engine keeps it (commas as spaces)
        cleaned = [v.replace(",", " ").strip() for v in values]
        return {"terms": {FACETS[name]: sorted(set(values) | set(cleaned))}}
    parts = []
    for v in values:
        if name == "year" and v != "unknown":
            if not (v.isdigit() and len(v) == 4):
                raise BadQuery(f"filter year: {v!r} is not a year")
            parts.append(_published(parse_date_range(v, "filter year")))
        elif name == "age" and v not in BAND_ORDER:
            raise BadQuery(f"filter age: {v!r} is not one of {', '.join(BAND_ORDER)}")
        elif name == "age":
            parts.append(_age(v, today))
        elif v == "unknown":
            parts.append(_UNDATED)
        else:
            parts.append(_published(parse_date_range(v, "filter date")))
    return {"bool": {"should": parts, "minimum_should_match": 1}}


def check(request: SearchRequest) -> None:
    """Refuse a sort or filter the search page does not know."""
    if request.sort not in SORTS:
        raise BadQuery(f"sort: {request.sort!r} is not one of {', '.join(SORTS)}")
    for name, _value in request.filters:
        if name not in FILTER_NAMES:
            raise BadQuery(f"filter: {name!r} is not a facet (one of "
                           f"{', '.join(sorted(FILTER_NAMES))})")


def _loosen(node: Node) -> Node:
    """Every AND made an OR, NOT clauses still excluding (archive.whoosh.ranking.loosen)."""
    if isinstance(node, And):
        keep = [_loosen(c) for c in node.children if not isinstance(c, Not)]
        drop = [c.child for c in node.children if isinstance(c, Not)]
        if not keep:
            return node
        loose = keep[0] if len(keep) == 1 else Or(tuple(keep))
        return AndNot(loose, drop[0] if len(drop) == 1 else Or(tuple(drop))) if drop else loose
    if isinstance(node, AndNot):
        return AndNot(_loosen(node.positive), node.negative)
    return node


def _required(node: Node) -> int:
    """How many clauses must all match (words, phrases), NOT clauses left out."""
    if isinstance(node, AndNot):
        return _required(node.positive)
    if isinstance(node, And):
        return sum(1 for c in node.children if not isinstance(c, Not))
    return 1


def query_bodies(request: SearchRequest, today: dt.date) -> tuple[dict[str, Any],
                                                                    dict[str, Any] | None]:
    """The query of `request`, and its widened form (archive.ranking: any of the words, for
    a query of `widen_words`+ words that finds fewer than a page) or None."""
    check(request)
    parsed = parse_query(request.query)
    tree = simplify(parsed.tree, _Analysis()) if parsed.tree is not None else None
    filters = [_published(rng) for rng in parsed.dates]
    names: list[str] = []
    for name, _value in request.filters:
        if name not in names:
            names.append(name)
    filters += [_filter(name, request.filter_values(name), today) for name in names]
    if parsed.tree is not None and tree is None:  # only words the analysis drops
        return {"match_none": {}}, None
    boosts = DEFAULT_RANKING.field_boosts()

    def body(node: Node | None) -> dict[str, Any]:
        if node is None and not filters:
            return {"match_all": {}}
        return {"bool": {"must": [compile_tree(node, boosts)] if node is not None else [],
                         "filter": filters}}

    loose = None
    if tree is not None and _required(tree) >= DEFAULT_RANKING.widen_words:
        wide = _loosen(tree)
        loose = body(wide) if wide != tree else None
    return body(tree), loose


def query_body(request: SearchRequest, today: dt.date) -> dict[str, Any]:
    """The query matching what `request` asks for: its words, date clauses and filters."""
    return query_bodies(request, today)[0]


def scored(request: SearchRequest) -> bool:
    """Whether the request's order is by relevance score (a query with words to rank)."""
    return request.sort == "relevance" and parse_query(request.query).tree is not None


__all__ = ["check", "compile_tree", "query_bodies", "query_body", "scored"]
