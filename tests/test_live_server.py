"""A real server (manage.py serve, waitress) sees articles added from another process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bench.server import ServedArchive
from tests.conftest import REPO, extraction_page


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def server(corpus, index_dir, tmp_path):
    """`manage.py serve` (building the index on first run, as the README's command does)."""
    served = ServedArchive(corpus, index_dir, log=tmp_path / "server.log")
    if not served.start():
        pytest.fail(f"server exited: {served.log_text()}")
    yield served.base
    served.stop()


def test_serve_builds_the_index_on_first_run_and_sees_added_pages(server, corpus, tmp_path):
    first = get_json(server + "/search.json?q=Taliban+weapons")
    assert first["total"] == 1
    page = extraction_page()
    local = tmp_path / page.name
    shutil.copy2(page, local)
    added = subprocess.run(
        [sys.executable, "manage.py", "--corpus", str(corpus), "--index",
         str(Path(corpus).parent / "index"), "add", str(local), "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    extracted = subprocess.run(
        [sys.executable, "manage.py", "--corpus", str(corpus), "extract",
         str(corpus / page.name), "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    record = json.loads(extracted.stdout)
    article = get_json(f"{server}/article/{record['id']}.json")
    assert article["title"] == record["title"]
    everything = get_json(server + "/search.json?size=100")
    assert everything["total"] == 2
    assert record["id"] in {h["id"] for h in everything["hits"]}
