"""Golden files: what extraction must produce for every article in corpus/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.corpus import CorpusFile, iter_corpus
from indexer.pipeline import extract_corpus_file

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "corpus"
FILES = [e for e in iter_corpus(REPO / "corpus") if isinstance(e, CorpusFile)]


def test_every_corpus_file_has_a_golden_file():
    missing = [f.relpath for f in FILES if not (GOLDEN / f"{f.relpath}.json").exists()]
    assert not missing, f"add golden files for {missing}"


@pytest.mark.parametrize("item", FILES, ids=[f.relpath for f in FILES])
def test_extraction_matches_golden(item):
    expected = json.loads((GOLDEN / f"{item.relpath}.json").read_text(encoding="utf-8"))
    result = extract_corpus_file(item)
    assert not result.problems, result.problems
    assert len(result.articles) == 1
    got = result.articles[0].as_dict()
    for key in ("title", "format", "outlet", "outlet_source", "published", "date_precision",
                "authors", "url", "language", "dateline", "age_banner", "age_warning",
                "sha256", "word_count"):
        assert got[key] == expected[key], key
    body = got["body"]
    assert body.startswith(expected["body_starts"])
    assert body.endswith(expected["body_ends"])
    paragraphs = body.split("\n\n")
    for head in expected["paragraphs_include"]:
        assert head in paragraphs
    for text in expected["body_excludes"]:
        assert text not in body
