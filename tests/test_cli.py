"""The command line end to end: reindex, add, extract, search, stats, with real files."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import extraction_page


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_reindex_then_search_finds_the_seed(cli):
    result = cli("reindex")
    assert result.exit_code == 0, result.output
    assert "indexed 1 articles from 1 files" in result.output
    result = cli("search", "Taliban weapons", "--json")
    assert result.exit_code == 0
    page = json.loads(result.output)
    assert page["total"] == 1
    hit = page["hits"][0]
    assert hit["title"] == "U.S. officials fear Russia is selling weapons to the Taliban"
    assert hit["outlet"] == "VICE News"
    assert hit["published"] is None
    assert "<mark>Taliban</mark>" in hit["snippet"] and "<mark>weapons</mark>" in hit["snippet"]
    facets = {f["name"]: {v["value"]: v["count"] for v in f["values"]} for f in page["facets"]}
    assert facets["outlet"] == {"VICE News": 1}
    assert facets["age"] == {"5-10": 1}
    assert facets["year"] == {"unknown": 1}


def test_search_without_index_explains_what_to_do(cli):
    result = cli("search", "anything")
    assert result.exit_code == 1
    assert "no index" in result.output and "manage.py reindex" in result.output


def test_bad_query_and_bad_filter_are_reported(cli):
    cli("reindex")
    result = cli("search", '"unclosed phrase')
    assert result.exit_code == 1
    assert "quotation mark" in result.output
    result = cli("search", "x", "--filter", "outlet")
    assert result.exit_code == 2
    assert "FIELD=VALUE" in result.output
    result = cli("search", "x", "--filter", "colour=red")
    assert result.exit_code == 1
    assert "'colour' is not a facet" in result.output


def test_reindex_goes_past_bad_files_and_changes_nothing(cli, corpus):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.html").write_bytes(bytes(range(256)) * 40)
    good = gzip.compress(b"<html><body><h1>Hello</h1><p>" + b"Words of the story. " * 30
                         + b"</p></body></html>")
    (corpus / "truncated.html.gz").write_bytes(good[: len(good) // 2])
    (corpus / "title-only.txt").write_text("Just a title\n")
    (corpus / "notes.docx").write_bytes(b"PK\x03\x04")
    before = _digests(corpus)
    result = cli("reindex")
    assert result.exit_code == 1
    out = result.output
    assert "skipped empty.txt: no text (empty file)" in out
    assert "FAILED binary.html: binary content" in out
    assert "warning truncated.html.gz: truncated gzip file: it ends at byte" in out
    assert "skipped title-only.txt: no text (a title line and no article text after it)" in out
    assert "skipped notes.docx: not an article file type" in out
    assert "indexed 2 articles from 5 files" in out
    assert _digests(corpus) == before
    found = json.loads(cli("search", "Taliban", "--json").output)
    assert found["total"] == 1


def test_add_copies_indexes_and_reports_duplicates(cli, corpus, tmp_path):
    cli("reindex")
    src = tmp_path / "incoming"
    src.mkdir()
    story = src / "story.txt"
    story.write_text("Title: Port strike ends\nDate: 2024-05-02\nOutlet: Reuters\n\n"
                     "ROTTERDAM (Reuters) - Dock workers ended a strike on Thursday.\n")
    result = cli("add", str(story))
    assert result.exit_code == 0, result.output
    assert "added corpus/story.txt" in result.output
    assert (corpus / "story.txt").read_bytes() == story.read_bytes()
    page = json.loads(cli("search", "dock strike", "--json").output)
    assert [h["title"] for h in page["hits"]] == ["Port strike ends"]
    assert page["hits"][0]["published"] == "2024-05-02"
    # The same bytes again: a duplicate, not indexed twice, not copied again.
    again = cli("add", str(story))
    assert "duplicate" in again.output and "indexed 0 articles" in again.output
    assert sorted(p.name for p in corpus.iterdir()) == ["000_63e57cd8b9eaabc8.txt", "story.txt"]
    # A different file with the same name never overwrites the first one.
    other = tmp_path / "story.txt"
    other.write_text("Another story\n\nWith different words about harbours.\n")
    result = cli("add", str(other))
    assert result.exit_code == 0
    assert (corpus / "story.txt").read_bytes() == story.read_bytes()
    assert (corpus / "story-2.txt").read_bytes() == other.read_bytes()
    assert json.loads(cli("stats", "--json").output)["articles"] == 3


def test_add_options_survive_a_reindex(cli, corpus, tmp_path):
    story = tmp_path / "memo.txt"
    story.write_text("Council memo\n\nThe council met to discuss the bridge repairs.\n")
    result = cli("add", str(story), "--outlet", "bbc", "--date", "2001-09-10",
                 "--url", "https://example.org/memo", "--title", "Bridge memo")
    assert result.exit_code == 0, result.output
    for _ in range(2):  # after add, and after a full rebuild from the corpus
        hit = json.loads(cli("search", "bridge", "--json").output)["hits"][0]
        assert (hit["title"], hit["outlet"], hit["published"], hit["url"]) == (
            "Bridge memo", "BBC News", "2001-09-10", "https://example.org/memo")
        assert cli("reindex").exit_code == 0


def test_add_rejects_bad_input_without_touching_the_corpus(cli, corpus, tmp_path):
    cli("reindex")
    before = _digests(corpus)
    bad = tmp_path / "bad.html"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    result = cli("add", str(bad), str(tmp_path / "missing.txt"))
    assert result.exit_code == 1
    assert f"FAILED {bad}: binary content" in result.output
    assert "missing.txt: no such file or folder" in result.output
    assert _digests(corpus) == before
    assert cli("add", str(bad), "--date", "tomorrow").exit_code == 2
    assert cli("add", str(bad), "--url", "javascript:alert(1)").exit_code == 2


def test_add_a_folder_keeps_its_structure(cli, corpus, tmp_path):
    folder = tmp_path / "batch"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Alpha story\n\nAlpha body about rivers.\n")
    (folder / "sub" / "b.txt").write_text("Beta story\n\nBeta body about rivers.\n")
    result = cli("add", str(folder))
    assert result.exit_code == 0, result.output
    assert (corpus / "batch" / "a.txt").exists() and (corpus / "batch" / "sub" / "b.txt").exists()
    assert json.loads(cli("search", "rivers", "--json").output)["total"] == 2


def test_extract_prints_every_field_and_changes_nothing(cli, corpus, index_dir):
    before = _digests(corpus)
    result = cli("extract", str(corpus / "000_63e57cd8b9eaabc8.txt"), "--json")
    assert result.exit_code == 0
    record = json.loads(result.output.splitlines()[0])
    for key in ("path", "id", "sha256", "title", "body", "authors", "outlet", "published",
                "date_precision", "url", "language", "age_warning", "word_count"):
        assert key in record
    assert record["path"] == "000_63e57cd8b9eaabc8.txt"
    assert record["age_warning"] == {"text": "This story is over 5 years old", "years": 5,
                                     "source": "banner"}
    assert _digests(corpus) == before
    assert not index_dir.exists()


def test_add_html_page_from_the_extraction_set(cli, corpus, tmp_path):
    page = extraction_page()
    local = tmp_path / page.name
    shutil.copy2(page, local)
    result = cli("add", str(local), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.splitlines()[-1])
    assert report["indexed"] == 1
    record = json.loads(cli("extract", str(corpus / page.name), "--json").output)
    assert record["format"] == "html" and record["word_count"] > 50
    words = [w for w in record["title"].split() if w.isalpha() and len(w) > 3][:2]
    found = json.loads(cli("search", " ".join(words), "--json").output)
    assert record["id"] in [h["id"] for h in found["hits"]]


def test_stats_and_sorting(cli, corpus, tmp_path):
    for i, date in enumerate(["2003-01-01", "2015-06-01", "2024-02-02"]):
        (corpus / f"s{i}.txt").write_text(f"Date: {date}\n\nStory {i}\n\nHarbour news number {i}.\n")
    cli("reindex")
    newest = json.loads(cli("search", "harbour", "--sort", "newest", "--json").output)
    assert [h["published"] for h in newest["hits"]] == ["2024-02-02", "2015-06-01", "2003-01-01"]
    oldest = json.loads(cli("search", "", "--sort", "oldest", "--json").output)
    assert [h["published"] for h in oldest["hits"]] == ["2003-01-01", "2015-06-01", "2024-02-02",
                                                         None]
    stats = json.loads(cli("stats", "--json").output)
    assert stats["articles"] == 4 and stats["dated"] == 3
    assert stats["oldest"] == "2003-01-01" and stats["newest"] == "2024-02-02"


@pytest.mark.parametrize("flt, expected", [("year=2015", 1), ("age=gt20", 1),
                                           ("year=2015", 1), ("date=2010..2030", 2)])
def test_filters(cli, corpus, flt, expected):
    for i, date in enumerate(["2003-01-01", "2015-06-01", "2024-02-02"]):
        (corpus / f"s{i}.txt").write_text(f"Date: {date}\n\nStory {i}\n\nHarbour news number {i}.\n")
    cli("reindex")
    page = json.loads(cli("search", "harbour", "--filter", flt, "--json").output)
    assert page["total"] == expected
