"""Relevance ranking: the BM25 variant we score with, and the "most of your words" fallback.

Every word of a query is required by default. When that finds fewer articles
than fit on one page and the query has at least three words, the search widens
to articles with any of the words (NOT clauses still exclude), ranked by BM25
over all the words, with the articles that have every word first. (One word of
two is not "most of your words", so two-word queries are never widened.) Long, question-like queries ("what
problems of heat conduction in composite slabs have been solved") depend on it.

Every free parameter of the ranking is a field of `RankSettings`; `DEFAULT` is
what the search uses. It was chosen by cross-validation over the queries of two
classic test collections (TIME, Cranfield); see `bench/cv.py` and docs/BENCHMARKS.md.
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

from archive.query import ParsedQuery


@dataclasses.dataclass(frozen=True)
class RankSettings:
    """The free parameters of the ranking, all applied at query time."""

    # BM25: term-frequency saturation and length normalisation.
    k1: float = 1.2
    b: float = 0.75
    # Weight of a title match against a body match. The title's term frequencies already
    # count 2.5 times (its schema field_boost) and its words are nearly always in the body too.
    title: float = 0.3
    # Queries with at least this many required clauses are widened ("most of your words").
    widen_words: int = 3
    # Pseudo-relevance feedback (RM3-style) for queries of `prf_words`+ words: the `prf_terms`
    # most probable words of the `prf_docs` best articles (P(w|D) weighted by the article's
    # share of their scores) are added to the ranking query, together weighing `prf_weight`
    # against the query's own words (0: no feedback). It re-orders the matches; it adds none.
    prf_words: int = 3
    prf_docs: int = 10
    prf_terms: int = 10
    prf_weight: float = 0.2
    # Proximity (a sequential-dependence bonus) for queries of `prox_words`+ words: each pair of
    # consecutive query words found in that order within `prox_slop` positions adds
    # `prox_weight` of the pair's own score (0: no bonus). It re-orders the matches; it adds none.
    prox_words: int = 3
    prox_slop: int = 2
    prox_weight: float = 0.08

    def field_boosts(self) -> dict[str, float]:
        """The query parser's weights of the fields searched by default."""
        return {"title": self.title, "body": 1.0}

    def weighting(self) -> RobertsonBM25:
        """The BM25 model with these parameters."""
        return RobertsonBM25(B=self.b, K1=self.k1)

    def describe(self) -> str:
        """The configuration in one line (printed by the benchmarks)."""
        prf = (f"RM3 feedback {self.prf_terms} words of top {self.prf_docs}, weight "
               f"{self.prf_weight}, {self.prf_words}+ words" if self.prf_weight else "no feedback")
        prox = (f"proximity pairs within {self.prox_slop} positions, weight {self.prox_weight}, "
                f"{self.prox_words}+ words" if self.prox_weight else "no proximity bonus")
        return (f"RobertsonBM25 B={self.b} K1={self.k1}; fields title^{self.title}, body^1.0; "
                f"all words required, OR fallback when fewer than a page and {self.widen_words}+ "
                f"words; {prf}; {prox}")


DEFAULT = RankSettings()
PRF_CHARS = 50_000  # of each feedback article's body (the analyzer reads ~0.5 MB a second)

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


def ranked(parsed: ParsedQuery, settings: RankSettings = DEFAULT) -> ParsedQuery:
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
    return dataclasses.replace(parsed, query=Weighted(query, settings.weighting()))


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


def widen(parsed: ParsedQuery, found: int, page_size: int,
          settings: RankSettings = DEFAULT) -> ParsedQuery | None:
    """The OR form of a query when requiring every word found fewer than a page; else None."""
    if parsed.query is None or found >= page_size:
        return None
    if _required_clauses(parsed.query) < settings.widen_words:
        return None
    loose = loosen(parsed.query)
    if loose == parsed.query:
        return None
    return dataclasses.replace(parsed, query=loose)


def fallback_ranking(strict: ParsedQuery, loose: ParsedQuery, strict_count: int,
                     settings: RankSettings = DEFAULT) -> Ranking:
    """Ranking for a widened search: BM25 over all the words.

    (Putting the articles with every word first cost MAP: TIME 0.667 against 0.686.)
    """
    note = FALLBACK_NOTE if strict_count == 0 else few_note(strict_count)
    return Ranking(ranked(loose, settings), True, (note,))


def _body_terms(q: wq.Query) -> set[str]:
    return {text for field, text in q.iter_all_terms() if field == "body"}


def body_terms(field, text: str) -> list[str]:
    """The index terms of a text as the body field indexes them, in order."""
    fold = getattr(field, "fold", None)
    if fold is None:  # a field without the fast path: its analyzer
        return [t.text for t in field.analyzer(text)]
    return [term for term in map(fold, field.tokens.findall(text)) if term is not None]


def expand(searcher, parsed: ParsedQuery, final: set[int] | None,
           lengths=None, memo: dict | None = None,
           settings: RankSettings = DEFAULT) -> ParsedQuery | None:
    """The ranking query with RM3-style feedback words added, or None (short query, no hits).

    `parsed.query` is a ranked (`Weighted`) query; `final` the articles it may show;
    `lengths` the field-length cache of archive.fastrank (None: rank with Whoosh).
    """
    if parsed.query is None or not settings.prf_weight:
        return None
    words = _body_terms(parsed.query)
    if len(words) < settings.prf_words:
        return None
    from archive import fastrank

    ranked = (fastrank.rank(searcher, parsed.query, final, lengths, memo)
              if lengths is not None and final is not None else None)
    if ranked is not None:
        top = list(zip(ranked[0][:settings.prf_docs].tolist(), ranked[1][:settings.prf_docs].tolist()))
    else:
        top = list(searcher.search(parsed.query, limit=settings.prf_docs, filter=final).items())
    total = sum(score for _, score in top)
    if not top or total <= 0:
        return None
    model: Counter = Counter()
    for docnum, score in top:
        counts = Counter(body_terms(searcher.schema["body"],
                                    searcher.stored_fields(docnum).get("body", "")[:PRF_CHARS]))
        length = sum(counts.values()) or 1
        for word, n in counts.items():
            if word not in words:
                model[word] += score / total * n / length
    best = model.most_common(settings.prf_terms)
    mass = sum(w for _, w in best)
    if not best or mass <= 0:
        return None
    scale = settings.prf_weight / (1 - settings.prf_weight) * len(words) / mass
    extra = wq.Or([wq.Term("body", word, boost=w * scale) for word, w in best])
    inner = parsed.query.child if isinstance(parsed.query, Weighted) else parsed.query
    return dataclasses.replace(parsed, query=Weighted(wq.Or([inner, extra]), settings.weighting()))


__all__ = ["DEFAULT", "FALLBACK_NOTE", "expand", "Ranking", "RankSettings", "RobertsonBM25",
           "Weighted", "robertson_idf", "fallback_ranking", "few_note", "loosen", "proximity",
           "query_words", "ranked", "widen"]
