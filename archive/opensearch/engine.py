"""The OpenSearch implementation of the archive engine: writing, reading, statistics.

The archive is an alias (`settings.index`, "morgue") over one concrete index
(`morgue-<UTC time>-<random>`). A rebuild loads a new concrete index, refreshes and
counts it, waits until its shards are allocated, then moves the alias in one atomic
`_aliases` call and only then deletes the old index; a failure or Ctrl-C deletes the
half-built index and leaves the alias where it was, and a writer killed outright leaves
one that the next rebuild removes. Searching is archive.opensearch.searching: the same
SearchPage records as the Whoosh engine. Exports, the versions of a story and "more like
this" read the index through `archive.opensearch.exporting` and `archive.opensearch.related`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy import exceptions as ox

from archive.age import today as today_default
from archive.analysis import TOKENS, MarkedTerms, fold
from archive.dedup import StoryTable
from archive.errors import (ArticleNotFound, BadQuery, EngineUnavailable, IndexCorrupt,
                            IndexMissing, MappingConflict)
from archive.opensearch import client as connection
from archive.opensearch import exporting, related
from archive.opensearch.bulk import BulkWriter
from archive.opensearch.client import ENGINE, RED_HINT, guard, guarded, red_state
from archive.opensearch.compile import simplified
from archive.opensearch.lock import EngineLock
from archive.opensearch.mapping import (MAPPING_VERSION, from_source, index_body, mapping_version,
                                        serving_settings)
from archive.opensearch.reading import Reader
from archive.opensearch.searching import SEARCH_SECONDS, Search
from archive.opensearch.settings import OpenSearchSettings
from archive.opensearch.stories import IndexStoryTable, index_lookup
from archive.opensearch.writer import HOLD_BYTES, DocumentSink
from archive.parts import ArticlePart, marked_part
from archive.query import parse_query
from archive.ranking import DEFAULT as DEFAULT_RANKING
from archive.ranking import RankSettings
from archive.records import (Article, IndexStats, ResultStream, SearchPage, SearchRequest,
                             Version)
from archive.requests import FACET_LIMIT
from archive.related import MORE_LIKE_THIS

HEALTH_WAIT = "60s"  # for a rebuilt index's replicas before it is published anyway
LONG_REQUEST = 3600.0  # seconds: force-merge, health waits
log = logging.getLogger(__name__)


class OpenSearchArchive:
    """An archive kept in an OpenSearch cluster under an alias (see the module docstring)."""

    def __init__(self, settings: OpenSearchSettings):
        self.settings = settings
        self.alias = settings.index
        self._client: OpenSearch | None = None
        self._locks: list[EngineLock] = []  # held by this process

    def __repr__(self) -> str:
        return f"OpenSearchArchive({self.settings.where})"

    @property
    def client(self) -> OpenSearch:
        if self._client is None:
            self._client = connection.connect(self.settings)
        return self._client

    @property
    def _reader(self) -> Reader:
        return Reader(self.client, self.alias, self.settings.where)

    def _where(self, cause: str) -> str:
        return f"{ENGINE} at {self.settings.where}: {cause}"

    # -- names ---------------------------------------------------------------
    def _new_name(self) -> str:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        return f"{self.alias}-{stamp}-{secrets.token_hex(3)}"

    def _is_generation(self, name: str) -> bool:
        return re.fullmatch(re.escape(self.alias) + r"-\d{8}-\d{6}-[0-9a-f]{6}", name) is not None

    def _aliased(self) -> list[str]:
        """The concrete indexes behind the alias ([] when there is none); refuses an index
        of that name that is not an alias."""
        try:
            found = self.client.indices.get_alias(name=self.alias)
        except ox.NotFoundError:
            if self.client.indices.exists(index=self.alias):
                raise MappingConflict(
                    self._where(f"{self.alias!r} is an index that Morgue did not make (Morgue "
                                f"keeps its archive under an alias of that name)"),
                    hint="remove that index, or give Morgue another name with "
                         "ARCHIVE_OPENSEARCH_INDEX",
                    public=f"{ENGINE}: the index name is taken") from None
            return []
        return sorted(found)

    def _serving(self) -> str:
        """The concrete index the alias points to, checked to be of this mapping version."""
        names = self._aliased()
        if not names:
            raise IndexMissing(self._where(f"there is no index {self.alias!r} yet"))
        if len(names) > 1:
            raise MappingConflict(self._where(f"the alias {self.alias!r} points to "
                                              f"{len(names)} indexes ({', '.join(names)})"))
        name = names[0]
        version = mapping_version(self.client.indices.get_mapping(index=name)[name])
        if version != MAPPING_VERSION:
            made = "by another program" if version is None else f"with mapping {version}"
            raise MappingConflict(self._where(f"index {name} was made {made}; this version "
                                              f"of Morgue writes mapping {MAPPING_VERSION}"),
                                  public=f"{ENGINE}: the index is from another version")
        return name

    # -- writing -------------------------------------------------------------
    def lock(self) -> EngineLock:
        """The archive-wide writer lock; hold it around `rebuild()` and `update()`."""
        lock = EngineLock(self.client, self.settings, on_release=self._forget)
        self._locks.append(lock)
        return lock

    @guard
    def writing(self) -> bool:
        """Whether a writer holds the archive's lock now (e.g. a first reindex is running)."""
        return EngineLock(self.client, self.settings).taken()

    def _forget(self, lock: EngineLock) -> None:
        with contextlib.suppress(ValueError):
            self._locks.remove(lock)

    def _holds_lock(self) -> bool:
        return any(lock.held for lock in self._locks)

    def _check_lock(self) -> None:
        """Before publishing: the lock this process holds must still be its own."""
        for lock in self._locks:
            lock.check()

    def _create(self, name: str, loading: bool) -> None:
        self.client.indices.create(index=name, body=index_body(self.settings, loading),
                                   request_timeout=max(self.settings.timeout, 120))

    def _sink(self, name: str, stories, rebuild: bool) -> DocumentSink:
        """An update's sink holds its documents until the commit; a rebuild's sends batches."""
        bulk = BulkWriter(self.client, name, self.settings.where,
                          timeout=max(self.settings.timeout * 4, 120),
                          hold_bytes=0 if rebuild else HOLD_BYTES)
        refresh = (lambda: self.client.indices.refresh(index=name)) if rebuild else None
        return GuardedSink(bulk, stories, lambda f, v: self._ids(name, f, v), self, refresh)

    @contextlib.contextmanager
    def update(self) -> Iterator[DocumentSink]:
        """Add, replace or delete articles in the serving index; searchable when it ends."""
        with guarded(self.settings, self.client):
            names = self._aliased()
            if names:
                name = self._serving()
                self._require_writable(name)
            else:  # the first articles of an archive: an empty index to add them to
                name = self._new_name()
                self._create(name, loading=False)
                self._publish(name, [])
        sink = self._sink(name, IndexStoryTable(index_lookup(self.client, name)), rebuild=False)
        try:
            with guarded(self.settings, self.client):
                yield sink
            with guarded(self.settings, self.client):
                self._check_lock()
                sink.flush()
                self.client.indices.refresh(index=name)
        finally:
            sink.close()

    @contextlib.contextmanager
    def rebuild(self) -> Iterator[DocumentSink]:
        """Write a whole new index; the alias moves to it only once it is complete."""
        with guarded(self.settings, self.client):
            self._aliased()  # refuses an index that has the alias's name
            if self._holds_lock():
                self._remove_leftovers()
            name = self._new_name()
            self._create(name, loading=True)
        published = False
        folder = tempfile.TemporaryDirectory(prefix="morgue-stories-")
        table = StoryTable(Path(folder.name) / "stories.sqlite", bulk=True)
        sink = self._sink(name, table, rebuild=True)
        try:
            with guarded(self.settings, self.client):
                yield sink
            with guarded(self.settings, self.client):
                sink.flush()
                self.client.indices.put_settings(index=name, body=serving_settings(self.settings))
                self.client.indices.refresh(index=name, request_timeout=LONG_REQUEST)
                self._wait_allocated(name)
                # The articles handed to the sink, not the cluster's word for each: a bulk
                # request written whose answer was lost is sent again by the client, and its
                # documents then come back "updated", not "created".
                held, expected = self.client.count(index=name)["count"], sink.held
                if held != expected:
                    raise IndexCorrupt(self._where(
                        f"the new index {name} holds {held} articles, not the "
                        f"{expected} written; it was not published"))
                self._check_lock()
                old = self._aliased()
                self._publish(name, old)
                published = True
            self._drop(old)
        finally:
            sink.close()
            folder.cleanup()
            if not published:
                self._drop([name])

    def _publish(self, name: str, old: list[str]) -> None:
        """Point the alias at `name` instead of `old`, in one atomic call."""
        actions = [{"remove": {"index": o, "alias": self.alias}} for o in old]
        actions.append({"add": {"index": name, "alias": self.alias}})
        self.client.indices.update_aliases(body={"actions": actions})

    def _drop(self, names: list[str]) -> None:
        """Delete indexes that no longer serve (a failure is logged; the next rebuild retries)."""
        for name in names:
            try:
                self.client.indices.delete(index=name, request_timeout=max(self.settings.timeout,
                                                                           120))
            except ox.NotFoundError:
                pass
            except (ox.OpenSearchException, ox.ImproperlyConfigured) as exc:
                log.warning("could not delete index %s (the next rebuild will): %s", name,
                            connection.translate(exc, self.settings))

    def _remove_leftovers(self) -> None:
        """Delete indexes of this archive that no alias points to (left by a killed rebuild)."""
        found = self.client.indices.get_alias(index=f"{self.alias}-*",
                                              expand_wildcards="open,closed")
        stale = [name for name, info in found.items()
                 if self._is_generation(name) and self.alias not in info.get("aliases", {})]
        if stale:
            log.warning("removing indexes left by an interrupted rebuild: %s", ", ".join(stale))
            self._drop(sorted(stale))

    def _require_writable(self, name: str) -> None:
        red = red_state(self.client, name)
        if red:
            raise EngineUnavailable(self._where(red), RED_HINT, public=f"{ENGINE}: {red}")

    def _wait_allocated(self, name: str) -> None:
        """Wait until the index's shards are allocated: primaries always, replicas up to a limit."""
        nodes = self.client.cluster.health()["number_of_data_nodes"]
        replicas = self.settings.replicas
        want = "green" if replicas is None or nodes > replicas else "yellow"
        # A wait that ends before `want` is answered with HTTP 408 and the health as it is;
        # replicas of a big index may need longer to copy, and go on copying once published.
        health = self.client.cluster.health(index=name, wait_for_status=want,
                                            timeout=HEALTH_WAIT, request_timeout=LONG_REQUEST,
                                            ignore=408)
        if health["status"] == "red":
            raise EngineUnavailable(self._where(f"the new index {name} is red: its primary "
                                                f"shards cannot be allocated; it was not "
                                                f"published"), RED_HINT)
        if health["status"] != want:
            log.warning("index %s is %s, not %s, after %s; publishing it", name,
                        health["status"], want, HEALTH_WAIT)

    def optimize(self) -> tuple[int, int]:
        """Merge the serving index's segments into one per shard (hold `lock()`); before, after."""
        with guarded(self.settings, self.client):
            name = self._serving()
            before = self._reader.segments(name)
            if before > 1:
                self.client.indices.forcemerge(index=name, max_num_segments=1,
                                               request_timeout=LONG_REQUEST)
                self.client.indices.refresh(index=name)
            return before, self._reader.segments(name)

    # -- reading -------------------------------------------------------------
    @guard
    def exists(self) -> bool:
        return bool(self.client.indices.exists(index=self.alias))

    @guard
    def get(self, article_id: str) -> Article:
        """The article with this id; raises ArticleNotFound."""
        try:
            answer = self.client.get(index=self.alias, id=article_id)
        except ox.NotFoundError as exc:
            if isinstance(exc.info, dict) and "error" in exc.info:  # no index at all
                raise
            raise ArticleNotFound(f"no article with id {article_id!r}") from None
        return self._article(answer)

    def _article(self, hit: dict[str, Any]) -> Article:
        try:
            return from_source(hit["_source"])
        except (KeyError, TypeError, ValueError) as exc:
            raise MappingConflict(self._where(f"document {hit.get('_id')!r} is not an article "
                                              f"Morgue can read ({type(exc).__name__}: {exc})"),
                                  public=f"{ENGINE}: a document cannot be read") from None

    def _ids(self, index: str, field: str, value: str) -> list[str]:
        return self._reader.ids(index, {"term": {field: value}})

    @guard
    def ids_for_sha256(self, sha256: str) -> list[str]:
        return self._ids(self.alias, "sha256", sha256)

    @guard
    def path_digests(self) -> dict[str, str]:
        """Corpus path -> sha256 of every indexed file."""
        return {hit["_source"]["path"]: hit["_source"]["sha256"]
                for hit in self._reader.scan(self.alias, {"match_all": {}}, ["path", "sha256"])}

    @guard
    def stats(self) -> IndexStats:
        return self._reader.stats(self._serving())

    # -- searching (archive.opensearch.searching) ----------------------------
    ranking: RankSettings = DEFAULT_RANKING  # the ranking's free parameters (archive.ranking)
    search_seconds: float = SEARCH_SECONDS  # OpenSearch's time limit for a page's hits

    # -- exports and article tools (archive.opensearch.exporting, .related) -------------
    @guard
    def export(self, request: SearchRequest, today: dt.date | None = None) -> ResultStream:
        """Every article the search matches, in its order, read a page at a time."""
        return exporting.export(self._reader, self.alias, request, today or today_default(),
                                lambda: guarded(self.settings, self.client),
                                settings=self.ranking)

    @guard
    def versions(self, article: Article) -> list[Version]:
        """The other versions of an article's story (exact and near duplicates), earliest first."""
        return related.versions(self._reader, self.alias, article)

    @guard
    def more_like_this(self, article: Article, top: int = MORE_LIKE_THIS) -> list[Version]:
        """Articles on the same subjects (key terms of the body), other versions left out."""
        return related.more_like_this(self._reader, self.alias, article, top)

    @guard
    def search(self, request: SearchRequest, today: dt.date | None = None,
               with_facets: bool = True, facet_limit: int | None = FACET_LIMIT,
               **_options) -> SearchPage:
        """Run a search: matches, filters, facets, one page of hits with snippets."""
        searcher = Search(self.client, self.alias, self.settings.where, self.ranking,
                          self.search_seconds)
        return searcher.run(request, today or today_default(), with_facets, facet_limit)

    def marked_part(self, article: Article, query_text: str, number: int = 1) -> ArticlePart:
        """Part `number` of an article's body with the query's words marked (archive.parts)."""
        terms: frozenset[str] = frozenset()
        if query_text.strip():
            with contextlib.suppress(BadQuery):
                tree = simplified(parse_query(query_text).tree)[0]
                terms = MarkedTerms(tree).expand([article.title, article.body])
        return marked_part(article.title, article.body, number, terms, fold, TOKENS)


class GuardedSink(DocumentSink):
    """A DocumentSink whose failures are domain errors (callers may handle them per file)."""

    def __init__(self, bulk, stories, indexed_ids, archive: OpenSearchArchive, refresh=None):
        super().__init__(bulk, stories, indexed_ids, refresh)
        self.settings, self.client = archive.settings, archive.client

    add = guard(DocumentSink.add)
    delete = guard(DocumentSink.delete)
    delete_path = guard(DocumentSink.delete_path)
    flush = guard(DocumentSink.flush)


__all__ = ["OpenSearchArchive"]
