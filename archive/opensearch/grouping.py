"""One page of hits on OpenSearch, in the Whoosh engine's order, one hit per story if grouped.

Ungrouped: best first (ties by id), or by date with undated articles last; pages past
OpenSearch's 10,000-hit window are reached with `search_after` hops. Grouped, the
hits collapse on the story key (archive.dedup): each story shows its earliest matching
version (an inner hit sorted by date, then write order) and how many other versions
match. Stories are ranked by their best version (relevance) or by their earliest
version's date: oldest first is OpenSearch's own collapse order; newest first reads
the oldest-first list from its end (the dated stories reversed, then the undated), so
it needs the story counts of the aggregations (exact up to 40,000 stories).
"""

from __future__ import annotations

from typing import Any

from archive.errors import BadQuery
from archive.records import SearchRequest

MAX_WINDOW = 10_000  # OpenSearch's index.max_result_window
EARLIEST = [{"published": {"order": "asc", "missing": "_last"}},
            {"story_seq": {"order": "asc", "unmapped_type": "long"}}, {"id": "asc"}]
NEWEST = [{"published": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]
BEST = [{"_score": "desc"}, {"id": "asc"}]
Found = tuple[dict[str, Any], float | None, str | None, int]  # source, score, story, versions


def page_window(request: SearchRequest) -> tuple[int, int]:
    start = (request.page - 1) * request.page_size
    return start, start + request.page_size


class Grouping:
    """Fetches the hits at positions [start, end) of one search (see the module docstring)."""

    def __init__(self, search, request: SearchRequest, scored: bool, body: dict[str, Any],
                 aggs: dict[str, Any]):
        self.search, self.request, self.scored, self.body, self.aggs = (search, request,
                                                                        scored, body, aggs)
        self.timed_out = False

    def page(self, start: int, end: int) -> tuple[list[Found], bool]:
        if not self.request.group:
            return self._articles(start, end), self.timed_out
        if end > MAX_WINDOW:
            raise BadQuery(f"page: grouped results reach the first {MAX_WINDOW:,} stories on "
                           "this archive; narrow the search, or show every version (group=0) "
                           "to page further")
        if self.scored:
            return self._stories(BEST, start, end - start), self.timed_out
        if self.request.sort == "oldest":
            return self._stories(EARLIEST, start, end - start), self.timed_out
        final = self.aggs["final"]
        stories, dated = final["stories"]["value"], final["dated"]["stories"]["value"]
        found: list[Found] = []
        stop = min(end, dated)
        if start < stop:  # the newest dated stories: the end of the oldest-first list
            found += reversed(self._stories(EARLIEST, dated - stop, stop - start))
        if end > max(start, dated) and stories > max(start, dated):
            low = max(start, dated)
            found += self._stories(EARLIEST, low, min(end, stories) - low)
        return found, self.timed_out

    def _answer(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        answer = self.search._search(body)
        self.timed_out = self.timed_out or bool(answer.get("timed_out"))
        return answer["hits"]["hits"]

    def _sort(self) -> list:
        if self.scored:
            return BEST
        return EARLIEST if self.request.sort == "oldest" else NEWEST

    def _articles(self, start: int, end: int) -> list[Found]:
        body = {**self.body, "sort": self._sort()}
        if end <= MAX_WINDOW:
            page = {**body, "from": start, "size": end - start}
        else:  # hop over the hits before the page, keeping only their sort keys
            after, skip = None, start
            while skip > 0:
                step = min(MAX_WINDOW, skip)
                hop = {**body, "size": step, "_source": False}
                if after is not None:
                    hop["search_after"] = after
                hits = self._answer(hop)
                if len(hits) < step:
                    return []
                after, skip = hits[-1]["sort"], skip - step
            page = {**body, "size": end - start, "search_after": after}
        return [(hit["_source"], hit.get("_score"), None, 0) for hit in self._answer(page)]

    def _stories(self, sort: list, start: int, size: int) -> list[Found]:
        if size <= 0:
            return []
        inner = {"name": "first", "size": 1, "sort": EARLIEST,
                 "_source": self.body["_source"]}
        body = {**self.body, "sort": sort, "from": start, "size": size,
                "collapse": {"field": "story", "inner_hits": inner}, "_source": False}
        found = []
        for hit in self._answer(body):
            first = hit["inner_hits"]["first"]["hits"]
            source = first["hits"][0]["_source"]
            story = (hit.get("fields", {}).get("story") or [source.get("story")])[0]
            found.append((source, hit.get("_score"), story, first["total"]["value"] - 1))
        return found


__all__ = ["Grouping", "MAX_WINDOW", "page_window"]
