"""Story keys (archive.dedup) when the index lives in OpenSearch.

Every document carries its fingerprint as keyword fields (`story_digest`,
`story_bands`), its MinHash values (`story_sig`) and its write order (`story_seq`).
An update asks the serving index for an earlier version of each new article (one
`_msearch`: the same digest, or a shared band), then the articles of its own
transaction, which the index does not show before the commit's refresh. So any machine
writing gets the same story keys. A rebuild writes a new index that nothing else writes
to: its articles are all in this process, and a `StoryTable` in a temporary file
looks them up as the Whoosh engine does.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

from opensearchpy import OpenSearch

from archive.dedup import MAX_CANDIDATES, Fingerprint, StoryTable, first_similar


def story_source(key: str, fp: Fingerprint | None, seq: int) -> dict[str, Any]:
    """The story fields of a document."""
    source: dict[str, Any] = {"story": key, "story_seq": seq}
    if fp is not None:
        source["story_digest"] = str(fp.digest)
        source["story_bands"] = [str(band) for band in fp.bands]
        if fp.signature is not None:
            source["story_sig"] = base64.b64encode(fp.signature).decode("ascii")
    return source


class Sequence:
    """Write order across processes and machines: microseconds of the clock, never repeating."""

    def __init__(self, clock: Callable[[], int] = time.time_ns):
        self._clock = clock
        self._last = 0

    def next(self) -> int:
        self._last = max(self._last + 1, self._clock() // 1000)
        return self._last


def index_lookup(client: OpenSearch, index: str) -> Callable[[Fingerprint], str | None]:
    """`find(fp)`: the story key of the earliest indexed version of a fingerprint, if any."""
    def find(fp: Fingerprint) -> str | None:
        order = [{"story_seq": {"order": "asc", "unmapped_type": "long"}}]
        searches: list[dict] = [
            {"index": index},
            {"size": 1, "query": {"term": {"story_digest": str(fp.digest)}}, "sort": order,
             "_source": ["story"]}]
        if fp.signature is not None and fp.bands:
            searches += [
                {"index": index},
                {"size": MAX_CANDIDATES, "sort": order, "_source": ["story", "story_sig"],
                 "query": {"terms": {"story_bands": [str(b) for b in fp.bands]}}}]
        answers = client.msearch(body=searches)["responses"]
        for answer in answers:
            if "error" in answer:
                raise _search_error(answer)
        same = answers[0]["hits"]["hits"]
        if same:
            return same[0]["_source"]["story"]
        if len(answers) < 2:
            return None
        candidates = [(hit["_source"]["story"], _signature(hit["_source"]))
                      for hit in answers[1]["hits"]["hits"]]
        return first_similar(candidates, fp)
    return find


def _signature(source: dict[str, Any]) -> bytes | None:
    sig = source.get("story_sig")
    return base64.b64decode(sig) if sig else None


def _search_error(answer: dict[str, Any]) -> Exception:
    from opensearchpy import exceptions as ox

    error = answer["error"]
    status = answer.get("status", 500)
    kind = error.get("type", "error") if isinstance(error, dict) else str(error)
    cls = ox.HTTP_EXCEPTIONS.get(status, ox.TransportError)
    return cls(status, kind, {"error": error})


class IndexStoryTable:
    """A `StoryTable` for an update: the serving index first, then this transaction's articles."""

    def __init__(self, find_indexed: Callable[[Fingerprint], str | None]):
        self._find_indexed = find_indexed
        self._pending = StoryTable()  # in memory: the articles written since the last commit

    def assign(self, article_id: str, fp: Fingerprint | None) -> str:
        if fp is None:  # no text: a story of its own
            return article_id
        key = self._find_indexed(fp) or self._pending.find(fp) or article_id
        self._pending.insert(key, fp)
        return key

    def commit(self) -> None:
        """Nothing to do: the story fields are in the documents."""

    def close(self) -> None:
        self._pending.close()


__all__ = ["IndexStoryTable", "Sequence", "index_lookup", "story_source"]
