"""Relevance ranking: the BM25 variant we score with, and the "most of your words" fallback.

Every word of a query is required by default. When that finds fewer articles
than fit on one page and the query has at least three words, the search widens
to articles with any of the words (NOT clauses still exclude), ranked by BM25
over all the words, with the articles that have every word first. (One word of
two is not "most of your words", so two-word queries are never widened.) Long, question-like queries ("what
problems of heat conduction in composite slabs have been solved") depend on it.

Settings were chosen on the dev queries of two classic test collections (TIME,
Cranfield); see `bench/relevance.py` and docs/BENCHMARKS.md.
"""

from __future__ import annotations

import dataclasses
from math import log

from collections import Counter

from whoosh import query as wq
from whoosh import scoring
from whoosh.matching import WrappingMatcher
from whoosh.query.wrappers import WrappingQuery
from whoosh.searching import SearchContext

from archive.query import FIELD_BOOSTS, ParsedQuery

# BM25 free parameters (Whoosh's defaults; 0.5..0.9 and 0.8..2.0 moved MAP by < 0.01).
BM25_B = 0.75
BM25_K1 = 1.2
# Only queries with at least this many required clauses are widened.
MIN_WIDEN_CLAUSES = 3
# Pseudo-relevance feedback (RM3-style) for queries of PRF_MIN_WORDS+ words: the
# PRF_TERMS most probable words of the PRF_DOCS best articles (P(w|D) weighted by the
# article's share of their scores) are added to the ranking query, together weighing
# PRF_WEIGHT against the query's own words. It re-orders the matches; it adds none.
PRF_MIN_WORDS = 3
PRF_DOCS = 10
PRF_TERMS = 10
PRF_WEIGHT = 0.2
PRF_CHARS = 50_000  # of each feedback article's body (the analyzer reads ~0.5 MB a second)
# Proximity (a sequential-dependence bonus) for queries of PROX_MIN_WORDS+ words: each pair of
# consecutive query words found in that order within PROX_SLOP positions adds PROX_WEIGHT of
# the pair's own score. It re-orders the matches; it adds none. (Measured on the dev queries:
# weight 0.08-0.10 with slop 2 helped both collections; 0.12 and above cost TIME 0.02.)
PROX_MIN_WORDS = 3
PROX_SLOP = 2
PROX_WEIGHT = 0.08

FALLBACK_NOTE = "No article has all your words; showing articles with most of them."


def few_note(count: int) -> str:
    """The note when some, but fewer than a page of, articles have every word."""
    noun = "article has" if count == 1 else "articles have"
    return (f"Only {count} {noun} all your words; showing them among articles "
            "with most of them.")


class RobertsonBM25(scoring.BM25F):
    """BM25 with Robertson-Sparck Jones IDF, log(1 + (N - n + 0.5) / (n + 0.5)).

    Whoosh's own IDF, log(N / (n + 1)) + 1, gives a word found in every article
    a weight of 1, so the filler words of a long query ("problems", "number",
    "must") still push articles up; this IDF takes them to almost nothing.
    """

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return _RobertsonScorer(searcher, fieldname, text,
                                self._field_B.get(fieldname, self.B), self.K1, qf=qf)


class _RobertsonScorer(scoring.BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, qf=1):
        parent = searcher.get_parent()
        self.idf = robertson_idf(parent.doc_frequency(fieldname, text), parent.doc_count_all())
        self.avgfl = parent.avg_field_length(fieldname) or 1
        self.B, self.K1, self.qf = B, K1, qf
        self.setup(searcher, fieldname, text)


def robertson_idf(n: int, total: int) -> float:
    """Robertson-Sparck Jones IDF of a word found in `n` of `total` articles."""
    return log(1 + (total - n + 0.5) / (n + 0.5))


class Weighted(WrappingQuery):
    """Score a query with a given weighting model (whoosh3's WeightingQuery drops it)."""

    def __init__(self, child: wq.Query, weighting: scoring.WeightingModel):
        super().__init__(child)
        self.weighting = weighting

    def _rewrap(self, child: wq.Query) -> "Weighted":
        return Weighted(child, self.weighting)

    def __eq__(self, other) -> bool:
        return type(other) is Weighted and other.child == self.child

    def __hash__(self) -> int:
        return hash(("Weighted", self.child))

    def matcher(self, searcher, context=None):
        context = (context.set(weighting=self.weighting) if context is not None
                   else SearchContext(weighting=self.weighting))
        return _Unpruned(self.child.matcher(searcher, context))


class _Unpruned(WrappingMatcher):
    """Scores every match: no block skipping or matcher replacement by minimum score.

    Whoosh's top-N pruning gave wrong top lists for OR queries with boosted or constant-score
    parts (the ungrouped OR fallback lost a fifth of its relevant articles: TIME MAP 0.589
    against 0.686 without pruning), so ranked searches score every match.
    """

    def _replacement(self, newchild):
        return _Unpruned(newchild)

    def replace(self, minquality=0):
        return self if self.child.is_active() else self.child.replace(minquality)

    def supports_block_quality(self):
        return False


def weighting() -> scoring.WeightingModel:
    return RobertsonBM25(B=BM25_B, K1=BM25_K1)


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

    parsed: ParsedQuery  # its `query` is the one to score and to mark snippets with
    widened: bool = False
    notes: tuple[str, ...] = ()


def ranked(parsed: ParsedQuery) -> ParsedQuery:
    """The parsed query wrapped in our weighting, with the proximity bonus of a long query.

    None stays None (every article).
    """
    if parsed.query is None:
        return parsed
    query = parsed.query
    pairs = proximity(query)
    if pairs is not None:
        query = (wq.AndMaybe(query, pairs) if _required_clauses(query) > 1
                 else wq.Or([query, pairs]))
    return dataclasses.replace(parsed, query=Weighted(query, weighting()))


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


def proximity(q: wq.Query) -> wq.Query | None:
    """Bonus clauses for consecutive query words that appear close together, in order."""
    words = query_words(q)
    if len(words) < PROX_MIN_WORDS:
        return None
    pairs = {(a, b) for a, b in zip(words, words[1:]) if a != b}
    if not pairs:
        return None
    return wq.Or([wq.Phrase("body", [a, b], slop=PROX_SLOP, boost=PROX_WEIGHT)
                  for a, b in sorted(pairs)])


def _required_clauses(q: wq.Query) -> int:
    """How many clauses must all match (words, phrases), NOT clauses left out."""
    if isinstance(q, wq.AndNot):
        return _required_clauses(q.a)
    if isinstance(q, wq.And):
        return sum(1 for c in q.subqueries if not isinstance(c, wq.Not))
    return 1


def widen(parsed: ParsedQuery, found: int, page_size: int) -> ParsedQuery | None:
    """The OR form of a query when requiring every word found fewer than a page; else None."""
    if parsed.query is None or found >= page_size:
        return None
    if _required_clauses(parsed.query) < MIN_WIDEN_CLAUSES:
        return None
    loose = loosen(parsed.query)
    if loose == parsed.query:
        return None
    return dataclasses.replace(parsed, query=loose)


def fallback_ranking(strict: ParsedQuery, loose: ParsedQuery, strict_count: int) -> Ranking:
    """Ranking for a widened search: BM25 over all the words.

    (Putting the articles with every word first cost MAP: TIME 0.667 against 0.686.)
    """
    query = loose.query
    note = FALLBACK_NOTE if strict_count == 0 else few_note(strict_count)
    return Ranking(ranked(dataclasses.replace(loose, query=query)), True, (note,))


def _body_terms(q: wq.Query) -> set[str]:
    return {text for field, text in q.iter_all_terms() if field == "body"}


def expand(searcher, parsed: ParsedQuery, final: set[int] | None,
           lengths=None, memo: dict | None = None) -> ParsedQuery | None:
    """The ranking query with RM3-style feedback words added, or None (short query, no hits).

    `parsed.query` is a ranked (`Weighted`) query; `final` the articles it may show;
    `lengths` the field-length cache of archive.fastrank (None: rank with Whoosh).
    """
    if parsed.query is None:
        return None
    words = _body_terms(parsed.query)
    if len(words) < PRF_MIN_WORDS:
        return None
    from archive import fastrank

    ranked = (fastrank.rank(searcher, parsed.query, final, lengths, memo)
              if lengths is not None and final is not None else None)
    if ranked is not None:
        top = list(zip(ranked[0][:PRF_DOCS].tolist(), ranked[1][:PRF_DOCS].tolist()))
    else:
        top = list(searcher.search(parsed.query, limit=PRF_DOCS, filter=final).items())
    total = sum(score for _, score in top)
    if not top or total <= 0:
        return None
    analyzer = searcher.schema["body"].analyzer
    model: Counter = Counter()
    for docnum, score in top:
        body = searcher.stored_fields(docnum).get("body", "")[:PRF_CHARS]
        counts = Counter(t.text for t in analyzer(body))
        length = sum(counts.values()) or 1
        for word, n in counts.items():
            if word not in words:
                model[word] += score / total * n / length
    best = model.most_common(PRF_TERMS)
    mass = sum(w for _, w in best)
    if not best or mass <= 0:
        return None
    scale = PRF_WEIGHT / (1 - PRF_WEIGHT) * len(words) / mass
    extra = wq.Or([wq.Term("body", word, boost=w * scale) for word, w in best])
    inner = parsed.query.child if isinstance(parsed.query, Weighted) else parsed.query
    return dataclasses.replace(parsed, query=Weighted(wq.Or([inner, extra]), weighting()))


def describe() -> str:
    """The ranking configuration in one line (printed by the benchmark)."""
    return (f"RobertsonBM25 B={BM25_B} K1={BM25_K1}; fields "
            + ", ".join(f"{k}^{v}" for k, v in FIELD_BOOSTS.items())
            + "; all words required, OR fallback when fewer than a page "
            f"and {MIN_WIDEN_CLAUSES}+ words; RM3 feedback {PRF_TERMS} words of top {PRF_DOCS}, "
            f"weight {PRF_WEIGHT}, {PRF_MIN_WORDS}+ words; proximity pairs within "
            f"{PROX_SLOP} positions, weight {PROX_WEIGHT}, {PROX_MIN_WORDS}+ words")


__all__ = ["FALLBACK_NOTE", "expand", "Ranking", "RobertsonBM25", "Weighted",
           "describe", "robertson_idf", "fallback_ranking", "few_note", "loosen", "proximity", "query_words", "ranked", "weighting", "widen"]
