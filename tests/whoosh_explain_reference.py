"""The explainer as it was before the neutral query tree: walks a parsed Whoosh query.

Kept only as the reference `archive.explain` is compared with
(tests/test_qtree_equivalence.py). Walks the parsed Whoosh query and returns
`QueryClause` records (required words, phrases, words near each other, fuzzy and
prefix words, excluded words, fields); what does not depend on the walk (merging an
OR's alternatives, the date and filter clauses) is `archive.explain`'s own.
"""

from __future__ import annotations

from whoosh import query as wq

from archive.explain import any_of, request_clauses
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
        return any_of(role, [c for sub in q.subqueries for c in _walk(sub, role, typed)])
    if isinstance(q, wq.CompoundQuery):  # And and its relatives
        return [c for sub in q.subqueries for c in _walk(sub, role, typed)]
    if isinstance(q, wq.WrappingQuery):
        return _walk(q.child, role, typed)
    leaf = _leaf(q, role, typed)
    return [leaf] if leaf else []


def explain(parsed: ParsedQuery, request: SearchRequest, schema=None
            ) -> tuple[QueryClause, ...]:
    """The clauses of a parsed query, then its date ranges, then the filters of the request."""
    clauses: list[QueryClause] = []
    if parsed.query is not None:
        typed = _surface_words(parsed.text, schema)
        clauses.extend(_walk(parsed.query, "required", typed))
    return tuple(clauses + request_clauses(parsed.dates, request))


__all__ = ["explain"]
