"""Batched writes to one index: bounded batches, retries when the cluster is busy, every
failed document reported.

Operations are sent in order, in batches of at most `max_docs` documents and
`max_bytes` bytes. A batch the cluster turns away as a whole with 429 (too many
requests), and the documents of a batch it rejects one by one with 429, are sent again
after a pause that doubles each time. Any other failed document stops the writing with
a domain error naming the documents and the reason: a read-only (full) index, a
mapping conflict, or what OpenSearch said.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy import exceptions as ox

from archive.errors import EngineError, EngineFull, EngineUnavailable, MappingConflict
from archive.opensearch.client import ENGINE, MAPPING_ERRORS, is_flood_block

MAX_DOCS = 500
MAX_BYTES = 8 * 1024 * 1024
RETRIES = 6  # pauses of 0.5, 1, 2, 4, 8, 16 s: about half a minute in all
FIRST_PAUSE = 0.5


@dataclass
class _Op:
    doc_id: str
    lines: str  # the action line and, for an index operation, the document: NDJSON
    size: int


@dataclass
class BulkWriter:
    """Queues index and delete operations for one index and sends them in batches."""

    client: OpenSearch
    index: str
    where: str  # the cluster and index, for messages
    timeout: float = 120.0
    max_docs: int = MAX_DOCS
    max_bytes: int = MAX_BYTES
    hold_bytes: int = 0  # keep up to this many bytes queued (sent at `flush()`), not max_bytes
    sleep: Callable[[float], None] = time.sleep
    deleted: int = 0  # documents the cluster reported deleting
    _queue: list[_Op] = field(default_factory=list)
    _queued_bytes: int = 0

    def index_doc(self, doc_id: str, source: dict[str, Any]) -> None:
        """Queue a document (replacing any with its id)."""
        action = json.dumps({"index": {"_index": self.index, "_id": doc_id}})
        self._put(_Op(doc_id, f"{action}\n{json.dumps(source, ensure_ascii=False)}\n", 0))

    def delete_doc(self, doc_id: str) -> None:
        """Queue the removal of a document (nothing happens when there is none)."""
        action = json.dumps({"delete": {"_index": self.index, "_id": doc_id}})
        self._put(_Op(doc_id, action + "\n", 0))

    def _put(self, op: _Op) -> None:
        op.size = len(op.lines.encode("utf-8"))
        self._queue.append(op)
        self._queued_bytes += op.size
        limit = max(self.hold_bytes, self.max_bytes)
        if self._queued_bytes >= limit or (not self.hold_bytes
                                           and len(self._queue) >= self.max_docs):
            self.flush()

    def flush(self) -> None:
        """Send everything queued, in batches; raises a domain error for failed documents."""
        queue, self._queue, self._queued_bytes = self._queue, [], 0
        batch: list[_Op] = []
        size = 0
        for op in queue:
            if batch and (len(batch) >= self.max_docs or size + op.size > self.max_bytes):
                self._send(batch)
                batch, size = [], 0
            batch.append(op)
            size += op.size
        if batch:
            self._send(batch)

    def _send(self, batch: list[_Op]) -> None:
        pause = FIRST_PAUSE
        for attempt in range(RETRIES + 1):
            try:
                answer = self.client.bulk(body="".join(op.lines for op in batch),
                                          request_timeout=self.timeout)
            except ox.TransportError as exc:
                if exc.status_code != 429 or _is_block(exc) or attempt == RETRIES:
                    raise
                self.sleep(pause)
                pause *= 2
                continue
            batch = self._results(batch, answer["items"])
            if not batch:
                return
            if attempt == RETRIES:
                break
            self.sleep(pause)
            pause *= 2
        raise EngineUnavailable(
            f"{ENGINE} at {self.where}: the cluster kept refusing {len(batch)} documents as too "
            f"busy (429) after {RETRIES} retries", "try again when the cluster is less loaded",
            public=f"{ENGINE}: the cluster is too busy to accept writes")

    def _results(self, batch: list[_Op], items: list[dict]) -> list[_Op]:
        """Count what was done; the operations to send again (429); raise for failures."""
        again: list[_Op] = []
        failed: list[tuple[str, str, str]] = []
        for op, item in zip(batch, items, strict=False):
            (action, result), = item.items()
            status = result.get("status", 500)
            error = result.get("error")
            if error is None:
                # "created" and "updated" are not counted: a request sent again after its
                # answer was lost gets "updated" for what the first one wrote.
                if result.get("result") == "deleted":
                    self.deleted += 1
                continue
            kind = error.get("type", "") if isinstance(error, dict) else str(error)
            reason = error.get("reason", "") if isinstance(error, dict) else ""
            if status == 429 and kind != "cluster_block_exception":
                again.append(op)
            else:
                failed.append((op.doc_id, kind, reason))
        if failed:
            raise self._failure(failed)
        return again

    def _failure(self, failed: list[tuple[str, str, str]]) -> EngineError:
        doc_id, kind, reason = failed[0]
        ids = ", ".join(d for d, _k, _r in failed[:5]) + (" ..." if len(failed) > 5 else "")
        what = f"{len(failed)} document{'s' if len(failed) > 1 else ''} ({ids}) refused"
        if is_flood_block(kind, reason):
            cls, cause = EngineFull, ("writes are refused: a disk passed the flood-stage "
                                      f"watermark and the index is read-only ({reason})")
        elif kind in MAPPING_ERRORS or "mapper" in reason:
            cls, cause = MappingConflict, f"the index's mapping does not fit ({kind}: {reason})"
        else:
            cls, cause = EngineError, f"{kind}: {reason}"
        return cls(f"{ENGINE} at {self.where}: {what}: {cause}", public=f"{ENGINE}: {cause}")


def _is_block(exc: ox.TransportError) -> bool:
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    return isinstance(error, dict) and "cluster_block_exception" in json.dumps(error)


__all__ = ["BulkWriter", "MAX_DOCS", "MAX_BYTES"]
