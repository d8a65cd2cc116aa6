"""Every match of a search in the search page's order, read one article at a time (exports)."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from archive.records import ExportRow
from archive.whoosh.budget import Budget, timed_search
from archive.whoosh.stories import story_of

EXPORT_TIME_LIMIT = 20.0


def order(searcher, query, final: set[int], sort: str, dates: list[int],
          budget: Budget) -> list[int]:
    """Every document of `final` in the order the search page shows them."""
    if sort == "relevance" and query is not None:
        results = timed_search(searcher, query, budget, limit_seconds=EXPORT_TIME_LIMIT,
                               filter=final, limit=None)
        ranked = [docnum for docnum, _score in results.items()]
        rest = sorted(final.difference(ranked))  # only when the ranking ran out of time
        return ranked + rest
    unknown_last = dt.date.max.toordinal()
    if sort == "oldest":
        return sorted(final, key=lambda d: (dates[d] or unknown_last, d))
    return sorted(final, key=lambda d: (-dates[d], d))  # newest first, undated last


def rows(searcher, docnums: list[int], from_stored, story_col: list, groups: dict
         ) -> Iterator[ExportRow]:
    for rank, docnum in enumerate(docnums, start=1):
        article = from_stored(searcher.stored_fields(docnum))
        story = story_of(story_col, docnum)
        yield ExportRow(rank, article, story, max(0, len(groups.get(story, ())) - 1))


__all__ = ["order", "rows"]
