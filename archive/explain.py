"""The query explainer: how the archive understood a query, as plain records.

Walks the neutral query tree (`archive.qtree`) and returns `QueryClause` records
(required words, phrases, words near each other, fuzzy and prefix words,
excluded words, fields), then the date ranges and filters, so the search page can
say what it searched. It is the same for every engine: the tree is first
simplified (`archive.qtree_simplify`, the words the analyzer drops gone), and the
engine's `Analysis` supplies the index forms ("weapons", searched as "weapon").
Each word is shown as typed.
"""

from __future__ import annotations

from archive.qtree import (Analysis, And, AndMaybe, AndNot, Everything, Fuzzy, Node, Not, Or,
                           Phrase, Prefix, Require, Word)
from archive.qtree_simplify import simplify
from archive.query import DateRange, ParsedQuery
from archive.records import QueryClause, SearchRequest

FIELD_NAMES = {"title": "title", "body": "text", "author": "author", "outlet": "outlet",
               "place": "place", "topic": "topic", "url": "URL"}

DEFAULT_FIELDS = ("title", "text")  # where a word without a field is searched, as shown


def _fields(field: str | None) -> tuple[str, ...]:
    return DEFAULT_FIELDS if field is None else (FIELD_NAMES.get(field, field),)


def _word(role: str, term: str, typed: str, field: str | None) -> QueryClause:
    detail = f"any form of the word (searched as {term})" if typed.lower() != term else None
    return QueryClause(role, "word", typed, _fields(field), detail)


def _leaf(node: Node, role: str, analysis: Analysis) -> list[QueryClause]:
    """The clauses of a leaf: one, or one a word for a word the analyzer splits ("foo/bar")."""
    if isinstance(node, Everything):
        return [QueryClause(role, "everything", "every article")]
    fields = _fields(node.field)
    if isinstance(node, (Word, Phrase)):
        words = analysis.words(node.field, node.text)
        if isinstance(node, Word) or len(words) == 1:
            return [_word(role, term, typed, node.field) for term, typed in words]
        text = " ".join(typed for _, typed in words)
        if node.slop > 1:
            return [QueryClause(role, "near", text, fields,
                                f"within {node.slop} words of each other")]
        return [QueryClause(role, "phrase", text, fields, "exact phrase")]
    if isinstance(node, Fuzzy):
        letters = "letter" if node.maxdist == 1 else "letters"
        return [QueryClause(role, "fuzzy", analysis.term(node.field, node.text), fields,
                            f"or a word up to {node.maxdist} {letters} different")]
    if isinstance(node, Prefix):
        term = analysis.term(node.field, node.text)
        return [QueryClause(role, "prefix", f"{term}*", fields, f"any word starting with {term}")]
    pattern = analysis.term(node.field, node.pattern)  # Whoosh's rules for what a pattern is
    if pattern == "*":
        return [QueryClause(role, "everything", "every article")]
    if "*" not in pattern and "?" not in pattern:
        return [_word(role, pattern, pattern, node.field)]
    if "?" not in pattern and "[" not in pattern and pattern.find("*") == len(pattern) - 1:
        return [QueryClause(role, "prefix", pattern, fields,
                            f"any word starting with {pattern[:-1]}")]
    return [QueryClause(role, "wildcard", pattern, fields, "pattern")]


def _same_but_field(clauses: list[QueryClause]) -> QueryClause | None:
    """Merge `title:x OR text:x` (how every plain word is searched) into one clause."""
    first = clauses[0]
    if any((c.kind, c.text, c.detail, c.children) != (first.kind, first.text, first.detail, ())
           for c in clauses):
        return None
    fields = tuple(dict.fromkeys(f for c in clauses for f in c.fields))
    return QueryClause(first.role, first.kind, first.text, fields, first.detail)


def any_of(role: str, parts: list[QueryClause]) -> list[QueryClause]:
    """One clause for the alternatives of an OR (the same word in several fields merged)."""
    if len(parts) <= 1:
        return parts
    groups: dict[tuple, list[QueryClause]] = {}
    for c in parts:
        groups.setdefault((c.kind, c.text, c.detail, c.children), []).append(c)
    parts = [_same_but_field(g) or g[0] for g in groups.values()]
    if len(parts) == 1:
        return parts
    children = tuple(QueryClause("optional", c.kind, c.text, c.fields, c.detail, c.children)
                     for c in parts)
    text = " OR ".join(c.text for c in children)
    return [QueryClause(role, "any-of", text, (), "at least one of these", children)]


def _walk(node: Node, role: str, analysis: Analysis) -> list[QueryClause]:
    negated = "required" if role == "excluded" else "excluded"
    if isinstance(node, AndNot):
        return _walk(node.positive, role, analysis) + _walk(node.negative, negated, analysis)
    if isinstance(node, AndMaybe):
        return _walk(node.required, role, analysis) + _walk(node.optional, "optional", analysis)
    if isinstance(node, Require):
        return _walk(node.positive, role, analysis) + _walk(node.required, role, analysis)
    if isinstance(node, Not):
        return _walk(node.child, negated, analysis)
    if isinstance(node, (And, Or)):
        parts: list[QueryClause] = []
        for child in node.children:
            parts.extend(_walk(child, role, analysis))
        return any_of(role, parts) if isinstance(node, Or) else parts
    return _leaf(node, role, analysis)


def _date_text(rng: DateRange) -> str:
    if rng.start and rng.end:
        return f"{rng.start.isoformat()} to {rng.end.isoformat()}"
    if rng.start:
        return f"from {rng.start.isoformat()}"
    return f"until {rng.end.isoformat()}" if rng.end else "any date"


def explain(parsed: ParsedQuery, request: SearchRequest, analysis: Analysis
            ) -> tuple[QueryClause, ...]:
    """The clauses of a parsed query, then its date ranges, then the filters of the request."""
    clauses: list[QueryClause] = []
    tree = simplify(parsed.tree, analysis)
    if tree is not None:
        clauses.extend(_walk(tree, "required", analysis))
    return tuple(clauses + request_clauses(parsed.dates, request))


def request_clauses(dates, request: SearchRequest) -> list[QueryClause]:
    """The clauses of a query's date ranges, then of the request's filters."""
    clauses = [QueryClause("filter", "date", _date_text(rng), ("date",),
                           "published in this period") for rng in dates]
    for name, value in request.filters:
        detail = "article has no date" if (name, value) == ("date", "unknown") else None
        clauses.append(QueryClause("filter", "facet", value, (name,), detail))
    return clauses


__all__ = ["any_of", "explain", "request_clauses"]
