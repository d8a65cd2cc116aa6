"""A real server (manage.py serve, waitress) sees articles added from another process."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, extraction_page


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def server(corpus, index_dir, tmp_path):
    port = free_port()
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "--corpus", str(corpus), "--index", str(index_dir),
         "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get_json(base + "/search.json")
            break
        except OSError:
            if proc.poll() is not None:
                log.close()
                pytest.fail(f"server exited: {(tmp_path / 'server.log').read_text()}")
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("server did not start within 60 s")
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    log.close()


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
