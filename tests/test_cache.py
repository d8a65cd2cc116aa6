"""The extraction cache: unchanged files are not extracted again; changes invalidate it."""

from __future__ import annotations

import json
import sqlite3

from archive import SearchRequest
from indexer import pipeline
from indexer.cache import CACHE_FILE, ExtractionCache, extractor_version


def test_reindex_reuses_cached_extraction(built, corpus, index_dir):
    report = pipeline.rebuild(built, corpus, workers=1, cache_dir=index_dir)
    assert report.indexed == 1
    db = index_dir / CACHE_FILE
    rows = sqlite3.connect(db).execute("SELECT sha256, version, data FROM drafts").fetchall()
    assert len(rows) == 1 and rows[0][1] == extractor_version()
    # Prove the second build reads the cache: change what the cache says.
    data = json.loads(rows[0][2])
    data[0]["title"] = "Title from the cache"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE drafts SET data=?", (json.dumps(data),))
    pipeline.rebuild(built, corpus, workers=1, cache_dir=index_dir)
    assert built.search(SearchRequest("Taliban")).hits[0].article.title == "Title from the cache"
    # Without the cache, the file is extracted again.
    pipeline.rebuild(built, corpus, workers=1)
    assert built.search(SearchRequest("Taliban")).hits[0].article.title.startswith("U.S. officials")


def test_changed_file_is_extracted_again(built, corpus, index_dir):
    pipeline.rebuild(built, corpus, workers=2, cache_dir=index_dir)
    (corpus / "000_63e57cd8b9eaabc8.txt").write_text("New headline\n\nAll new body text.\n")
    pipeline.rebuild(built, corpus, workers=2, cache_dir=index_dir)
    assert built.search(SearchRequest("headline")).hits[0].article.title == "New headline"


def test_other_versions_are_ignored_and_pruned(tmp_path):
    from indexer.draft import Draft

    cache = ExtractionCache(tmp_path / CACHE_FILE)
    cache.put_many([("ab" * 32, "text", [Draft(title="t", body="b")])])
    assert cache.get("ab" * 32, "text")[0].title == "t"
    assert cache.get("ab" * 32, "html") is None
    cache.version = "another"
    assert cache.get("ab" * 32, "text") is None
    cache.prune()
    cache.version = extractor_version()
    assert cache.get("ab" * 32, "text") is None


def test_damaged_cache_costs_only_a_reextraction(built, corpus, index_dir):
    (index_dir / CACHE_FILE).write_bytes(b"this is not a database")
    report = pipeline.rebuild(built, corpus, workers=1, cache_dir=index_dir)
    assert report.ok and report.indexed == 1


def test_an_empty_record_is_skipped_from_the_cache_too(tmp_path):
    """A record with no text is skipped, not failed, whether extracted now or cached."""
    from archive import Config, open_archive

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "wire.sgm").write_text(
        '<REUTERS NEWID="1"><TEXT><TITLE>Cocoa talks</TITLE><BODY>Cocoa producers met in '
        'London on Monday to discuss the buffer stock.</BODY></TEXT></REUTERS>\n'
        '<REUTERS NEWID="2"><TEXT></TEXT></REUTERS>\n', encoding="latin-1")
    archive = open_archive(Config(corpus, index))
    for _ in range(2):  # extracted, then read from the cache
        report = pipeline.rebuild(archive, corpus, workers=1, cache_dir=index)
        assert report.ok and report.indexed == 1, report.failed
        assert [p.where for p in report.skipped] == ["wire.sgm#2"]
