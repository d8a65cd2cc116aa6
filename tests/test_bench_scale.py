"""bench.scale on a small generated corpus: it runs end to end on the embedded engine, and a
corpus given with --corpus is left as it was, so each engine's run indexes the same articles."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO, shared_path


def test_a_given_corpus_is_left_as_it_was(tmp_path):
    shared_path("data", "reuters21578")  # skips with a reason without ../shared
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, "-m", "bench.generate", str(corpus), "--articles", "400"],
                   cwd=REPO, check=True, capture_output=True)
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    for _run in range(2):
        done = subprocess.run([sys.executable, "-m", "bench.scale", "--corpus", str(corpus),
                               "--work", str(tmp_path / "work"), "--rounds", "1"],
                              cwd=REPO, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert "reindex of 400 articles" in done.stdout  # not 405: no added article left over
        assert "add one article until searchable" in done.stdout
        assert {p.name: p.read_bytes() for p in corpus.iterdir()} == before
