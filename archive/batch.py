"""Many searches in one go: `(qid, query)` pairs in, ranked article lists out.

The batch runs each query through `Archive.search`, the same path as the search
box, so a benchmark measures exactly what a reader gets.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from archive.engine import Archive
from archive.errors import BadQuery
from archive.records import Article, SearchRequest

MAX_BATCH_LIMIT = 100


@dataclass(frozen=True)
class BatchResult:
    """One query's answer: the total match count and the top articles in rank order."""

    qid: str
    query: str
    total: int
    articles: tuple[Article, ...]
    seconds: float
    notes: tuple[str, ...] = ()
    error: str | None = None

    def as_dict(self, source_ids: bool = False) -> dict[str, Any]:
        """`{"qid", "query", "total", "ids"}`; ids are source ids when `source_ids`."""
        ids = [(a.source_id or a.id) if source_ids else a.id for a in self.articles]
        data: dict[str, Any] = {"qid": self.qid, "query": self.query, "total": self.total,
                                "ids": ids}
        if self.error:
            data["error"] = self.error
        return data


def read_queries(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """`id<TAB>query` lines -> (qid, query); blank lines skipped, a line without a tab refused."""
    for n, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        qid, sep, query = line.partition("\t")
        if not sep or not qid.strip():
            raise BadQuery(f"queries line {n}: expected 'id<TAB>query', got {line[:60]!r}")
        yield qid.strip(), query.strip()


def search_batch(archive: Archive, queries: Iterable[tuple[str, str]],
                 limit: int = 10) -> list[BatchResult]:
    """Run every query with the default search (relevance, no filters); top `limit` each.

    A query the parser refuses gives an empty result with `error` set, so one bad
    line does not stop the batch.
    """
    if not 1 <= limit <= MAX_BATCH_LIMIT:
        raise BadQuery(f"limit: must be between 1 and {MAX_BATCH_LIMIT}")
    results = []
    for qid, text in queries:
        started = time.perf_counter()
        try:
            page = archive.search(SearchRequest(query=text, page_size=limit), with_facets=False)
        except BadQuery as exc:
            results.append(BatchResult(qid, text, 0, (), time.perf_counter() - started,
                                       error=str(exc)))
            continue
        results.append(BatchResult(qid, text, page.total,
                                   tuple(h.article for h in page.hits),
                                   time.perf_counter() - started, page.notes))
    return results


__all__ = ["BatchResult", "MAX_BATCH_LIMIT", "read_queries", "search_batch"]
