"""A running server keeps answering while `add` and `reindex` write; two `add`s at once."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.server import ServedArchive, manage
from tests.conftest import REPO, SEED, shared_path


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def start_server(corpus: Path, index: Path, log_path: Path) -> ServedArchive:
    """`manage.py serve` on 127.0.0.1 and a free port, answering."""
    server = ServedArchive(corpus, index, "--no-build", log=log_path)
    if not server.start():
        pytest.fail(f"the server did not start: {server.log_text()}")
    return server


class Pollers:
    """Client threads asking the server one query after another, counting what comes back."""

    URLS = ("/search.json?q=grain", "/?q=oil+prices", "/search.json?q=", "/?q=dock+workers",
            "/search.json?q=trade&sort=newest")

    def __init__(self, base: str, clients: int = 3):
        self.base = base
        self.stop = threading.Event()
        self.ok = 0
        self.errors: list[str] = []
        self.totals: list[int] = []
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(clients)]

    def _run(self, offset: int) -> None:
        n = offset
        while not self.stop.is_set():
            url = self.base + self.URLS[n % len(self.URLS)]
            n += 1
            try:
                status, body = fetch(url)
            except Exception as exc:  # connection refused or reset: an error too
                with self._lock:
                    self.errors.append(f"{url}: {type(exc).__name__}: {exc}")
                continue
            with self._lock:
                if status != 200:
                    self.errors.append(f"{url}: HTTP {status}: {body[:200]!r}")
                else:
                    self.ok += 1
                    if url.endswith("/search.json?q="):
                        self.totals.append(json.loads(body)["total"])

    def __enter__(self) -> "Pollers":
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)


@pytest.fixture
def archive_dirs(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / SEED.name).write_bytes(SEED.read_bytes())
    (corpus / "reut2-000.sgm").write_bytes(
        shared_path("data", "reuters21578", "reut2-000.sgm").read_bytes())
    done = subprocess.run(manage(corpus, index, "reindex"), cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return corpus, index


def story(folder: Path, name: str, word: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"Title: Harbour {word}\nDate: 2021-05-0{len(word) % 9 + 1}\n\n"
                    f"ROTTERDAM (Reuters) - The {word} report on dock workers was published.\n")
    return path


def total(base: str, query: str) -> int:
    status, body = fetch(base + "/search.json?q=" + query)
    assert status == 200, body
    return json.loads(body)["total"]


@pytest.mark.slow
def test_server_keeps_answering_while_add_and_reindex_write(archive_dirs, tmp_path):
    corpus, index = archive_dirs
    server = start_server(corpus, index, tmp_path / "server.log")
    base = server.base
    try:
        start_total = total(base, "")
        with Pollers(base) as pollers:
            time.sleep(1)
            added = subprocess.run(manage(corpus, index, "add",
                                          str(story(tmp_path / "in1", "a.txt", "zebracorn"))),
                                   cwd=REPO, capture_output=True, text=True, timeout=120)
            assert added.returncode == 0, added.stderr
            assert total(base, "zebracorn") == 1  # seen without a restart
            rebuilt = subprocess.run(manage(corpus, index, "reindex"), cwd=REPO,
                                     capture_output=True, text=True, timeout=300)
            assert rebuilt.returncode == 0, rebuilt.stderr
            assert total(base, "zebracorn") == 1
            # Two adds at once: one waits (and says so), both succeed, nothing is lost.
            first = subprocess.Popen(manage(corpus, index, "add",
                                            str(story(tmp_path / "in2", "b.txt", "quokkafish"))),
                                     cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
            second = subprocess.Popen(manage(corpus, index, "add",
                                             str(story(tmp_path / "in3", "c.txt", "yakbird"))),
                                      cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True)
            outs = [p.communicate(timeout=120) for p in (first, second)]
            assert first.returncode == 0 and second.returncode == 0, outs
            waited = [err for _out, err in outs if "waiting for another command" in err]
            time.sleep(0.5)
        assert total(base, "quokkafish") == 1 and total(base, "yakbird") == 1
        assert total(base, "") == start_total + 3
        assert not pollers.errors, pollers.errors[:5]
        assert pollers.ok > 20
        # Every total a client saw was a whole state: before, or after 1, 2 or 3 adds.
        assert set(pollers.totals) <= {start_total + k for k in range(4)}, set(pollers.totals)
        print(f"{pollers.ok} answers, 0 errors; {len(waited)} of the two adds waited")
    finally:
        server.stop()
    assert "Traceback" not in (tmp_path / "server.log").read_text()
    checked = subprocess.run(manage(corpus, index, "check"), cwd=REPO, capture_output=True,
                             text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout


def test_second_writer_waits_with_a_message(tmp_path):
    """The lock held by one add makes another wait (message), then run; no article lost."""
    from archive import Config, SearchRequest, open_archive

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    archive = open_archive(Config(corpus, index))
    lock = archive.lock()
    lock.acquire()
    proc = subprocess.Popen(manage(corpus, index, "add", str(story(tmp_path / "in", "w.txt",
                                                                   "walrusfly"))),
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2.5)
        assert proc.poll() is None  # still waiting
    finally:
        lock.release()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert re.search(r"waiting for another command writing to .*\(process \d+\)", err), err
    assert archive.search(SearchRequest("walrusfly")).total == 1


def test_load_smoke(tmp_path):
    """bench/load.py's driver against a real server for a few seconds: zero errors."""
    from bench.load import build_mix, drive

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / SEED.name).write_bytes(SEED.read_bytes())
    data = shared_path("data", "reuters21578", "reut2-000.sgm").read_bytes()
    (corpus / "reut-300.sgm").write_bytes(data[: [m.end() for m in re.finditer(
        rb"</REUTERS>\n?", data)][299]])
    done = subprocess.run(manage(corpus, index, "reindex"), cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with ServedArchive(corpus, index, "--threads", "4", "--no-build",
                       log=tmp_path / "server.log") as server:
        mix = build_mix(server.host, server.port)
        assert {"search", "json", "article", "facet-click"} <= set(mix.urls)
        result = drive(server.host, server.port, mix, seconds=4, clients=4)
    summary = result.as_dict()
    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["requests"] >= 8, summary
