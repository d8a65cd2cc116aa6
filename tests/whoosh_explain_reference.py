"""The explainer as it was before the neutral query tree: walks a parsed Whoosh query.

Kept only as the reference `archive.explain` is compared with
(tests/test_qtree_equivalence.py). Walks the parsed Whoosh query and returns
`QueryClause` records (required words, phrases, words near each other, fuzzy and
prefix words, excluded words, fields), then the date ranges and filters.
"""

from __future__ import annotations

from whoosh import query as wq

from archive.query import DateRange
from tests.whoosh_parser_reference import ParsedQuery
from archive.records import QueryClause, SearchRequest

FIELD_NAMES = {"title": "title", "body": "text", "author": "author", "outlet": "outlet",
               "place": "place", "topic": "topic", "url": "URL"}


def _fields(*names: str) -> tuple[str, ...]:
    return tuple(FIELD_NAMES.get(n, n) for n in names)


def _surface_words(text: str, schema) -> dict[str, str]:
    """Index term -> the word as typed, e.g. "weapon" -> "weapons" (stems are not words)."""
    words: dict[str, str] = {}
    if schema is None or "body" not in schema:
        return words
    analyzer = schema["body"].analyzer
    for token in analyzer(text, chars=True, mode="query", removestops=False):
        words.setdefault(token.text, text[token.startchar:token.endchar])
    return words


def _leaf(q: wq.Query, role: str, typed: dict[str, str]) -> QueryClause | None:
    """One clause for a leaf query (None for parts that match nothing or everything)."""
    if isinstance(q, wq.Phrase):
        words = " ".join(typed.get(str(w), str(w)) for w in q.words)
        if q.slop > 1:
            return QueryClause(role, "near", words, _fields(q.fieldname),
                               f"within {q.slop} words of each other")
        return QueryClause(role, "phrase", words, _fields(q.fieldname), "exact phrase")
    if isinstance(q, wq.FuzzyTerm):
        letters = "letter" if q.maxdist == 1 else "letters"
        return QueryClause(role, "fuzzy", str(q.text), _fields(q.fieldname),
                           f"or a word up to {q.maxdist} {letters} different")
    if isinstance(q, wq.Prefix):
        return QueryClause(role, "prefix", f"{q.text}*", _fields(q.fieldname),
                           f"any word starting with {q.text}")
    if isinstance(q, (wq.Wildcard, wq.Regex)):
        return QueryClause(role, "wildcard", str(q.text), _fields(q.fieldname), "pattern")
    if isinstance(q, (wq.TermRange, wq.NumericRange)):
        return QueryClause(role, "range", f"{q.start or ''}..{q.end or ''}",
                           _fields(q.fieldname))
    if isinstance(q, wq.Term):
        text = str(q.text)
        word = typed.get(text, text)
        detail = f"any form of the word (searched as {text})" if word.lower() != text else None
        return QueryClause(role, "word", word, _fields(q.fieldname), detail)
    if isinstance(q, wq.Every):
        return QueryClause(role, "everything", "every article")
    return None


def _same_but_field(clauses: list[QueryClause]) -> QueryClause | None:
    """Merge `title:x OR text:x` (how every plain word is searched) into one clause."""
    first = clauses[0]
    if any((c.kind, c.text, c.detail, c.children) != (first.kind, first.text, first.detail, ())
           for c in clauses):
        return None
    fields = tuple(dict.fromkeys(f for c in clauses for f in c.fields))
    return QueryClause(first.role, first.kind, first.text, fields, first.detail)


def _walk(q: wq.Query, role: str, typed: dict[str, str]) -> list[QueryClause]:
    negated = "required" if role == "excluded" else "excluded"
    if isinstance(q, wq.AndNot):
        return _walk(q.a, role, typed) + _walk(q.b, negated, typed)
    if isinstance(q, wq.AndMaybe):
        return _walk(q.a, role, typed) + _walk(q.b, "optional", typed)
    if isinstance(q, wq.Require):
        return _walk(q.a, role, typed) + _walk(q.b, role, typed)
    if isinstance(q, wq.Not):
        return _walk(q.query, negated, typed)
    if isinstance(q, (wq.Or, wq.DisjunctionMax)):
        parts = [c for sub in q.subqueries for c in _walk(sub, role, typed)]
        if not parts:
            return []
        if len(parts) == 1:
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
    if isinstance(q, wq.CompoundQuery):  # And and its relatives
        return [c for sub in q.subqueries for c in _walk(sub, role, typed)]
    if isinstance(q, wq.WrappingQuery):
        return _walk(q.child, role, typed)
    leaf = _leaf(q, role, typed)
    return [leaf] if leaf else []


def _date_text(rng: DateRange) -> str:
    if rng.start and rng.end:
        return f"{rng.start.isoformat()} to {rng.end.isoformat()}"
    if rng.start:
        return f"from {rng.start.isoformat()}"
    return f"until {rng.end.isoformat()}" if rng.end else "any date"


def explain(parsed: ParsedQuery, request: SearchRequest, schema=None
            ) -> tuple[QueryClause, ...]:
    """The clauses of a parsed query, then its date ranges, then the filters of the request."""
    clauses: list[QueryClause] = []
    if parsed.query is not None:
        typed = _surface_words(parsed.text, schema)
        clauses.extend(_walk(parsed.query, "required", typed))
    for rng in parsed.dates:
        clauses.append(QueryClause("filter", "date", _date_text(rng), ("date",),
                                   "published in this period"))
    for name, value in request.filters:
        detail = "article has no date" if (name, value) == ("date", "unknown") else None
        clauses.append(QueryClause("filter", "facet", value, (name,), detail))
    return tuple(clauses)


__all__ = ["explain"]
