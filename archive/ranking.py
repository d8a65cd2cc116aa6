"""How Morgue ranks, engine-neutral: the free parameters and the notes shown with a ranking.

Every word of a query is required by default. When that finds fewer articles
than fit on one page and the query has at least `widen_words` words, the search
widens to articles with any of the words (NOT clauses still exclude), ranked by
BM25 over all the words, with the articles that have every word first. (One word
of two is not "most of your words", so two-word queries are never widened.)
Long, question-like queries ("what problems of heat conduction in composite
slabs have been solved") depend on it.

Every free parameter of the ranking is a field of `RankSettings`; `DEFAULT` is
what the search uses: the setting that the cross-validation procedure of
`bench/cv.py` chooses on all the judged queries of two classic test collections,
TIME and Cranfield (`python -m bench.relevance ../shared/data/ir/time
../shared/data/ir/cranfield --cv 5`: coordinate ascent over `cv.GRID` from
Whoosh's BM25 defaults, one setting for both). The same procedure run without
each fold of the queries gives the estimate for unseen queries, the
cross-validated MAP in docs/BENCHMARKS.md. Each engine applies these settings
its own way (`archive.whoosh.ranking`; `archive.opensearch.compile` and `.ranking`).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from math import log

from archive.qtree import And, AndNot, Node, Not, Or


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
    prox_weight: float = 0.1

    def field_boosts(self) -> dict[str, float]:
        """The query parser's weights of the fields searched by default."""
        return {"title": self.title, "body": 1.0}

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


def feedback_words(words: set[str], top: list[tuple[str, float]], settings: RankSettings
                   ) -> list[tuple[str, float]]:
    """RM3-style feedback words and their weights from the best articles' (body, score).

    P(w|D) of each word not in `words` (the query's own body terms), weighted by the
    article's share of the scores; the `prf_terms` most probable, scaled to weigh
    `prf_weight` against the query's words together. [] when there is nothing to add.
    """
    from archive.analysis import text_terms

    total = sum(score for _, score in top)
    if not top or total <= 0:
        return []
    model: Counter = Counter()
    for body, score in top:
        counts = Counter(text_terms(body[:PRF_CHARS]))
        length = sum(counts.values()) or 1
        for word, n in counts.items():
            if word not in words:
                model[word] += score / total * n / length
    best = model.most_common(settings.prf_terms)
    mass = sum(w for _, w in best)
    if not best or mass <= 0:
        return []
    scale = settings.prf_weight / (1 - settings.prf_weight) * len(words) / mass
    return [(word, w * scale) for word, w in best]


def required_clauses(tree: Node | None) -> int:
    """How many clauses must all match (words, phrases), NOT clauses left out."""
    if isinstance(tree, AndNot):
        return required_clauses(tree.positive)
    if isinstance(tree, And):
        return sum(1 for c in tree.children if not isinstance(c, Not))
    return 1


def loosen(tree: Node) -> Node:
    """The tree with its top AND turned into OR; NOT clauses keep excluding."""
    if isinstance(tree, And):
        keep = [c for c in tree.children if not isinstance(c, Not)]
        drop = [c.child for c in tree.children if isinstance(c, Not)]
        if not keep:
            return tree
        loose = keep[0] if len(keep) == 1 else Or(tuple(keep))
        return AndNot(loose, drop[0] if len(drop) == 1 else Or(tuple(drop))) if drop else loose
    if isinstance(tree, AndNot):
        return AndNot(loosen(tree.positive), tree.negative)
    return tree


def widened(tree: Node | None, found: int, page_size: int, settings: RankSettings
            ) -> Node | None:
    """The OR form of a tree when requiring every word found fewer than a page; else None."""
    if tree is None or found >= page_size or required_clauses(tree) < settings.widen_words:
        return None
    loose = loosen(tree)
    return None if loose == tree else loose


def robertson_idf(n: int, total: int) -> float:
    """Robertson-Sparck Jones IDF of a word found in `n` of `total` articles."""
    return log(1 + (total - n + 0.5) / (n + 0.5))


__all__ = ["feedback_words", "DEFAULT", "FALLBACK_NOTE", "PRF_CHARS", "RankSettings", "few_note",
           "loosen", "required_clauses", "robertson_idf", "widened"]
