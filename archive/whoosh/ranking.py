"""Whoosh side of Morgue's ranking (`archive.ranking`): the ranked query, the widened
("most of your words") query, proximity pairs and RM3-style feedback words.
"""

from __future__ import annotations

import dataclasses

from whoosh import query as wq

from archive.ranking import DEFAULT, FALLBACK_NOTE, RankSettings, feedback_words, few_note
from archive.whoosh.compile import WhooshQuery
from archive.whoosh.scoring import Weighted, weighting


def loosen(q: wq.Query) -> wq.Query:
    """The query with every AND turned into OR; NOT clauses keep excluding."""
    if isinstance(q, wq.And):
        keep = [loosen(c) for c in q.subqueries if not isinstance(c, wq.Not)]
        drop = [c.query for c in q.subqueries if isinstance(c, wq.Not)]
        if not keep:
            return q
        loose = keep[0] if len(keep) == 1 else wq.Or(keep)
        return wq.AndNot(loose, drop[0] if len(drop) == 1 else wq.Or(drop)) if drop else loose
    if isinstance(q, wq.AndNot):
        return wq.AndNot(loosen(q.a), q.b)
    return q


@dataclasses.dataclass(frozen=True)
class Ranking:
    """How a search ranks: the (possibly widened) query to score with, and notes to show."""

    parsed: WhooshQuery  # its `query` is the one to score and to mark snippets with
    widened: bool = False
    notes: tuple[str, ...] = ()


def ranked(parsed: WhooshQuery, settings: RankSettings = DEFAULT) -> WhooshQuery:
    """The parsed query wrapped in our weighting, with the proximity bonus of a long query.

    None stays None (every article).
    """
    if parsed.query is None:
        return parsed
    query = parsed.query
    pairs = proximity(query, settings)
    if pairs is not None:
        query = (wq.AndMaybe(query, pairs) if _required_clauses(query) > 1
                 else wq.Or([query, pairs]))
    return dataclasses.replace(parsed, query=Weighted(query, weighting(settings)))


def query_words(q: wq.Query) -> list[str]:
    """The body words of a query in the order typed, without NOT clauses and phrases."""
    if isinstance(q, wq.Not):
        return []
    if isinstance(q, wq.AndNot):
        return query_words(q.a)
    if isinstance(q, wq.Term):
        return [q.text] if q.fieldname == "body" else []
    if isinstance(q, wq.Phrase):
        return []
    words: list[str] = []
    for child in q.children():
        words.extend(query_words(child))
    return words


def proximity(q: wq.Query, settings: RankSettings = DEFAULT) -> wq.Query | None:
    """Bonus clauses for consecutive query words that appear close together, in order."""
    if not settings.prox_weight:
        return None
    words = query_words(q)
    if len(words) < settings.prox_words:
        return None
    pairs = {(a, b) for a, b in zip(words, words[1:]) if a != b}
    if not pairs:
        return None
    return wq.Or([wq.Phrase("body", [a, b], slop=settings.prox_slop, boost=settings.prox_weight)
                  for a, b in sorted(pairs)])


def _required_clauses(q: wq.Query) -> int:
    """How many clauses must all match (words, phrases), NOT clauses left out."""
    if isinstance(q, wq.AndNot):
        return _required_clauses(q.a)
    if isinstance(q, wq.And):
        return sum(1 for c in q.subqueries if not isinstance(c, wq.Not))
    return 1


def widen(parsed: WhooshQuery, found: int, page_size: int,
          settings: RankSettings = DEFAULT) -> WhooshQuery | None:
    """The OR form of a query when requiring every word found fewer than a page; else None."""
    if parsed.query is None or found >= page_size:
        return None
    if _required_clauses(parsed.query) < settings.widen_words:
        return None
    loose = loosen(parsed.query)
    if loose == parsed.query:
        return None
    return dataclasses.replace(parsed, query=loose)


def fallback_ranking(strict: WhooshQuery, loose: WhooshQuery, strict_count: int,
                     settings: RankSettings = DEFAULT) -> Ranking:
    """Ranking for a widened search: BM25 over all the words.

    (Putting the articles with every word first cost MAP: TIME 0.667 against 0.686.)
    """
    note = FALLBACK_NOTE if strict_count == 0 else few_note(strict_count)
    return Ranking(ranked(loose, settings), True, (note,))


def _body_terms(q: wq.Query) -> set[str]:
    return {text for field, text in q.iter_all_terms() if field == "body"}


def expand(searcher, parsed: WhooshQuery, final: set[int] | None,
           lengths=None, memo: dict | None = None,
           settings: RankSettings = DEFAULT) -> WhooshQuery | None:
    """The ranking query with RM3-style feedback words added, or None (short query, no hits).

    `parsed.query` is a ranked (`Weighted`) query; `final` the articles it may show;
    `lengths` the field-length cache of archive.whoosh.fastrank (None: rank with Whoosh).
    """
    if parsed.query is None or not settings.prf_weight:
        return None
    words = _body_terms(parsed.query)
    if len(words) < settings.prf_words:
        return None
    from archive.whoosh import fastrank

    ranked = (fastrank.rank(searcher, parsed.query, final, lengths, memo)
              if lengths is not None and final is not None else None)
    if ranked is not None:
        top = list(zip(ranked[0][:settings.prf_docs].tolist(), ranked[1][:settings.prf_docs].tolist()))
    else:
        top = list(searcher.search(parsed.query, limit=settings.prf_docs, filter=final).items())
    bodies = [(searcher.stored_fields(docnum).get("body", ""), score) for docnum, score in top]
    best = feedback_words(words, bodies, settings)
    if not best:
        return None
    extra = wq.Or([wq.Term("body", word, boost=w) for word, w in best])
    inner = parsed.query.child if isinstance(parsed.query, Weighted) else parsed.query
    return dataclasses.replace(parsed, query=Weighted(wq.Or([inner, extra]), weighting(settings)))


__all__ = ["expand", "Ranking", "fallback_ranking", "loosen", "proximity", "query_words",
           "ranked", "widen"]
