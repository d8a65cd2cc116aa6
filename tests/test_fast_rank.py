"""Ranking and story grouping with numpy (archive.whoosh.fastrank, archive.whoosh.stories) give Whoosh's answers.

Two Reuters-21578 files (2,000 articles, two segments: written by two processes) are
searched both ways: the numpy scores must equal Whoosh's own scores for the same
query, document by document, and the grouped pages must equal the ones built
the old way, one document at a time.
"""

from __future__ import annotations

import numpy as np
import pytest

from archive import SearchRequest
from archive.ranking import DEFAULT, RankSettings
from archive.whoosh import fastrank, ranking, stories
from archive.whoosh.compile import parse_query
from reporter_corpora import build, reuters_corpus

QUERIES = [
    "oil", "prices", "said", "crude oil", "oil OR gas", "wheat -corn", '"crude oil"',
    '"money supply" rates', "title:coffee", "outlet:reuters bank", "place:tokyo yen",
    "interest rates rise as central bank tightens money supply",  # widened, feedback, proximity
    "coffee cocoa sugar", "gold -silver -platinum",
    '"bank of england"', '"oil prices"~5', '"said it expects"', '"pct pct"', '"mln dlrs"',
    '"prices rose" -"oil prices"',
]


@pytest.fixture(scope="module")
def reuters(tmp_path_factory):
    return build(reuters_corpus(tmp_path_factory.mktemp("fastrank"), "reut2-000.sgm",
                                "reut2-001.sgm"))


# The search's settings, and others the cross-validation tries (bench/cv.py).
SETTINGS = [DEFAULT,
            RankSettings(k1=0.9, b=0.6, title=1.0, prf_weight=0.3, prf_docs=5,
                                 prf_terms=20, prox_weight=0.1, prox_slop=4),
            RankSettings(k1=1.5, b=0.9, title=0.1, prf_weight=0.0, prox_weight=0.0)]


def _variants(searcher, text, settings=DEFAULT):
    parsed = parse_query(text, searcher.schema, settings.field_boosts())
    strict = ranking.ranked(parsed, settings)
    yield strict
    loose = ranking.widen(parsed, 0, 10, settings)
    if loose is not None:
        loose = ranking.ranked(loose, settings)
        yield loose
        final = set(searcher.docs_for_query(loose.query))
        expanded = ranking.expand(searcher, loose, final, settings=settings)
        if expanded is not None:
            yield expanded


@pytest.mark.parametrize("settings", SETTINGS, ids=["default", "other", "plain"])
def test_scores_are_whooshs_scores(reuters, settings):
    archive = reuters.archive
    searcher = archive._searcher()
    assert len(searcher.reader().leaf_readers()) == 2  # written by two processes
    compared = 0
    for text in QUERIES:
        for variant in _variants(searcher, text, settings):
            final = set(searcher.docs_for_query(variant.query))
            if not final:
                continue
            ours = fastrank.rank(searcher, variant.query, final, archive._lengths(searcher))
            assert ours is not None, text
            theirs = searcher.search(variant.query, filter=final, limit=None)
            assert len(ours[0]) == len(theirs) == len(final), text
            want = dict(theirs.items())
            got = dict(zip(ours[0].tolist(), ours[1].tolist()))
            assert want.keys() == got.keys(), text
            for doc, score in want.items():
                assert got[doc] == pytest.approx(score, rel=1e-9), (text, doc)
            assert list(np.diff(ours[1]) <= 1e-12).count(False) == 0  # best first
            compared += 1
    assert compared >= len(QUERIES)


def test_queries_it_cannot_score_go_to_whoosh(reuters):
    searcher = reuters.archive._searcher()
    for text in ("oil*", "crude~1"):
        parsed = ranking.ranked(parse_query(text, searcher.schema))
        final = set(searcher.docs_for_query(parsed.query))
        assert final and fastrank.rank(searcher, parsed.query, final,
                                       reuters.archive._lengths(searcher)) is None
        page = reuters.archive.search(SearchRequest(text))
        assert page.total == len(final) and page.hits


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_story_pages_match_the_document_by_document_grouping(reuters, sort):
    archive = reuters.archive
    searcher = archive._searcher()
    story_col = archive.columns.columns(searcher, ["story"])["story"]
    dates = archive.columns.columns(searcher, ["date"])["date"]
    codes = archive.columns.story_codes(searcher)
    for text in ("oil", "said", "wheat -corn", "bank rates"):
        q = ranking.ranked(parse_query(text, searcher.schema)).query
        final = set(searcher.docs_for_query(q))
        groups = stories.group_by_story(story_col, final)
        assert stories.count_stories(codes, np.array(sorted(final))) == len(groups)
        ranked = fastrank.rank(searcher, q, final, archive._lengths(searcher))
        for start, end in ((0, 10), (10, 20), (40, 60)):
            old_scores: dict = {}
            old = stories.page_of_stories(
                searcher, q if sort == "relevance" else None, final, groups, story_col, dates,
                sort, start, end, lambda q_, **kw: searcher.search(q_, **kw), old_scores)
            new = stories.page_of_story_codes(
                codes, ranked[0], np.asarray(dates, dtype=np.int64), sort, start, end,
                ranked if sort == "relevance" else None)
            assert new.shown == old, (text, sort, start)
            for doc in old:
                assert new.versions[doc] == len(groups[stories.story_of(story_col, doc)]) - 1
            if sort == "relevance":
                assert new.scores == pytest.approx(old_scores, rel=1e-9)


def test_grouped_search_pages_count_stories_and_versions(reuters):
    page = reuters.archive.search(SearchRequest("said", page_size=100))
    assert page.stories is not None and page.stories < page.total
    assert any(h.versions for h in page.hits)
    assert [h.score for h in page.hits] == sorted((h.score for h in page.hits), reverse=True)


def test_matched_sets_are_whooshs(reuters):
    archive = reuters.archive
    searcher = archive._searcher()
    live = np.ones(searcher.doc_count_all(), dtype=bool)
    for text in QUERIES:
        for variant in _variants(searcher, text):
            ours = fastrank.matches(searcher, variant.query, live, {})
            assert ours is not None, text
            assert set(np.flatnonzero(ours).tolist()) == set(searcher.docs_for_query(variant.query)), text


def test_deleted_articles_are_not_matched(tmp_path):
    from archive import Config, open_archive
    from indexer import pipeline

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(3):
        (corpus / f"s{i}.txt").write_text(f"Title: Harbour {i}\n\nDockers strike at the harbour "
                                          f"for the {i} time.\n", encoding="utf-8")
    archive = open_archive(Config(corpus, tmp_path / "index"))
    pipeline.rebuild(archive, corpus, workers=1)
    assert archive.search(SearchRequest("dockers")).total == 3
    with archive.update() as sink:
        sink.delete_path("s1.txt")
    page = archive.search(SearchRequest("dockers harbour", group=False))
    assert page.total == 2 and "s1.txt" not in {h.article.path for h in page.hits}


def test_column_caches_after_an_add_read_only_the_new_segment(tmp_path):
    """After a commit, cached parts of unchanged segments are reused and the results equal
    those of an empty cache."""
    from archive import Config, open_archive
    from archive.whoosh.facets import ColumnCache
    from indexer import adding, pipeline

    corpus = reuters_corpus(tmp_path, "reut2-002.sgm")
    archive = open_archive(Config(corpus, tmp_path / "index"))
    pipeline.rebuild(archive, corpus, workers=1)
    before = archive.search(SearchRequest("oil", filters=(("outlet", "Reuters"),)))
    old_segments = {key[0] for key in archive.columns._segments}
    extra = tmp_path / "brief.txt"
    extra.write_text("Title: Oil brief\nOutlet: Reuters\nDate: 1987-04-01\n\nCrude oil output "
                     "rose in the usa this month, traders in Houston said on Wednesday.\n",
                     encoding="utf-8")
    assert adding.add(archive, corpus, [extra]).indexed == 1
    after = archive.search(SearchRequest("oil", filters=(("outlet", "Reuters"),)))
    assert after.total == before.total + 1
    assert old_segments <= {key[0] for key in archive.columns._segments}  # reused
    searcher = archive._searcher()
    fresh = ColumnCache()
    for facet in ("outlet", "place", "topic"):
        a, b = archive.columns.facet_arrays(searcher, facet), fresh.facet_arrays(searcher, facet)
        assert (dict(zip(*np.unique(np.asarray(a[2])[a[1]], return_counts=True)))
                == dict(zip(*np.unique(np.asarray(b[2])[b[1]], return_counts=True))))
        assert archive.columns.value_docs(searcher, facet) == fresh.value_docs(searcher, facet)
    assert (archive.columns.date_arrays(searcher)[0] == fresh.date_arrays(searcher)[0]).all()
    assert archive.columns.live(searcher).sum() == searcher.doc_count()


def test_a_new_process_reads_the_segment_arrays_from_disk(tmp_path):
    from archive import Config, open_archive
    from indexer import pipeline

    corpus = reuters_corpus(tmp_path, "reut2-003.sgm")
    config = Config(corpus, tmp_path / "index")
    first = open_archive(config)
    pipeline.rebuild(first, corpus, workers=1)
    gen = (tmp_path / "index" / "CURRENT").read_text().strip()
    folder = tmp_path / "index" / gen / "segment-cache"
    saved = sorted(p.name for p in folder.glob("*.npz"))  # written by the rebuild itself
    want = first.search(SearchRequest("oil prices", filters=(("place", "usa"),)))
    assert any(".arrays_place." in n for n in saved) and any(".array_date." in n for n in saved)
    assert any("lengths_body" in n for n in saved) and any("story-codes" in n for n in saved)
    # A damaged file is read as missing and written again.
    damaged = next(folder.glob("*.arrays_place.npz"))
    damaged.write_bytes(b"not an npz file")
    second = open_archive(config)  # like a new process: nothing in memory
    got = second.search(SearchRequest("oil prices", filters=(("place", "usa"),)))
    assert (got.total, [h.article.id for h in got.hits]) == (want.total,
                                                              [h.article.id for h in want.hits])
    assert [(f.name, f.values) for f in got.facets] == [(f.name, f.values) for f in want.facets]
    assert damaged.read_bytes()[:2] == b"PK"  # rewritten as an npz (zip) file


def test_parts_of_compound_segments_are_read_in_place():
    """whoosh3 copied each part of a compound segment into memory to open it (archive.whoosh.store)."""
    import io
    import pickle

    from whoosh.filedb.structfile import BufferFile

    import archive.whoosh.store  # noqa: F401  (installs the in-place reader)

    data = bytearray(b"x" * 100 + pickle.dumps({"a": [1, 2, 3]}) + b"tail")
    part = BufferFile(memoryview(data)[100:], name="part")
    assert isinstance(part.file, io.BufferedReader)  # not a BytesIO copy
    data[-4:] = b"TAIL"  # the part is a view of the same memory, not a copy
    assert part.read_pickle() == {"a": [1, 2, 3]}
    assert part.read(4) == b"TAIL" and part.read(1) == b""
    part.seek(0)
    assert part.get(len(data) - 104, 4) == b"TAIL"
    assert isinstance(BufferFile(b"abc").file, io.BytesIO)
