"""`manage.py --engine opensearch`: reindex, stats, check (and repair), add and optimize on the seed
corpus and real pages, with the same counts as the Whoosh engine gives for the same corpus."""

from __future__ import annotations

import json
import shutil

import pytest

from archive import Config, open_archive
from indexer import pipeline
from tests.conftest import extraction_page, shared_path

pytestmark = pytest.mark.opensearch


@pytest.fixture
def real_pages(corpus):
    for prefix in ("0", "3", "5"):
        page = extraction_page(prefix)
        shutil.copy2(page, corpus / page.name)
    shutil.copy2(shared_path("data", "reuters21578", "reut2-001.sgm"), corpus / "reut2-001.sgm")
    return corpus


def as_json(result) -> dict:
    assert "Traceback" not in result.output, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_reindex_stats_and_check_give_what_whoosh_gives(os_cli, real_pages, tmp_path):
    report = as_json(os_cli("reindex", "--json"))
    assert report["failed"] == 0 and report["indexed"] > 1000
    stats = as_json(os_cli("stats", "--json"))
    whoosh = open_archive(Config(real_pages, tmp_path / "whoosh"))
    assert pipeline.rebuild(whoosh, real_pages, workers=1).ok
    expected = whoosh.stats().as_dict()
    for key in ("articles", "outlets", "dated", "oldest", "newest", "formats"):
        assert stats[key] == expected[key], key
    assert stats["generation"].startswith("t-")
    check = as_json(os_cli("check", "--json"))
    assert check["ok"] and check["files"] == check["indexed_files"] == 5
    text = os_cli("stats").output
    assert "index: OpenSearch http://127.0.0.1:" in text


def test_check_finds_and_repairs_differences(os_cli, corpus, tmp_path):
    assert os_cli("reindex").exit_code == 0
    extra = tmp_path / "extra.txt"
    extra.write_text("Ferry timetable\n\nThe winter timetable of the island ferry starts on "
                     "Monday with two sailings fewer each day.\n")
    added = os_cli("add", str(extra))
    assert added.exit_code == 0 and "indexed 1 articles" in added.output
    (corpus / "extra.txt").unlink()  # gone from the corpus: orphaned in the index
    result = os_cli("check")
    assert result.exit_code == 1 and "orphaned extra.txt" in result.output
    repaired = as_json(os_cli("check", "--repair", "--json"))
    assert repaired["ok"] and repaired["repair"]["removed_files"] == 1
    assert as_json(os_cli("stats", "--json"))["articles"] == 1


def test_optimize_merges_each_shard_into_one_segment(os_cli, tmp_path):
    assert os_cli("reindex").exit_code == 0
    for n in range(3):
        page = tmp_path / f"p{n}.txt"
        page.write_text(f"Note {n}\n\nA short harbour note number {n} about the tides and gulls.\n")
        assert os_cli("add", str(page)).exit_code == 0
    result = os_cli("optimize")
    assert result.exit_code == 0
    before, after = result.output.split("segments: ")[1].split(" (")[0].split(" -> ")
    assert int(before) > 1 and int(after) == 1


def test_search_answers_and_export_says_it_is_not_available_yet(os_cli):
    assert os_cli("reindex").exit_code == 0
    found = os_cli("search", "--json", "strike")
    assert found.exit_code == 0 and json.loads(found.output)["total"] >= 1
    for command in (["export", "strike"],):
        result = os_cli(*command)
        assert result.exit_code == 1
        assert "Error: the OpenSearch engine cannot" in result.output
        assert "Traceback" not in result.output
