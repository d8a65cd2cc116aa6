"""Articles come back from OpenSearch exactly as they went in: every field of `Article`, for
generated articles with every field set (Hypothesis) and for real ones (Reuters, BBC, HTML pages)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import tarfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.opensearch.mapping import mappings
from archive.records import AgeBanner, Article, DateCandidate
from indexer import pipeline
from indexer.corpus import CorpusFile, iter_corpus
from tests.conftest import SEED, extraction_page, shared_path

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
names = st.lists(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20),
                 max_size=4).map(tuple)
maybe = st.none() | text


@st.composite
def articles(draw, n: int) -> Article:
    """An article with every field drawn (None and empty where a field allows it)."""
    return Article(
        id=f"h{n:03d}", path=draw(text.filter(bool)), sha256=f"{n:064x}",
        format=draw(st.sampled_from(["html", "text", "reuters-sgml", "jsonl", "warc"])),
        title=draw(text), body=draw(st.text(max_size=400)), item=draw(maybe),
        authors=draw(names), outlet=draw(maybe), outlet_source=draw(maybe),
        published=draw(st.none() | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
        date_precision=draw(st.sampled_from([None, "day", "month", "year"])),
        date_source=draw(maybe),
        date_confidence=draw(st.none() | st.floats(0, 1)),
        date_candidates=tuple({c.day: c for c in draw(st.lists(st.builds(
            DateCandidate, st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
            st.lists(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1,
                             max_size=12).filter(str.strip), max_size=3, unique=True).map(
                tuple)), max_size=3))}.values()),
        url=draw(maybe), language=draw(maybe),
        age_banner=draw(st.none() | st.builds(AgeBanner, text, st.none() | st.integers(0, 200))),
        dateline=draw(maybe), agency=draw(maybe), source_id=draw(maybe), topics=draw(names),
        places=draw(names), people=draw(names), orgs=draw(names), exchanges=draw(names),
        word_count=draw(st.integers(0, 2**31 - 1)),
        added=draw(st.none() | st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2100, 1, 1),
                                            timezones=st.just(dt.UTC)).map(
            lambda d: d.replace(microsecond=0))))


def test_every_article_field_has_a_mapping():
    """A field added to Article gets a mapping decision here (it round-trips either way)."""
    properties = mappings("morgue")["properties"]
    missing = [f.name for f in dataclasses.fields(Article) if f.name not in properties]
    assert missing == []


@pytest.mark.opensearch
@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batch=st.tuples(*[articles(n) for n in range(20)]))
def test_generated_articles_round_trip(os_archive, batch):
    with os_archive.update() as sink:
        for item in batch:
            sink.add(item)
    for item in batch:
        back = os_archive.get(item.id)
        for field in dataclasses.fields(Article):
            assert getattr(back, field.name) == getattr(item, field.name), field.name
        assert back == item


def real_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy2(SEED, corpus / SEED.name)
    shutil.copy2(shared_path("data", "reuters21578", "reut2-003.sgm"), corpus / "reut2-003.sgm")
    with tarfile.open(shared_path("data", "bbc", "bbc-fulltext.tar.gz")) as tar:
        for member in [m for m in tar.getmembers() if m.name.endswith(".txt")][:40]:
            (corpus / member.name.replace("/", "_")).write_bytes(
                tar.extractfile(member).read())
    for prefix in ("0", "2", "4", "6", "7"):
        page = extraction_page(prefix)
        shutil.copy2(page, corpus / page.name)
    return corpus


@pytest.mark.opensearch
def test_real_articles_round_trip(os_archive, tmp_path):
    corpus = real_corpus(tmp_path)
    report = pipeline.rebuild(os_archive, corpus, workers=1)
    assert report.ok, report.failed
    expected = [a for entry in iter_corpus(corpus) if isinstance(entry, CorpusFile)
                for a in pipeline.extract_corpus_file(entry).articles]
    assert len(expected) == report.indexed > 1000
    assert any(a.published and a.topics and a.places and a.added for a in expected)
    assert any(a.date_confidence is not None for a in expected)
    assert any(a.format == "html" and a.authors and a.url for a in expected)
    for item in expected:
        assert os_archive.get(item.id) == item
