"""Heavy queries degrade instead of failing: capped term expansions and a time budget.

A bare wildcard (`a*`) or a loose fuzzy word expands to hundreds of index terms,
and scoring them all (with matched terms recorded for snippets) takes seconds.
Each expanding clause is cut to its most frequent terms, and the ranking of a
page runs under a time limit; both are told to the reader in `SearchPage.notes`.
"""

from __future__ import annotations

import heapq
import threading
from dataclasses import dataclass, field

from whoosh import collectors, query as wq

MAX_EXPANSIONS = 32  # index terms kept per wildcard, prefix or fuzzy clause
HEAVY_TERMS = 128  # more expanded terms than this: rank without recording matched terms
TIME_LIMIT = 1.0  # seconds for ranking one page
_EXPANDING = (wq.Prefix, wq.Wildcard, wq.FuzzyTerm, wq.Regex)


@dataclass
class Budget:
    """What the caps did to one query, in words a reader understands."""

    notes: list[str] = field(default_factory=list)
    expanded_terms: int = 0
    partial: bool = False

    @property
    def heavy(self) -> bool:
        return self.expanded_terms > HEAVY_TERMS


def _label(q) -> str:
    if isinstance(q, wq.Prefix):
        return f"{q.text}*"
    if isinstance(q, wq.FuzzyTerm):
        return f"{q.text}~{q.maxdist}"
    return str(q.text)


def cap_expansions(q: wq.Query, reader, budget: Budget, limit: int = MAX_EXPANSIONS) -> wq.Query:
    """The query with every expanding clause replaced by its `limit` most frequent terms."""
    told: set[str] = set()

    def visit(node: wq.Query) -> wq.Query:
        if isinstance(node, _EXPANDING):
            words = [w.decode("utf-8") if isinstance(w, bytes) else w
                     for w in node._btexts(reader)]
            budget.expanded_terms += min(len(words), limit)
            if len(words) <= limit:
                return node
            top = heapq.nlargest(limit, words,
                                 key=lambda w: reader.doc_frequency(node.fieldname, w))
            label = _label(node)
            if label not in told:
                told.add(label)
                budget.partial = True
                budget.notes.append(
                    f"{label} matches {len(words):,} different words; only the {limit} most "
                    "common were searched, so some articles may be missing. Add letters to "
                    "narrow it.")
            return wq.Or([wq.Term(node.fieldname, w, boost=node.boost) for w in sorted(top)])
        return node.apply(visit)  # a leaf returns itself; a compound, a copy with new children

    return visit(q)


def timed_search(searcher, q: wq.Query, budget: Budget, limit_seconds: float = TIME_LIMIT,
                 **kwargs):
    """`searcher.search(q, **kwargs)` under a time limit; partial results when it runs out."""
    collector = searcher.collector(**kwargs)
    timed = collectors.TimeLimitCollector(collector, timelimit=limit_seconds, use_alarm=False)
    try:
        searcher.search_with_collector(q, timed)
    except collectors.TimeLimit:
        budget.partial = True
        budget.notes.append(f"The ranking stopped after {limit_seconds:g} seconds; the order "
                            "of this page comes from the articles ranked by then.")
    finally:
        timer = getattr(timed, "timer", None)
        if isinstance(timer, threading.Timer):
            timer.cancel()
    return timed.results()


__all__ = ["Budget", "cap_expansions", "timed_search", "MAX_EXPANSIONS", "TIME_LIMIT"]
