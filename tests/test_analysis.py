"""The Python analysis (archive.analysis) gives the Whoosh schema's terms, on real articles."""

from __future__ import annotations

import tarfile

import pytest

from archive.analysis import TextAnalysis, fold, text_terms
from tests.conftest import shared_path

PATTERNS = ("Runn*ing", "the", "having", "Kennedy's*", "Économ*", "wi?d*", "a", "being", "İst*",
            "O’Brien", "naïve", "U.S", "3.5", "Straße")


def bbc_texts(count: int = 120) -> list[str]:
    texts = []
    with tarfile.open(shared_path("data", "bbc", "bbc-fulltext.tar.gz")) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".txt"):
                texts.append(tar.extractfile(member).read().decode("latin-1"))
            if len(texts) >= count:
                break
    return texts


@pytest.fixture(scope="module")
def whoosh_analysis():
    from archive.whoosh.compile import WhooshAnalysis
    from archive.whoosh.schema import build_schema

    return WhooshAnalysis(build_schema()), build_schema()


def test_query_words_and_patterns_as_whoosh_analyses_them(whoosh_analysis):
    whoosh, _schema = whoosh_analysis
    mine = TextAnalysis()
    for text in bbc_texts() + [" ".join(PATTERNS)]:
        for field in (None, "title", "body", "author", "outlet", "place", "topic", "url"):
            assert mine.words(field, text) == whoosh.words(field, text), (field, text[:60])
    for pattern in PATTERNS:
        for field in (None, "author", "topic", "url"):
            assert mine.term(field, pattern) == whoosh.term(field, pattern), (field, pattern)


def test_body_terms_and_fold_as_the_index_holds_them(whoosh_analysis):
    _whoosh, schema = whoosh_analysis
    body = schema["body"]
    for text in bbc_texts(60):
        assert text_terms(text) == [t.text for t in body.analyzer(text)]
        for word in body.tokens.findall(text[:2000]):
            assert fold(word) == body.fold(word)
