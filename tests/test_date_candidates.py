"""Articles whose date is unsure: candidates on the article page, in JSON, CLI, JSON Lines, cache and facets."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest
from bs4 import BeautifulSoup

from archive.records import Article, DateCandidate, SearchRequest, date_candidates
from indexer.cache import ExtractionCache
from indexer.draft import Draft
from indexer.jsonl import read_jsonl
from tests.conftest import shared_path

# next to the headline: 19 February 2020 (its update); meta tags and htmldate: 12 April 2017
UNSURE = "madame.lefigaro.fr.dintestin.html"
SURE = "nytimes.com.blackouts.html"  # URL, JSON-LD, meta tags and <time> agree on 16 August 2020


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


@pytest.fixture
def dated(corpus, archive):
    """An archive of the seed article and two real pages: one whose date is sure, one unsure."""
    from indexer import pipeline

    for name in (UNSURE, SURE):
        page = shared_path("data", "dates", "html", f"{name}.gz")
        (corpus / name).write_bytes(gzip.decompress(page.read_bytes()))
    report = pipeline.rebuild(archive, corpus, workers=1)
    assert report.ok and report.indexed == 3, report.failed
    ids = {h.article.path: h.article.id for h in archive.search(SearchRequest("", page_size=10)).hits}
    return archive, ids


@pytest.fixture
def web(dated, corpus, index_dir):
    from webapp import create_app

    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus),
                      "TODAY": dt.date(2026, 11, 26)})
    return app.test_client(), dated[1]


def _published(page: BeautifulSoup) -> BeautifulSoup:
    return next(dd for dt_, dd in zip(page.select(".facts dt"), page.select(".facts dd"))
                if dt_.get_text() == "Published")


def test_unsure_article_page_says_date_unknown_and_lists_the_candidates(web):
    client, ids = web
    cell = _published(soup(client.get(f"/article/{ids[UNSURE]}")))
    assert cell.find("time") is None
    assert cell.get_text(" ", strip=True).startswith("date unknown")
    listed = cell.select_one(".date-candidates").get_text(" ", strip=True)
    assert listed.startswith("possible dates: 2020-02-19 from the date next to the headline")
    assert listed.endswith("2017-04-12 from the page's meta tags, htmldate's scan of the page and the page text")


def test_sure_article_page_shows_the_date_its_source_and_confidence(web):
    client, ids = web
    cell = _published(soup(client.get(f"/article/{ids[SURE]}")))
    assert cell.find("time")["datetime"] == "2020-08-16"
    source = cell.select_one(".source").get_text()
    assert source.startswith("from the URL, confidence ") and source.endswith("%")
    assert cell.select_one(".date-candidates") is None


def test_article_json_carries_confidence_and_candidates(web):
    client, ids = web
    unsure = client.get(f"/article/{ids[UNSURE]}.json").get_json()
    assert (unsure["published"], unsure["date_precision"], unsure["date_confidence"]) == (None, None, None)
    assert [c["date"] for c in unsure["date_candidates"]] == ["2020-02-19", "2017-04-12"]
    assert unsure["date_candidates"][0]["sources"] == ["headline"]
    assert "meta" in unsure["date_candidates"][1]["sources"]
    sure = client.get(f"/article/{ids[SURE]}.json").get_json()
    assert sure["published"] == "2020-08-16" and 0.5 < sure["date_confidence"] <= 1
    assert sure["date_candidates"][0]["date"] == "2020-08-16"


def test_unsure_article_counts_as_undated_in_facets_and_histogram(web):
    client, ids = web
    page = client.get("/search.json").get_json()
    facets = {f["name"]: {v["value"]: v["count"] for v in f["values"]} for f in page["facets"]}
    # the seed article has no date either, but its age comes from the publisher's banner
    assert facets["year"] == {"2020": 1, "unknown": 2}
    assert facets["age"]["unknown"] == 1
    assert page["histogram"]["undated"] == 2
    undated = client.get("/search.json?date=unknown").get_json()
    assert ids[UNSURE] in {h["id"] for h in undated["hits"]}
    assert ids[SURE] not in {h["id"] for h in undated["hits"]}


def test_extract_json_candidates_are_read_back_by_the_json_lines_reader(cli, dated, corpus, tmp_path):
    result = cli("extract", str(corpus / UNSURE), "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output.splitlines()[0])
    assert record["published"] is None and len(record["date_candidates"]) == 2
    export = tmp_path / "export.jsonl"
    export.write_text(result.output, encoding="utf-8")
    (draft,) = list(read_jsonl(export.read_bytes(), "export.jsonl"))
    assert draft.published is None
    assert [c.as_dict() for c in draft.date_candidates] == record["date_candidates"]
    sure = json.loads(cli("extract", str(corpus / SURE), "--json").output.splitlines()[0])
    (back,) = list(read_jsonl(json.dumps(sure).encode(), "sure.jsonl"))
    assert back.published == dt.date(2020, 8, 16) and back.date_confidence == sure["date_confidence"]


def test_json_lines_reader_skips_broken_candidates():
    line = json.dumps({"title": "t", "body": "b", "date_confidence": 7,
                       "date_candidates": [{"date": "2019-03-04", "sources": ["url"]}, {"date": "nonsense"},
                                           "2019-03-05", {"date": "2019-03-04", "sources": ["text"]}]})
    (draft,) = list(read_jsonl(line.encode(), "x.jsonl"))
    assert draft.date_confidence is None
    assert draft.date_candidates == [DateCandidate(dt.date(2019, 3, 4), ("url", "text"))]


def test_article_record_and_extraction_cache_keep_the_candidates(tmp_path):
    cands = (DateCandidate(dt.date(2019, 3, 4), ("url",)), DateCandidate(dt.date(2019, 3, 5), ("label", "text")))
    art = Article(id="a", path="a.html", sha256="0" * 64, format="html", title="t", body="b",
                  date_candidates=cands)
    assert Article.from_dict(json.loads(json.dumps(art.as_dict()))) == art
    assert cands[1].label() == "2019-03-05 from a label in the page text and the page text"
    assert date_candidates([c.as_dict() for c in cands]) == cands
    cache = ExtractionCache(tmp_path / "cache.sqlite")
    draft = Draft(title="t", body="b", published=dt.date(2019, 3, 4), date_precision="day", date_source="url",
                  date_confidence=0.91, date_candidates=list(cands))
    cache.put_many([("s" * 64, "html", [draft])])
    (back,) = cache.get("s" * 64, "html")
    assert back == draft
    cache.close()
