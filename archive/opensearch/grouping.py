"""One page of hits on OpenSearch, in the Whoosh engine's order, one hit per story if grouped.

Ungrouped: best first (ties by id), or by date with undated articles last; pages past
OpenSearch's 10,000-hit window are reached with `search_after` hops. Grouped, the
hits collapse on the story key (archive.dedup): each story shows its earliest matching
version (sorted by date, then write order, found by a second search: `_stories`) and
how many other versions match. Stories are ranked by their best version (relevance) or
by their earliest version's date: oldest first is OpenSearch's own collapse order;
newest first reads the oldest-first list from its end (the dated stories reversed, then
the undated), so it needs the story counts of the aggregations (exact up to 40,000
stories).
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

    def _run(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.search._search(body)
        self.timed_out = self.timed_out or bool(answer.get("timed_out"))
        return answer

    def _answer(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        return self._run(body)["hits"]["hits"]

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
        """The stories at [start, start + size) in `sort` order, each with its earliest
        matching version and how many other versions match.

        The collapse finds the page's stories; a second search finds their first versions
        and counts. OpenSearch's own expansion of collapsed hits (`inner_hits`) is not used:
        when a node goes away while it runs, it answers with empty or short groups and
        reports no failed shard, where this search reports its lost shards like any other
        (and is sent again, archive.opensearch.client)."""
        if size <= 0:
            return []
        body = {**self.body, "sort": sort, "from": start, "size": size,
                "collapse": {"field": "story"}, "_source": False}
        page = [(hit["fields"]["story"][0], hit.get("_score")) for hit in self._answer(body)]
        firsts = self._firsts([key for key, _score in page])
        found = []
        for key, score in page:
            if key in firsts:  # not: the story stopped matching between the two reads
                source, versions = firsts[key]
                found.append((source, score, key, versions - 1))
        return found

    def _firsts(self, keys: list[str]) -> dict[str, tuple[dict[str, Any], int]]:
        """Each story's earliest matching version (date, then write order, then id) and how
        many of its versions match, for the stories `keys`."""
        if not keys:
            return {}
        body = {"size": 0, "track_total_hits": False, "timeout": self.body["timeout"],
                "query": {"bool": {"filter": [self.body["query"],
                                              {"terms": {"story": keys}}]}},
                "aggs": {"stories": {
                    "terms": {"field": "story", "size": len(keys), "include": keys},
                    "aggs": {"first": {"top_hits": {"size": 1, "sort": EARLIEST,
                                                    "_source": self.body["_source"]}}}}}}
        answer = self._run(body)
        firsts = {}
        for bucket in answer["aggregations"]["stories"]["buckets"]:
            hits = bucket["first"]["hits"]["hits"]
            if hits:
                firsts[bucket["key"]] = (hits[0]["_source"], bucket["doc_count"])
        return firsts


__all__ = ["Grouping", "MAX_WINDOW", "page_window"]
