"""The engine-neutral interface every part outside `archive/` programs against.

`open_archive(config)` returns an object with this interface: the Whoosh
implementation (the default), or the OpenSearch one (archive.opensearch), chosen by
the configuration; the indexer, the web app and the CLI use either the same way.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from archive.config import Config
from archive.dedup import Fingerprint
from archive.parts import ArticlePart
from archive.records import Article, IndexStats, SearchPage, SearchRequest

if TYPE_CHECKING:
    from archive.ranking import RankSettings


class ArticleWriter(Protocol):
    """One write transaction: everything becomes visible together when it ends."""

    added: int

    # Add, or replace the article with its id. The fingerprint (archive.dedup) may be computed
    # beforehand, in the indexer's worker processes; an engine computes it when it is None.
    def add(self, article: Article, fingerprint: Fingerprint | None = None) -> None: ...
    def delete(self, article_id: str) -> None: ...
    def delete_path(self, path: str) -> None: ...


class Archive(Protocol):
    """What the rest of Morgue may ask of a search engine."""

    def exists(self) -> bool: ...
    def lock(self) -> AbstractContextManager: ...
    def writing(self) -> bool: ...  # whether a writer holds the lock now (any process)
    def rebuild(self) -> AbstractContextManager[ArticleWriter]: ...
    def update(self) -> AbstractContextManager[ArticleWriter]: ...
    def search(self, request: SearchRequest, today: dt.date | None = None,
               with_facets: bool = True) -> SearchPage: ...
    def get(self, article_id: str) -> Article: ...
    # One part of the body (archive.parts) with the query's words marked.
    def marked_part(self, article: Article, query_text: str, number: int = 1) -> ArticlePart: ...
    def ids_for_sha256(self, sha256: str) -> list[str]: ...
    def path_digests(self) -> dict[str, str]: ...
    def stats(self) -> IndexStats: ...
    def optimize(self) -> tuple[int, int]: ...  # merge the index's parts; (before, after)


def open_archive(config: Config, result_cache: int = 256,
                 ranking: RankSettings | None = None) -> Archive:
    """The archive for a configuration (the index need not exist yet).

    `result_cache` is how many recent search pages are kept per index state (0: none;
    Whoosh only); `ranking` the ranking's free parameters (default:
    `archive.ranking.DEFAULT`; OpenSearch takes BM25's k1 and b from its index). `config.engine` chooses the engine: "whoosh" (an index
    folder) or "opensearch" (a cluster, see archive.opensearch).
    """
    if config.engine == "opensearch":
        from archive.opensearch.engine import OpenSearchArchive

        engine = OpenSearchArchive(config.opensearch)
        if ranking is not None:
            engine.ranking = ranking
        return engine
    from archive.whoosh.engine import WhooshArchive

    if ranking is None:
        return WhooshArchive(config.index_dir, result_cache=result_cache)
    return WhooshArchive(config.index_dir, result_cache=result_cache, ranking=ranking)
