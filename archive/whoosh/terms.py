"""The index terms a Whoosh query matched, for marking them in snippets and on the article page."""

from __future__ import annotations

from whoosh import query as wq


def _positive_leaves(q: wq.Query):
    """The leaf queries whose words a matching article holds (NOT clauses left out)."""
    if isinstance(q, wq.Not):
        return
    if isinstance(q, wq.AndNot):
        yield from _positive_leaves(q.a)
    elif q.is_leaf():
        yield q
    else:
        for child in q.children():
            yield from _positive_leaves(child)


def query_terms(query, reader) -> frozenset[str]:
    """The index terms a query can match in the title or body (wildcards expanded).

    Words of NOT clauses are left out: an article found holds none of them where
    they were excluded, and they are not what was searched for.
    """
    if query is None:
        return frozenset()
    wanted = wq.Or(list(_positive_leaves(query)))
    terms = set()
    try:
        pairs = wanted.existing_terms(reader, phrases=True, expand=True)
    except Exception:  # an odd query node: fall back to the terms as written
        pairs = wanted.iter_all_terms(phrases=True)
    for field, text in pairs:
        if field in ("body", "title"):
            terms.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return frozenset(terms)


__all__ = ["query_terms"]
