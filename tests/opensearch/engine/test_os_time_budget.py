"""The heavy-query time budget on OpenSearch: a search that runs out of its time shows the
hits found so far and says so (`partial`, and a note), never an error, and its count stays
the whole count.

OpenSearch checks a search's time on a clock it reads every 200 ms by default
(`thread_pool.estimated_time_interval`), so on a small test index no search runs long
enough to be stopped. This module's own node reads the clock on every check (interval 0);
the engine's request is the same as on any cluster."""

from __future__ import annotations

import shutil

import pytest

from archive.opensearch.engine import OpenSearchArchive
from archive.opensearch.settings import OpenSearchSettings
from archive.records import SearchRequest
from indexer import pipeline
from tests.conftest import shared_path
from tests.opensearch.fixtures import start_cluster, unique_index

pytestmark = pytest.mark.opensearch

# Prefix words expand to thousands of index terms, enumerated while the search runs.
HEAVY = "s* OR c* OR p* OR m* OR t* OR b* OR d* OR r*"
TINY = 1e-6  # seconds: stopped at OpenSearch's first check


@pytest.fixture(scope="module")
def exact_clock_node(opensearch_setup):
    cluster = start_cluster(opensearch_setup, 1,
                            settings={"thread_pool.estimated_time_interval": "0ms"})
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def reuters_archive(exact_clock_node, tmp_path_factory):
    """Two thousand Reuters articles (two SGML files of the 1987 wire) on that node."""
    corpus = tmp_path_factory.mktemp("budget") / "corpus"
    corpus.mkdir()
    for name in ("reut2-000.sgm", "reut2-001.sgm"):
        shutil.copy2(shared_path("data", "reuters21578", name), corpus / name)
    archive = OpenSearchArchive(OpenSearchSettings(urls=(exact_clock_node.url,),
                                                   index=unique_index()))
    assert pipeline.rebuild(archive, corpus, workers=1).ok
    return archive


def search(archive: OpenSearchArchive, seconds: float, **options):
    archive.search_seconds = seconds
    try:
        return archive.search(SearchRequest(HEAVY, page_size=50, **options))
    finally:
        del archive.search_seconds  # back to the class's default


@pytest.mark.parametrize("options", [{"group": False}, {"group": True},
                                     {"group": True, "sort": "newest"}],
                         ids=["articles", "stories", "stories-newest"])
def test_a_search_out_of_time_shows_what_it_found_and_says_so(reuters_archive, options):
    full = search(reuters_archive, 30.0, **options)
    assert not full.partial
    assert len(full.hits) == 50
    assert not any("stopped after" in note for note in full.notes)

    cut = search(reuters_archive, TINY, **options)
    assert cut.partial
    assert any(note.startswith("The search stopped after") for note in cut.notes), cut.notes
    assert cut.total == full.total  # the count is the whole count, not the page's
    assert len(cut.hits) <= len(full.hits)
    every = {row.article.id for row in reuters_archive.export(
        SearchRequest(HEAVY, group=False)).rows}
    assert len(every) == full.total
    assert {hit.article.id for hit in cut.hits} <= every  # what it shows, it found
