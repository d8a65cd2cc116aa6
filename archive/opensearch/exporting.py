"""Every match of a search, in the search page's order, read from OpenSearch in pages (exports).

The query is `archive.opensearch.querybody.query_bodies`, the search page's own (the same
compiler and filters), widened to any of the words as the search is when every word
finds fewer than a page. One
point-in-time view serves the whole export: first the matches per story (a composite
aggregation over `story`, in pages, so the count of stories and each row's other
versions are exact), then the articles in pages of `reading.SCAN_PAGE` with
search_after, so there is no 10,000 limit and writes during the export do not show.
The order is the Whoosh engine's (archive.whoosh.export): by score for a query sorted by
relevance, else by date (newest first, or oldest first; undated last either way), ties
in write order (`story_seq`, as Whoosh's document numbers).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from opensearchpy import exceptions as ox

from archive.opensearch.mapping import from_source
from archive.opensearch.querybody import query_bodies, scored
from archive.opensearch.reading import SCAN_PAGE, Reader
from archive.ranking import DEFAULT as DEFAULT_RANKING
from archive.ranking import RankSettings
from archive.records import ExportRow, ResultStream, SearchRequest

STORY_PAGE = 10_000  # composite aggregation buckets a request
_TIES = [{"story_seq": {"order": "asc", "missing": "_last", "unmapped_type": "long"}},
         {"id": "asc"}]


def order(request: SearchRequest) -> list[dict[str, Any]]:
    """The sort of an export: the search page's order, ties in write order."""
    if scored(request):
        return [{"_score": "desc"}, *_TIES]
    direction = "asc" if request.sort == "oldest" else "desc"
    return [{"published": {"order": direction, "missing": "_last"}}, *_TIES]


def story_counts(reader: Reader, pit: str, query: dict[str, Any], page: int = STORY_PAGE
                 ) -> tuple[dict[str, int], int]:
    """Matches per story key, and the matches without a key (each a story of its own)."""
    counts: dict[str, int] = {}
    alone, after = 0, None
    while True:
        composite: dict[str, Any] = {"size": page, "sources": [
            {"story": {"terms": {"field": "story", "missing_bucket": True}}}]}
        if after is not None:
            composite["after"] = after
        answer = reader.search_view(pit, {"size": 0, "query": query, "track_total_hits": False,
                                          "aggs": {"stories": {"composite": composite}}})
        found = answer["aggregations"]["stories"]
        for bucket in found["buckets"]:
            key = bucket["key"]["story"]
            if key is None:
                alone += bucket["doc_count"]
            else:
                counts[key] = bucket["doc_count"]
        after = found.get("after_key")
        if after is None or not found["buckets"]:
            return counts, alone


def export(reader: Reader, index: str, request: SearchRequest, today: dt.date,
           guarded: Callable[[], contextlib.AbstractContextManager], page: int = SCAN_PAGE,
           settings: RankSettings = DEFAULT_RANKING) -> ResultStream:
    """Every article the search matches, in its order, read page by page as rows are taken.

    `guarded()` wraps the reading of the rows (which happens after this returns) so that
    the client's failures become domain errors there too. The view is closed when the rows
    end or are closed; rows never started leave it to expire (`reading.KEEP_ALIVE`).
    """
    query, loose = query_bodies(request, today, settings)
    pit = reader.open_view(index)
    try:
        counts, alone = story_counts(reader, pit, query)
        if loose is not None and sum(counts.values()) + alone < request.page_size:
            wider = story_counts(reader, pit, loose)  # fewer than a page: any of the words
            if sum(wider[0].values()) + wider[1] > sum(counts.values()) + alone:
                query, (counts, alone) = loose, wider
    except BaseException:
        with contextlib.suppress(ox.OpenSearchException):
            reader.client.delete_pit(body={"pit_id": [pit]})
        raise
    total = sum(counts.values()) + alone

    def rows() -> Iterator[ExportRow]:
        with guarded():
            hits = reader.scan_view(pit, query, True, order(request), page)
            for rank, hit in enumerate(hits, start=1):
                article = from_source(hit["_source"])
                story = hit["_source"].get("story")
                versions = counts.get(story, 1) - 1 if story else 0
                yield ExportRow(rank, article, story or article.id, max(0, versions))

    return ResultStream(request, total, len(counts) + alone, (), rows())


__all__ = ["export", "order", "story_counts"]
