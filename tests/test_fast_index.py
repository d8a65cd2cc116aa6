"""The fast indexing path gives exactly the postings of the analyzer chain."""

from __future__ import annotations

import random

import pytest

from archive.whoosh.schema import FastText, build_schema
from tests.conftest import SEED, shared_path

SAMPLES = [
    "The U.S. and NATO's partners — Kennedy’s aides — said co-operation was 3.5 times higher.",
    "Ça coûte 15 € à Zürich; O'Brien's naïve café, résumé and Œuvres. A I x y 42",
    "Boundary-layer flow over a flat plate at Mach 2.5 (Navier-Stokes).",
    "",
    "   ",
    "ALL CAPS HEADLINE: THE END OF THE WORLD",
]


def chain_postings(field: FastText, text: str) -> list:
    # The analyzer chain through the standard TEXT implementation.
    return sorted(super(FastText, field).index(text))


def fast_postings(field: FastText, text: str) -> list:
    return sorted(field.index(text))


@pytest.mark.parametrize("field_name", ["title", "body"])
@pytest.mark.parametrize("text", SAMPLES)
def test_samples(field_name, text):
    field = build_schema()[field_name]
    assert fast_postings(field, text) == chain_postings(field, text)


def test_seed_article():
    field = build_schema()["body"]
    text = SEED.read_text(encoding="utf-8")
    assert fast_postings(field, text) == chain_postings(field, text)


def test_real_articles_from_reuters_and_bbc():
    import tarfile

    from indexer.draft import Draft
    from indexer.reuters import read_reuters

    field = build_schema()["body"]
    sgm = shared_path("data", "reuters21578", "reut2-017.sgm")
    drafts = [d for d in read_reuters(sgm.read_bytes(), sgm.name) if isinstance(d, Draft)]
    texts = [d.body for d in random.Random(7).sample(drafts, 150)]
    with tarfile.open(shared_path("data", "bbc", "bbc-fulltext.tar.gz")) as tar:
        members = [m for m in tar.getmembers() if m.name.endswith(".txt")][:60]
        texts += [tar.extractfile(m).read().decode("utf-8", "replace") for m in members]
    for text in texts:
        assert fast_postings(field, text) == chain_postings(field, text)


def test_the_stemmer_is_snowball_2_english():
    """Snowball 2's English rules (Whoosh's port follows them; Snowball 3 changed some)."""
    from whoosh.lang import stemmer_for_language

    from archive.whoosh.schema import stem

    words = ["running", "international", "added", "evening", "generally", "realization", "geologists"]
    assert [stem(w) for w in words] == ["run", "intern", "ad", "even", "general", "realiz", "geologist"]
    port = stemmer_for_language("en")
    assert [port(w) for w in words if w != "realization"] == [stem(w) for w in words if w != "realization"]


def test_index_and_queries_stem_alike(built):
    from archive import SearchRequest

    for word in ("administration", "administrative", "administrator"):
        page = built.search(SearchRequest(word))
        assert page.total >= 1, word
