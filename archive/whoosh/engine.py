"""The Whoosh implementation of the archive engine: writing, searching, facets, snippets."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import multiprocessing as mp
import os
import time
from pathlib import Path
from typing import Iterator

import numpy as np
from whoosh import query as wq

from archive.whoosh import facets as fc
from archive.age import today as today_default
from archive.errors import ArchiveError, ArticleNotFound, BadQuery, IndexCorrupt
from archive.query import DateRange, parse_date_range
from archive.whoosh.compile import WhooshQuery, parse_query
from archive.ranking import DEFAULT as DEFAULT_RANKING, RankSettings
from archive.records import (Article, Facet, Hit, IndexStats, SearchPage,
                             SearchRequest)
from archive.requests import (FACET_ORDER, FACET_TITLES, HIT_BODY_CHARS, MAX_PAGE, MAX_PAGE_SIZE,  # noqa: F401
                              SPECIAL_FILTERS, check_request, facet_value, filter_names,
                              make_facet)
from archive.parts import ArticlePart, marked_part
from archive.snippets import PageSnippets
from archive.whoosh.terms import query_terms
from archive.whoosh.store import (INDEX_NAME, ArchiveLock, IndexStore, SearcherPool,
                                  die_with_parent)
from archive.whoosh.writing import whoosh_writer
from archive.whoosh.schema import FACET_FIELDS, from_stored, to_document
from archive.whoosh import fastrank, postings, ranking, reporter, stories
from archive.whoosh.budget import Budget, timed_search
from archive.dedup import Fingerprint
from archive.whoosh.docset import DocSet, union_all
from archive.whoosh import export
from archive.records import ResultStream, Version

SEGMENT_CACHE = "segment-cache"  # per-segment column arrays, in each generation folder


class ArticleSink:
    """Receives articles for one write transaction (see `WhooshArchive.update/rebuild`)."""

    def __init__(self, writer, rebuild: bool, generation: Path, indexed=None):
        self._writer = writer
        self._rebuild = rebuild
        self.added = 0
        self._stories = stories.writer_clusterer(generation, rebuild)
        # indexed(field, value): whether a committed article has it. Whoosh's writer answers
        # that by opening a reader over the whole index (about a second at a million
        # articles); the archive's own searcher is already open.
        self._indexed = indexed or (lambda field, value: True)

    def add(self, article: Article, fingerprint: Fingerprint | None = None) -> None:
        """Add (or replace) an article; `fingerprint` saves computing it here (archive.dedup)."""
        doc = to_document(article)
        doc.update(stories.story_fields(self._stories, article, fingerprint))
        if self._rebuild or not self._indexed("id", article.id):
            self._writer.add_document(**doc)
        else:
            self._writer.update_document(**doc)
        self.added += 1

    def delete(self, article_id: str) -> None:
        if self._indexed("id", article_id):
            self._writer.delete_by_term("id", article_id)

    def delete_path(self, path: str) -> None:
        if self._indexed("path", path):
            self._writer.delete_by_term("path", path)

    def _commit_stories(self) -> None:
        """Commit the story table (just before the index: its extra rows are harmless)."""
        self._stories.table.commit()

    def _close(self) -> None:
        self._stories.table.close()


class WhooshArchive:
    """An archive stored in a Whoosh index directory."""

    def __init__(self, index_dir: str | Path, result_cache: int = 256,
                 writer_procs: int | None = None, ranking: RankSettings = DEFAULT_RANKING):
        self.index_dir = Path(index_dir)
        self.ranking = ranking  # the ranking's free parameters (archive.whoosh.ranking)
        # Processes that analyse and write a rebuild (archive.whoosh.parallel): one per core, up to 4.
        self.writer_procs = writer_procs or min(4, max(1, len(os.sched_getaffinity(0))))
        self.store = IndexStore(self.index_dir)
        self.pool = SearcherPool(self.store)
        self.columns = fc.ColumnCache(directory=self._segment_cache_dir)
        self.results = fc.ResultCache(result_cache)
        self._schema = None

    # -- writing -----------------------------------------------------------
    def lock(self) -> ArchiveLock:
        """The archive-wide writer lock; hold it around `rebuild()` and `update()`."""
        return ArchiveLock(self.index_dir)

    def writing(self) -> bool:
        """Whether another process holds the writer lock now (its pid is in the lock file)."""
        return ArchiveLock.held_by_live_process(self.index_dir)

    @contextlib.contextmanager
    def rebuild(self) -> Iterator[ArticleSink]:
        """Write a whole new index; it serves only once everything is committed."""
        ix, name = self.store.new_generation()
        sink = None
        try:
            with whoosh_writer(ix, self.index_dir, procs=self.writer_procs) as writer:
                sink = ArticleSink(writer, rebuild=True, generation=self.index_dir / name)
                yield sink
                sink._commit_stories()
            written = ix.doc_count_all()
            if written != sink.added:
                raise IndexCorrupt(f"the new index holds {written} articles, not the "
                                   f"{sink.added} written; it was not published")
            ix.close()
        except BaseException:
            ix.close()
            if sink is not None:
                sink._close()
            self.store.discard(name)
            raise
        sink._close()
        self.store.publish(name)
        self.prepare()

    def prepare(self) -> None:
        """Compute the per-segment arrays searches need and keep them beside the index.

        Run after a rebuild, so the first search of every new process only reads
        them; without it the first search of the first process computes them.
        """
        try:
            searcher = self._searcher()
            for facet in FACET_FIELDS:
                self.columns.facet_arrays(searcher, facet)
            self.columns.date_arrays(searcher)
            lengths = self._lengths(searcher)
            for field in ("title", "body"):
                lengths(field)
            self.columns.story_codes(searcher)
            self._build_posting_arrays(searcher)
        except ArchiveError:  # a missing or damaged index is reported by the next search
            pass

    def _build_posting_arrays(self, searcher) -> None:
        """Decoded postings of each large segment's frequent terms (archive.whoosh.postings).

        One process per segment, up to `writer_procs` at a time, each reading its
        segment through plain files (see `postings.build_from_files`). A failure
        only costs speed: that segment is read through Whoosh.
        """
        folder = self._segment_cache_dir(searcher)
        if folder is None:
            return
        todo = [segid for sub, _offset in searcher.reader().leaf_readers()
                for segid in (fc.segment_id(sub),)
                if isinstance(segid, str) and sub.doc_count_all() >= postings.MIN_SEGMENT_DOCS
                and not postings.complete(folder, segid)]
        ctx = mp.get_context("fork")
        running: list = []
        for segid in todo:
            if len(running) >= max(1, self.writer_procs):
                running.pop(0).join()
            task = ctx.Process(target=_build_arrays, daemon=True,
                               args=(folder.parent, INDEX_NAME, segid, folder, os.getpid()))
            task.start()
            running.append(task)
        for task in running:
            task.join()

    @contextlib.contextmanager
    def update(self) -> Iterator[ArticleSink]:
        """Add, replace or delete articles in the serving index (one commit at the end)."""
        if not self.store.exists():
            ix, name = self.store.new_generation()
            ix.close()
            self.store.publish(name)
        ix, name = self.store.open()
        sink = None
        try:
            with whoosh_writer(ix, self.index_dir) as writer:
                sink = ArticleSink(writer, rebuild=False, generation=self.index_dir / name,
                                   indexed=self._indexed)
                yield sink
                sink._commit_stories()
        finally:
            if sink is not None:
                sink._close()
            ix.close()
        # Whoosh merges small segments as it commits: their arrays are no longer needed.
        self._drop_unused_arrays()

    def _drop_unused_arrays(self) -> None:
        """Delete the segment-cache files of segments the serving index no longer has.

        A server still searching an older state loses nothing: arrays it loaded are
        in memory (or memory-mapped, which keeps a deleted file readable), and any it
        still needs are built again from its open segments.
        """
        try:
            ix, name = self.store.open()
        except ArchiveError:
            return
        try:
            keep = {seg.segment_id() for seg in ix._segments()}
        finally:
            ix.close()
        postings.remove_unused(self.index_dir / name / SEGMENT_CACHE, keep)

    def optimize(self) -> tuple[int, int]:
        """Merge the serving index's segments into one (hold `lock()`); segments before, after.

        A rebuild writes one segment per writer process and every `add` a small
        one; searches read each segment, so merging makes them a little faster.
        """
        ix, _name = self.store.open()
        try:
            before = len(ix._segments())
            if before > 1:
                with whoosh_writer(ix, self.index_dir, optimize=True):
                    pass
            after = ix._segments()
        finally:
            ix.close()
        self._drop_unused_arrays()  # of the merged-away segments
        self.prepare()  # the merged segment's arrays
        return before, len(after)

    # -- reading -----------------------------------------------------------
    def _searcher(self):
        searcher = self.pool.searcher()
        self._schema = searcher.schema
        return searcher

    def exists(self) -> bool:
        return self.store.exists()

    def get(self, article_id: str) -> Article:
        """The article with this id; raises ArticleNotFound."""
        searcher = self._searcher()
        stored = searcher.document(id=article_id)
        if stored is None:
            raise ArticleNotFound(f"no article with id {article_id!r}")
        return from_stored(stored)

    def ids_for_sha256(self, sha256: str) -> list[str]:
        searcher = self._searcher()
        return [f["id"] for f in searcher.documents(sha256=sha256)]

    def path_digests(self) -> dict[str, str]:
        """Corpus path -> sha256 of every indexed file."""
        searcher = self._searcher()
        return {f["path"]: f["sha256"] for f in searcher.all_stored_fields()}

    def stats(self) -> IndexStats:
        searcher = self._searcher()
        live = np.flatnonzero(self.columns.live(searcher))
        ordinals = self.columns.array(searcher, "date")[live]
        dates = ordinals[ordinals > 0].tolist()
        outlets = self.columns.count_facet(searcher, "outlet", live)
        formats = self.columns.count_facet(searcher, "format", live)
        return IndexStats(
            articles=len(live), generation=self.pool.generation,
            size_bytes=self.store.size_bytes(), outlets=len(outlets), dated=len(dates),
            oldest=dt.date.fromordinal(min(dates)) if dates else None,
            newest=dt.date.fromordinal(max(dates)) if dates else None,
            formats=dict(formats.most_common()))

    def marked_part(self, article: Article, query_text: str, number: int = 1) -> ArticlePart:
        """Part `number` of the article's body with the query's words marked (archive.parts)."""
        searcher = self._searcher()
        terms: frozenset[str] = frozenset()
        if query_text.strip():
            with contextlib.suppress(BadQuery):
                parsed = parse_query(query_text, searcher.schema)
                terms = query_terms(parsed.query, searcher.reader())
        body = searcher.schema["body"]
        return marked_part(article.title, article.body, number, terms, body.fold, body.tokens)

    def search(self, request: SearchRequest, today: dt.date | None = None,
               with_facets: bool = True, facet_limit: int | None = fc.FACET_LIMIT,
               _stream: bool = False) -> SearchPage:
        """Run a search: matching set, filters, facet counts, one page of hits with snippets.

        Pages are cached per index state (see ResultCache): a commit empties the cache.
        """
        started = time.perf_counter()
        today = today or today_default()
        self._check(request)
        searcher = self._searcher()
        key = (request, today, with_facets, facet_limit)
        if not _stream and self.results.size:
            cached = self.results.get(searcher, key)
            if cached is not None:
                return dataclasses.replace(cached, seconds=time.perf_counter() - started)
        page = self._search(request, searcher, today, with_facets, facet_limit, _stream, started)
        if not _stream:
            self.results.put(searcher, key, page)
        return page

    def _search(self, request, searcher, today, with_facets, facet_limit, _stream, started):
        settings = self.ranking
        parsed = parse_query(request.query, searcher.schema, settings.field_boosts())
        reader = searcher.reader()
        budget = Budget()
        parsed = reporter.within_budget(parsed, reader, budget)
        understood = parsed  # what the explainer shows (ranking may rewrite `parsed`)
        # postings read once per search (archive.whoosh.fastrank), and the decoded arrays of
        # frequent terms (archive.whoosh.postings)
        memo: dict = {fastrank.ARRAYS: self._posting_arrays(searcher)}
        if parsed.query is None:
            matched = DocSet.from_mask(self.columns.live(searcher))
        else:
            matched = self._matches(searcher, parsed.query, memo)
        for rng in parsed.dates:
            matched = matched & self._in_range(searcher, rng)

        filter_sets = self._filter_sets(request, searcher, today)
        final = matched
        for docs in filter_sets.values():
            final = final & docs
        rank = ranking.Ranking(ranking.ranked(parsed, settings))
        loose = ranking.widen(parsed, len(final), request.page_size, settings)
        if loose is not None:  # too few have every word: widen to most of them
            wider = self._matches(searcher, loose.query, memo)
            for rng in parsed.dates:
                wider = wider & self._in_range(searcher, rng)
            wider_final = wider
            for docs in filter_sets.values():
                wider_final = wider_final & docs
            if len(wider_final) > len(final):
                rank = ranking.fallback_ranking(parsed, loose, len(final), settings)
                matched, final = wider, wider_final
        parsed = rank.parsed
        marking = parsed.query  # snippets mark these words (not the feedback words added below)
        if _stream:  # export(): the same matches, every one of them
            return self._stream(request, parsed, searcher, final, budget)

        facet_list: list[Facet] = []
        if with_facets:
            for name in FACET_ORDER:
                base = matched
                for other, docs in filter_sets.items():
                    if other != name:
                        base = base & docs
                facet = self._facet(name, base, request, searcher, today)
                if facet is not None:
                    facet_list.append(reporter.truncate_facet(facet, facet_limit))

        # Relevance feedback words re-order the matches of a long query (they add none, so
        # that pass keeps the filter).
        expanded = None
        if request.sort == "relevance" and not budget.heavy:
            expanded = ranking.expand(searcher, parsed, final, self._lengths(searcher), memo,
                                      settings)
            parsed = expanded or parsed
        # Without filters the ranking pass needs no filter set.
        hits = self._page(request, parsed, searcher, final, budget, memo=memo, marking=marking,
                          filtered=bool(filter_sets or parsed.dates) or parsed.query is None
                          or rank.widened or expanded is not None)
        notes = []
        if parsed.dates:
            notes.append("dates: " + ", ".join(r.label() for r in parsed.dates))
        notes.extend(rank.notes)
        notes.extend(budget.notes)
        extra = reporter.extras(self.columns, searcher, understood, request, matched, filter_sets,
                                final, today)
        return SearchPage(request=request, total=len(final), hits=tuple(hits),
                          facets=tuple(facet_list), seconds=time.perf_counter() - started,
                          notes=tuple(notes), partial=budget.partial, **extra)

    # -- search helpers ----------------------------------------------------
    @staticmethod
    def _check(request: SearchRequest) -> None:
        check_request(request)

    def _in_range(self, searcher, rng: DateRange) -> DocSet:
        return self.columns.date_docs(searcher, *rng.bounds())

    def _filter_sets(self, request, searcher, today) -> dict[str, DocSet]:
        sets: dict[str, DocSet] = {}
        size = searcher.reader().doc_count_all()
        for name in filter_names(request):
            values = request.filter_values(name)
            if name in FACET_FIELDS:
                by_value = self.columns.value_docs(searcher, name)
                chosen = [by_value[k] for k in map(facet_value, values)
                          if k in by_value]
                # Deleted documents may be in the column; the matched set (live
                # documents only) is always intersected with these sets.
                sets[name] = chosen[0] if len(chosen) == 1 else union_all(chosen, size)
                continue
            if name == "year":  # (values checked by check_request)
                sets[name] = self.columns.year_docs(searcher, set(values))
            elif name == "age":
                sets[name] = self.columns.age_docs(searcher, set(values), today)
            elif name == "date":
                parts = []
                for v in values:
                    if v == "unknown":
                        parts.append(self.columns.undated_docs(searcher))
                    else:
                        low, high = parse_date_range(v, "filter date").bounds()
                        parts.append(self.columns.date_docs(searcher, low, high))
                sets[name] = union_all(parts, size)
        return sets

    def _facet(self, name, docs, request, searcher, today) -> Facet | None:
        if name == "year":
            counts = self.columns.count_years(searcher, docs)
        elif name == "age":
            counts = self.columns.count_ages(searcher, docs, today)
        else:
            counts = self.columns.count_facet(searcher, name, docs)
        return make_facet(name, counts, request)

    def _page(self, request: SearchRequest, parsed: WhooshQuery, searcher,
              final: DocSet, budget: Budget | None = None, filtered: bool = True,
              memo: dict | None = None, marking=None) -> list[Hit]:
        """One page of hits with snippets; `marking` is the query whose words they mark."""
        start = (request.page - 1) * request.page_size
        end = start + request.page_size
        if not final or start >= len(final):
            return []
        budget = budget or Budget()
        q = parsed.query if parsed.query is not None else wq.Every()
        with_terms = parsed.query is not None and not budget.heavy
        kwargs = {"filter": final if filtered else None, "limit": end, "terms": with_terms}
        groups = None
        scores: dict[int, float] = {}
        ranked = None  # every match best first, scored with numpy (archive.whoosh.fastrank)
        if request.sort == "relevance" and parsed.query is not None and not budget.heavy:
            ranked = fastrank.rank(searcher, parsed.query, final, self._lengths(searcher), memo)
        versions_of: dict[int, int] | None = None
        if request.group and (ranked is not None or request.sort != "relevance"
                              or parsed.query is None):
            # One hit per story, its earliest matching version: with arrays (archive.whoosh.stories).
            story_col = stories.LeafColumn(searcher, "story")  # read for shown hits only
            docs = ranked[0] if ranked is not None else final.ids
            page = stories.page_of_story_codes(
                self.columns.story_codes(searcher), docs,
                self.columns.date_arrays(searcher)[0], request.sort, start, end, ranked)
            shown, versions_of = page.shown, page.versions
            scores.update(page.scores)
        elif request.group:  # the same, ranked by Whoosh (queries archive.whoosh.fastrank cannot score)
            story_col = reporter.story_column(self.columns, searcher)
            groups = stories.group_by_story(story_col, final)
            shown = stories.page_of_stories(
                searcher, parsed.query, final, groups, story_col, self.columns.columns(
                    searcher, ["date"])["date"], request.sort, start, end,
                lambda q_, **kw: timed_search(searcher, q_, budget,
                                              **(kw if filtered else {**kw, "filter": None})),
                scores)
        elif ranked is not None:
            shown = ranked[0][start:end].tolist()
            scores.update(zip(shown, ranked[1][start:end].tolist()))
        else:
            if request.sort == "newest":
                kwargs.update(sortedby="date", reverse=True)
            elif request.sort == "oldest":
                kwargs.update(sortedby="date_asc")
            elif parsed.query is None:
                kwargs.update(sortedby="date", reverse=True)
            kwargs["terms"] = False  # snippets come from make_snippets, not Whoosh's highlighter
            try:
                results = timed_search(searcher, q, budget, **kwargs)
            except Exception as exc:
                raise BadQuery(f"q: the query cannot be run ({exc})") from None
            shown = []
            for docnum, score in list(results.items())[start:end]:
                shown.append(docnum)
                scores[docnum] = score
        if not shown:
            return []
        if marking is None:
            marking = parsed.query
        terms = query_terms(marking, searcher.reader()) if with_terms else frozenset()
        body_field = searcher.schema["body"]
        snippets_of = PageSnippets(terms, body_field.fold, body_field.tokens)
        hits = []
        for rank, docnum in enumerate(shown, start=start + 1):
            try:
                article = from_stored(searcher.stored_fields(docnum))
            except Exception as exc:
                raise IndexCorrupt(f"stored fields of document {docnum} are damaged: {exc}"
                                   ) from None
            snippets = snippets_of.snippets(article.body)
            if len(article.body) > HIT_BODY_CHARS:  # pages are cached: keep no long text
                article = article.replace(body=article.body[:HIT_BODY_CHARS])
            score = scores.get(docnum)
            score = round(score, 4) if score is not None and request.sort == "relevance" \
                and parsed.query is not None else None
            story, versions = None, 0
            if versions_of is not None:
                story = stories.story_of(story_col, docnum)
                versions = versions_of.get(docnum, 0)
            elif groups is not None:
                story = stories.story_of(story_col, docnum)
                versions = len(groups.get(story, ())) - 1
            hits.append(Hit(article, rank, score, snippets, story, max(0, versions)))
        budget.notes.extend(snippets_of.notes())
        budget.partial = budget.partial or snippets_of.late > 0
        return hits

    def _matches(self, searcher, q, memo: dict) -> DocSet:
        """The documents a query matches: from posting arrays, or by Whoosh for other queries."""
        live = self.columns.live(searcher)
        try:
            found = fastrank.matches(searcher, q, live, memo)
            if found is not None:
                return DocSet.from_mask(found)
            return DocSet.of(searcher.docs_for_query(q), len(live))
        except Exception as exc:  # e.g. a wildcard expanding past Whoosh's limits
            raise BadQuery(f"q: the query cannot be run ({exc})") from None

    def _indexed(self, field: str, value: str) -> bool:
        """Whether a live article of the latest commit has this id or path."""
        return self._searcher().document_number(**{field: value}) is not None

    def _segment_cache_dir(self, searcher) -> Path | None:
        """Where per-segment arrays of the searcher's generation are kept (see ColumnCache)."""
        state = getattr(searcher, "morgue_state", None)
        return self.index_dir / state[0] / SEGMENT_CACHE if state else None

    def _posting_arrays(self, searcher):
        """`arrays(segment number, field)` for archive.whoosh.fastrank: a segment's decoded terms."""
        folder = self._segment_cache_dir(searcher)
        if folder is None:
            return fastrank.no_arrays
        parts = self.columns.segment_values(
            searcher, "postings",
            lambda sub: postings.SegmentArrays(folder, fc.segment_id(sub), sub.doc_count_all()))
        return lambda i, field: parts[i].get(field)

    def _lengths(self, searcher):
        """Field lengths as the scorers see them, per index state (for archive.whoosh.fastrank)."""
        return lambda field: self.columns.per_segment_array(
            searcher, "lengths:" + field, lambda sub: fastrank.segment_lengths(sub, field))

    def export(self, request: SearchRequest, today: dt.date | None = None) -> ResultStream:
        """Every article the search matches, in its order, read one at a time."""
        return self.search(request, today, with_facets=False, _stream=True)

    def _stream(self, request, parsed, searcher, final, budget) -> ResultStream:
        dates = self.columns.columns(searcher, ["date"])["date"]
        story_col = reporter.story_column(self.columns, searcher)
        groups = stories.group_by_story(story_col, final)
        docnums = export.order(searcher, parsed.query, final, request.sort, dates, budget)
        return ResultStream(request, len(final), len(groups), tuple(budget.notes),
                            export.rows(searcher, docnums, from_stored, story_col, groups))

    # -- article tools -------------------------------------------------------
    def versions(self, article: Article) -> list[Version]:
        """The other versions of an article's story (exact and near duplicates), earliest first."""
        searcher = self._searcher()
        return self.results.remember(searcher, ("versions", article.id),
                                     lambda: stories.versions(searcher, article, from_stored))

    def more_like_this(self, article: Article, top: int = stories.MORE_LIKE_THIS
                       ) -> list[Version]:
        """Articles on the same subjects (key terms of the body), other versions left out."""
        searcher = self._searcher()
        return self.results.remember(
            searcher, ("more-like-this", article.id, top),
            lambda: stories.more_like_this(searcher, article, from_stored, top))


def _build_arrays(index_folder: Path, indexname: str, segid: str, folder: Path,
                  parent: int) -> None:
    """A process writing one segment's posting arrays; it dies with the rebuild."""
    die_with_parent(parent)
    postings.build_from_files(index_folder, indexname, segid, folder)
