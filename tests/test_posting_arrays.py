"""Decoded posting arrays (archive.whoosh.postings) give exactly what Whoosh's posting blocks give.

Two Reuters-21578 files (2,000 articles, two segments) get arrays for every term
found in at least 20 articles of a segment (the archive writes them for terms in
5,000 or more articles of large segments; the rule is the same). Document numbers,
weights and positions are compared with Whoosh's, and searches must answer
alike with and without the arrays.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from archive import SearchRequest
from archive.whoosh import fastrank, postings, ranking
from archive.whoosh.facets import segment_id
from archive.whoosh.compile import parse_query
from reporter_corpora import build, reuters_corpus
from test_fast_rank import QUERIES

MIN_DF = 20


def _reopened(archive):
    """The archive as a new process opens it (arrays are looked for when a segment is first read)."""
    from archive import Config, open_archive

    return open_archive(Config(archive.index_dir.parent / "corpus", archive.index_dir),
                        result_cache=0)


def _folder(archive, searcher):
    return archive._segment_cache_dir(searcher)


def _write_arrays(archive) -> int:
    searcher = archive._searcher()
    folder = _folder(archive, searcher)
    written = 0
    for sub, _offset in searcher.reader().leaf_readers():
        written += postings.build_segment(sub, folder, segment_id(sub), min_df=MIN_DF,
                                          min_docs=0)
    return written


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    built = build(reuters_corpus(tmp_path_factory.mktemp("postarrays"), "reut2-000.sgm",
                                 "reut2-001.sgm"))
    before = {}
    for text in QUERIES:
        for sort in ("relevance", "newest"):
            request = SearchRequest(query=text, sort=sort)
            before[(text, sort)] = built.archive.search(request)
    written = _write_arrays(built.archive)
    return built, before, written


def _whoosh_postings(sub, field, text):
    ids, weights, positions = [], [], []
    fmt = sub.schema[field].format
    m = sub.postings(field, text)
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        positions.append(fmt.decode_positions(m.value()) if fmt.supports("positions") else None)
        m.next()
    return ids, weights, positions


def test_arrays_hold_every_frequent_term_as_whoosh_decodes_it(corpus):
    built, _before, written = corpus
    archive = built.archive
    searcher = archive._searcher()
    folder = _folder(archive, searcher)
    assert written > 100
    checked = 0
    for sub, _offset in searcher.reader().leaf_readers():
        segid = segment_id(sub)
        for field in ("body", "title", "outlet"):
            kept = postings.load_segment(folder, segid, field)
            frequent = [t for t, info in sub.iter_field(field) if info.doc_frequency() >= MIN_DF]
            if not frequent:
                assert kept is None
                continue
            assert kept is not None and set(kept.terms) == set(frequent), field
            for text in frequent[:: max(1, len(frequent) // 40)]:
                ids, weights, positions = _whoosh_postings(sub, field, text)
                got_ids, got_weights = kept.postings(text)
                assert got_ids.tolist() == ids
                assert np.allclose(got_weights, weights)
                if kept.has_positions:
                    some = np.asarray(ids[::3], dtype=np.int64)
                    docs, pos = kept.positions_in(text, some)
                    expected = [(d, p) for d, ps in zip(ids[::3], positions[::3]) for p in ps]
                    assert list(zip(docs.tolist(), pos.tolist())) == expected
                checked += 1
    assert checked > 50


def test_matches_and_scores_are_the_same_with_arrays(corpus):
    built, _before, _written = corpus
    archive = _reopened(built.archive)
    searcher = archive._searcher()
    arrays = archive._posting_arrays(searcher)
    assert arrays(0, "body") is not None and arrays(1, "body") is not None
    live = np.ones(searcher.doc_count_all(), dtype=bool)
    compared = 0
    for text in QUERIES:
        parsed = parse_query(text, searcher.schema)
        for q in (ranking.ranked(parsed).query, parsed.query):
            plain = fastrank.matches(searcher, q, live, {})
            fast = fastrank.matches(searcher, q, live, {fastrank.ARRAYS: arrays})
            assert np.array_equal(plain, fast), text
            assert set(np.flatnonzero(fast).tolist()) == set(searcher.docs_for_query(q)), text
            final = np.flatnonzero(fast)
            if not len(final) or not fastrank.supported(q):
                continue
            a = fastrank.rank(searcher, q, final, archive._lengths(searcher), {})
            b = fastrank.rank(searcher, q, final, archive._lengths(searcher),
                              {fastrank.ARRAYS: arrays})
            if a is None:
                continue
            assert np.array_equal(a[0], b[0]), text
            assert np.allclose(a[1], b[1]), text
            compared += 1
    assert compared >= 15  # every ranked query that matches something


def test_search_pages_are_the_same_with_arrays(corpus):
    built, before, _written = corpus
    fresh = _reopened(built.archive)
    searcher = fresh._searcher()
    assert fresh._posting_arrays(searcher)(0, "body") is not None
    for (text, sort), page in before.items():
        again = fresh.search(SearchRequest(query=text, sort=sort))
        assert again.total == page.total, text
        assert [h.article.id for h in again.hits] == [h.article.id for h in page.hits], text
        assert [h.score for h in again.hits] == [h.score for h in page.hits], text
        assert again.facets == page.facets, text


def test_damaged_arrays_are_not_used(corpus, tmp_path):
    built, _before, _written = corpus
    searcher = built.archive._searcher()
    folder = _folder(built.archive, searcher)
    sub = searcher.reader().leaf_readers()[0][0]
    source = folder / postings.folder_name(segment_id(sub), "body")
    copy = tmp_path / "copy" / source.name
    shutil.copytree(source, copy)
    with open(copy / "ids.bin", "r+b") as fh:
        fh.truncate(8)
    assert postings.load_segment(copy.parent, segment_id(sub), "body") is None
    (copy / "meta.json").write_text("{not json", encoding="utf-8")
    assert postings.load_segment(copy.parent, segment_id(sub), "body") is None


def test_optimize_removes_the_arrays_of_merged_segments(tmp_path, monkeypatch):
    built = build(reuters_corpus(tmp_path, "reut2-002.sgm"))
    archive = built.archive
    searcher = archive._searcher()
    old = {segment_id(sub) for sub, _ in searcher.reader().leaf_readers()}
    assert len(old) == 2
    _write_arrays(archive)
    folder = _folder(archive, searcher)
    assert {postings.segment_of(p.name) for p in folder.glob("*" + postings.SUFFIX)} == old
    # the merged segment gets its arrays from optimize (as a large one would)
    monkeypatch.setattr(postings, "MIN_SEGMENT_DOCS", 0)
    monkeypatch.setattr(postings, "MIN_DF", MIN_DF)
    assert archive.optimize() == (2, 1)
    searcher = archive._searcher()
    (merged,) = [segment_id(sub) for sub, _ in searcher.reader().leaf_readers()]
    left = {postings.segment_of(p.name) for p in folder.glob("*" + postings.SUFFIX)}
    assert left == {merged}
    page = archive.search(SearchRequest(query='"mln dlrs"'))
    assert page.total == len(list(searcher.docs_for_query(
        parse_query('"mln dlrs"', searcher.schema).query)))


def test_adds_that_merge_segments_leave_no_arrays_of_merged_segments(tmp_path):
    from archive import Config, open_archive
    from indexer import adding, pipeline

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "first.txt").write_text("Title: Harbour\n\nDockers strike at the harbour.\n",
                                      encoding="utf-8")
    archive = open_archive(Config(corpus, tmp_path / "index"))
    pipeline.rebuild(archive, corpus, workers=1)
    seen: set[str] = set()
    merged = False
    for i in range(14):  # Whoosh merges the small segments of adds as they pile up
        extra = tmp_path / f"brief-{i}.txt"
        extra.write_text(f"Title: Brief {i}\n\nDockers at the harbour voted {i} times.\n",
                         encoding="utf-8")
        assert adding.add(archive, corpus, [extra]).indexed == 1
        assert archive.search(SearchRequest("dockers")).total == i + 2  # writes arrays
        searcher = archive._searcher()
        now = {segment_id(sub) for sub, _ in searcher.reader().leaf_readers()}
        merged = merged or bool(seen - now)
        seen |= now
        folder = _folder(archive, searcher)
        on_disk = {postings.segment_of(p.name) for p in folder.glob("*.npz")}
        assert on_disk and on_disk <= now, (on_disk - now)
    assert merged  # the loop did make Whoosh merge segments


def test_deleted_articles_are_not_found_through_the_arrays(tmp_path):
    from archive import Config, open_archive
    from indexer import pipeline

    corpus = reuters_corpus(tmp_path, "reut2-004.sgm")
    config = Config(corpus, tmp_path / "index")
    archive = open_archive(config)
    pipeline.rebuild(archive, corpus, workers=1)
    _write_arrays(archive)
    reopened = open_archive(config)
    searcher = reopened._searcher()
    assert reopened._posting_arrays(searcher)(0, "body") is not None
    request = SearchRequest('"mln dlrs"', sort="newest", group=False, page_size=5)
    before = reopened.search(request)
    gone = before.hits[0].article
    with reopened.update() as sink:
        sink.delete(gone.id)
    after = reopened.search(request)
    assert after.total == before.total - 1
    assert gone.id not in {h.article.id for h in after.hits}
    # the arrays still hold the deleted article's postings: only the live mask hides it
    searcher = reopened._searcher()
    arrays = reopened._posting_arrays(searcher)
    body = arrays(0, "body")
    assert body is not None and b"dlrs" in body
