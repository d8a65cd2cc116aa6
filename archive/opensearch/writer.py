"""One write transaction into an OpenSearch index: the `ArticleWriter` of update() and rebuild().

Articles become documents with their story fields (archive.opensearch.stories) and go
through a `BulkWriter`. An update holds its operations until the commit (up to
`HOLD_BYTES`; a larger update is sent as it goes), so a failure before the commit
changes nothing; a rebuild sends them in batches as they come, into an index nothing
reads yet. Deletions are queued in order with the additions, so "delete this path,
then add its new articles" does what it says.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from archive.dedup import Fingerprint, fingerprint
from archive.opensearch.bulk import BulkWriter
from archive.opensearch.mapping import to_source
from archive.opensearch.stories import Sequence, story_source
from archive.records import Article

HOLD_BYTES = 64 * 1024 * 1024


class DocumentSink:
    """Receives articles for one write transaction (see `OpenSearchArchive.update/rebuild`)."""

    def __init__(self, bulk: BulkWriter, stories,
                 indexed_ids: Callable[[str, str], list[str]],
                 refresh: Callable[[], None] | None = None):
        self._bulk = bulk
        self._stories = stories  # a story table: assign(id, fingerprint), close()
        self._sequence = Sequence()
        # indexed_ids(field, value): ids of committed documents with that path or id.
        self._indexed_ids = indexed_ids
        # An update remembers the ids it adds per path (the index shows them only after its
        # commit); a rebuild, which may add millions, sends and refreshes before looking.
        self._refresh = refresh
        self._paths: dict[str, set[str]] | None = defaultdict(set) if refresh is None else None
        self.added = 0

    def add(self, article: Article, fingerprint_: Fingerprint | None = None) -> None:
        """Add (or replace) an article; `fingerprint_` saves computing it here (archive.dedup)."""
        fp = fingerprint_ if fingerprint_ is not None else fingerprint(article.title,
                                                                      article.body)
        key = self._stories.assign(article.id, fp)
        source = to_source(article, story_source(key, fp, self._sequence.next()))
        self._bulk.index_doc(article.id, source)
        if self._paths is not None:
            self._paths[article.path].add(article.id)
        self.added += 1

    def delete(self, article_id: str) -> None:
        self._bulk.delete_doc(article_id)

    def delete_path(self, path: str) -> None:
        """Delete every article of a corpus file (committed ones, and this transaction's)."""
        if self._paths is None:
            self._bulk.flush()
            self._refresh()
            ids = set(self._indexed_ids("path", path))
        else:
            ids = set(self._indexed_ids("path", path)) | self._paths.pop(path, set())
        for doc_id in sorted(ids):
            self._bulk.delete_doc(doc_id)

    @property
    def held(self) -> int:
        """The documents a rebuild's new index must hold: every article added (ids are unique
        in a rebuild) less those the cluster reported deleting."""
        return self.added - self._bulk.deleted

    def flush(self) -> None:
        self._bulk.flush()

    def close(self) -> None:
        self._stories.close()


__all__ = ["DocumentSink", "HOLD_BYTES"]
