"""Reading what an OpenSearch index holds (not searching it): every document of a query in
point-in-time pages, whole answers only, and the counts `stats` shows."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterator
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy import exceptions as ox

from archive.errors import EngineUnavailable
from archive.opensearch.client import ENGINE, RED_HINT, red_state
from archive.records import IndexStats

SCAN_PAGE = 2000
MAX_IDS = 10_000  # index.max_result_window: the most one plain search returns
KEEP_ALIVE = "2m"
# A scan whose page failed because a node holding part of its view died opens a new view and
# goes on after the last document it gave, at most this many times, once the index has its
# primaries again (waiting up to RESUME_WAIT for them, and RESUME_PAUSE, twice as long each
# time, before the new view: the cluster may not have seen the loss yet).
RESUMES = 3
RESUME_WAIT = 30  # seconds
RESUME_PAUSE = 1.0  # seconds
log = logging.getLogger(__name__)


class Reader:
    """Reads one archive's indexes; `alias` names it in messages about a red cluster."""

    def __init__(self, client: OpenSearch, alias: str, where: str):
        self.client, self.alias, self.where = client, alias, where

    def scan(self, index: str, query: dict, source: Any, sort: list | None = None,
             page: int = SCAN_PAGE, after: list | None = None) -> Iterator[dict]:
        """Every matching document (after the sort values `after`, if given), in pages of a
        point-in-time view (no 10,000 limit).

        `sort` orders them (default: by id); it must end in a unique field, as search_after
        resumes after the last document of a page. A view's shard contexts live on the nodes
        that opened it and cannot move to another copy, so when a node dies under the scan,
        it opens a new view once the index has its primaries again and goes on after the
        last document it gave (at most RESUMES times; a red index stops it with that
        message). Each document comes once; one written or deleted between the two views is
        seen as the second view sees it.
        """
        for resumes in range(RESUMES + 1):
            try:
                for hit in self.scan_view(self.open_view(index), query, source, sort, page, after):
                    after = hit["sort"]
                    yield hit
                return
            except (EngineUnavailable, ox.TransportError) as exc:
                if resumes == RESUMES or not _lost(exc) or not self._primaries(
                        index, RESUME_PAUSE * 2 ** resumes):
                    raise
                log.warning("a scan of %s lost its view with a node (%s); going on in a new "
                            "view", index, _brief(exc))

    def ids(self, index: str, query: dict) -> list[str]:
        """The ids of every matching document. Up to MAX_IDS of them come from one plain
        search, which OpenSearch runs on another copy of a shard whose node is gone (and
        the client sends again, archive.opensearch.client); only the rest take a `scan`
        after them, which waits for the index's primaries and opens a new view when it
        loses one. `add` asks this for every file."""
        answer = self.client.search(index=index, body={
            "size": MAX_IDS, "query": query, "_source": False, "track_total_hits": True,
            "sort": [{"id": "asc"}]})
        self.complete(answer)
        hits = answer["hits"]["hits"]
        if answer["hits"]["total"]["value"] > len(hits):
            hits += self.scan(index, query, False, after=hits[-1]["sort"])
        return [hit["_id"] for hit in hits]

    def open_view(self, index: str) -> str:
        """A point-in-time view of the index (its id); `scan_view` closes it."""
        return self.client.create_pit(index=index, params={"keep_alive": KEEP_ALIVE})["pit_id"]

    def search_view(self, pit: str, body: dict[str, Any]) -> dict[str, Any]:
        """One search in a point-in-time view, refused when some shards failed."""
        answer = self.client.search(body={**body, "pit": {"id": pit, "keep_alive": KEEP_ALIVE}})
        self.complete(answer)
        return answer

    def scan_view(self, pit: str, query: dict, source: Any, sort: list | None = None,
                  page: int = SCAN_PAGE, after: list | None = None) -> Iterator[dict]:
        """`scan` in a view opened by `open_view`, which it closes at the end: `page`
        documents a request, from after the sort values `after`. It stays in that one view
        (an export counts in it first), so a node lost under it stops it."""
        try:
            while True:
                answer = self.search_view(pit, _page(query, source, sort, page, after))
                pit = answer.get("pit_id", pit)
                hits = answer["hits"]["hits"]
                yield from hits
                if len(hits) < page:
                    return
                after = hits[-1]["sort"]
        finally:
            self._close(pit)

    def _close(self, pit: str) -> None:
        with contextlib.suppress(ox.OpenSearchException):
            self.client.delete_pit(body={"pit_id": [pit]})

    def _primaries(self, index: str, pause: float) -> bool:
        """Whether every primary of the index is active (yellow or green), after `pause`
        seconds and waiting up to RESUME_WAIT for a replica to be promoted. A cluster that
        cannot answer (electing a new manager) is asked again until the wait is over."""
        time.sleep(pause)
        deadline = time.monotonic() + RESUME_WAIT
        while (left := deadline - time.monotonic()) > 0:
            with contextlib.suppress(ox.OpenSearchException):
                health = self.client.cluster.health(
                    index=index, wait_for_status="yellow", timeout=f"{max(1, int(left))}s",
                    request_timeout=left + 30, ignore=408)
                if health.get("status") in ("yellow", "green"):
                    return True
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        return False

    def complete(self, answer: dict[str, Any]) -> None:
        """Refuse an answer some shards could not give (a partial count is a wrong count)."""
        shards = answer.get("_shards", {})
        if shards.get("failed"):
            reasons = {f.get("reason", {}).get("type", "?") for f in shards.get("failures", [])}
            cause = red_state(self.client, self.alias) or (
                f"{shards['failed']} of {shards.get('total')} shards failed "
                f"({', '.join(sorted(reasons))})")
            raise EngineUnavailable(f"{ENGINE} at {self.where}: {cause}", RED_HINT,
                                    public=f"{ENGINE}: {cause}")

    def stats(self, name: str) -> IndexStats:
        """Counts of what the concrete index `name` holds."""
        answer = self.client.search(index=name, body={
            "size": 0, "track_total_hits": True,
            "aggs": {"formats": {"terms": {"field": "format", "size": 1000}},
                     "dated": {"value_count": {"field": "published"}},
                     "oldest": {"min": {"field": "published", "format": "strict_date"}},
                     "newest": {"max": {"field": "published", "format": "strict_date"}}}})
        self.complete(answer)
        aggs = answer["aggregations"]
        store = self.client.indices.stats(index=name, metric="store")
        return IndexStats(
            articles=answer["hits"]["total"]["value"], generation=name,
            size_bytes=store["indices"][name]["primaries"]["store"]["size_in_bytes"],
            outlets=self.distinct(name, "outlet"), dated=int(aggs["dated"]["value"]),
            oldest=_day(aggs["oldest"]), newest=_day(aggs["newest"]),
            formats={b["key"]: b["doc_count"] for b in aggs["formats"]["buckets"]})

    def distinct(self, name: str, field: str) -> int:
        """How many distinct values a keyword field has (exact: composite pages)."""
        count, after = 0, None
        while True:
            composite: dict[str, Any] = {"size": 1000,
                                         "sources": [{"v": {"terms": {"field": field}}}]}
            if after is not None:
                composite["after"] = after
            answer = self.client.search(index=name, body={
                "size": 0, "aggs": {"values": {"composite": composite}}})
            self.complete(answer)
            values = answer["aggregations"]["values"]
            count += len(values["buckets"])
            after = values.get("after_key")
            if after is None or not values["buckets"]:
                return count

    def segments(self, name: str) -> int:
        """Segments of the index's primary shards."""
        shards = self.client.indices.segments(index=name)["indices"][name]["shards"]
        return sum(len(copy["segments"]) for copies in shards.values() for copy in copies
                   if copy["routing"]["primary"])


def _page(query: dict, source: Any, sort: list | None, page: int, after: list | None
          ) -> dict[str, Any]:
    body: dict[str, Any] = {"size": page, "query": query, "_source": source,
                            "sort": sort or [{"id": "asc"}], "track_total_hits": False}
    if after is not None:
        body["search_after"] = after
    return body


def _lost(exc: Exception) -> bool:
    """Whether a failed page may be a view lost with a node (not a request OpenSearch
    refuses, which a new view would not change)."""
    if isinstance(exc, EngineUnavailable):  # failed shards (`Reader.complete`)
        return True
    status = getattr(exc, "status_code", None)
    if status == 404:  # every context of the view gone (its root cause); not a missing index
        said = f"{exc} {getattr(exc, 'info', '')}"
        return "search_context_missing" in said or "No search context found" in said
    return isinstance(exc, ox.ConnectionError) or (isinstance(status, int) and status >= 500)


def _brief(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


def _day(aggregate: dict[str, Any]) -> dt.date | None:
    text = aggregate.get("value_as_string")
    return dt.date.fromisoformat(text[:10]) if aggregate.get("value") is not None and text \
        else None


__all__ = ["Reader", "SCAN_PAGE"]
