"""Reporter tools on the search page: query syntax and explainer, "did you mean", facets,
the time histogram and date presets, exports, the Atom feed and heavy queries."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from archive import SearchRequest
from reporter_corpora import bbc_corpus, build, newsroom_corpus, reuters_corpus

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def reuters(tmp_path_factory):
    return build(reuters_corpus(tmp_path_factory.mktemp("reuters"), "reut2-000.sgm"))


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    return build(newsroom_corpus(tmp_path_factory.mktemp("newsroom")))


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def params(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


# -- 1. proximity, fuzzy and the explainer -------------------------------------------------


def test_proximity_finds_words_apart_that_the_phrase_misses(reuters):
    phrase = reuters.archive.search(SearchRequest('"oil prices"', group=False)).total
    near = reuters.archive.search(SearchRequest('"oil prices"~5', group=False)).total
    assert 0 < phrase < near


def test_fuzzy_word_matches_a_misspelling(reuters):
    assert reuters.archive.search(SearchRequest("petroleun")).total == 0
    assert reuters.archive.search(SearchRequest("petroleun~1")).total > 0


def test_explainer_shows_required_phrase_excluded_and_dates(reuters):
    resp = reuters.client.get('/?q="oil prices"~5 opec -saudi date:1987-03')
    assert resp.status_code == 200
    items = soup(resp).select(".explain li.clause")
    roles = [(li["class"][1], li.strong.get_text()) for li in items]
    assert ("required", "“oil prices”") in roles
    assert ("required", "opec") in roles
    assert ("excluded", "saudi") in roles
    assert ("filter", "1987-03-01 to 1987-03-31") in roles
    near = next(li for li in items if "oil prices" in li.strong.get_text())
    assert "within 5 words" in near.select_one(".detail").get_text()
    data = reuters.client.get('/search.json?q="oil prices"~5 opec -saudi').get_json()
    kinds = {(c["role"], c["kind"], c["text"]) for c in data["explanation"]}
    assert {("required", "near", "oil prices"), ("excluded", "word", "saudi")} <= kinds


def test_explainer_escapes_what_was_typed(newsroom):
    page = soup(newsroom.client.get("/?q=<b>harbour</b>"))
    assert page.select_one(".explain b") is None
    assert page.select(".explain strong")


# -- 2. did you mean -------------------------------------------------------------------


def test_did_you_mean_links_to_the_corrected_search(reuters):
    page = soup(reuters.client.get("/?q=petrolium"))
    link = page.select_one(".suggestion a")
    assert link is not None and link.get_text() == "petroleum"
    assert params(link["href"])["q"] == ["petroleum"]
    assert soup(reuters.client.get(link["href"])).select(".hit")
    data = reuters.client.get("/search.json?q=petrolium").get_json()
    assert data["suggestion"]["query"] == "petroleum" and data["suggestion"]["total"] > 3


def test_no_suggestion_when_the_query_finds_plenty(reuters):
    assert reuters.client.get("/search.json?q=oil").get_json()["suggestion"] is None


# -- 3. facets: counts without their own filter, top 10 and the full list ---------------


def test_facet_counts_ignore_their_own_filter(reuters):
    base = reuters.archive.search(SearchRequest("oil"))
    places = {v.value: v.count for v in next(f for f in base.facets if f.name == "place").values}
    chosen = reuters.archive.search(SearchRequest("oil", filters=(("place", "usa"),)))
    place = next(f for f in chosen.facets if f.name == "place")
    assert {v.value: v.count for v in place.values}["uk"] == places["uk"]  # own filter ignored
    topic = next(f for f in chosen.facets if f.name == "topic")
    assert sum(v.count for v in topic.values) < sum(
        v.count for v in next(f for f in base.facets if f.name == "topic").values)


def test_long_facet_shows_ten_and_links_to_the_full_list(newsroom):
    page = soup(newsroom.client.get("/?q=harbour"))
    section = page.find("h2", id="facet-author").find_parent("section")
    assert len(section.select("li")) == 10
    more = section.select_one(".more a")
    assert more["href"].startswith("/facet/author?") and params(more["href"])["q"] == ["harbour"]
    full = soup(newsroom.client.get(more["href"]))
    rows = full.select("table.facet-table tbody tr")
    assert len(rows) > 10
    data = newsroom.client.get("/facet/author.json?q=harbour").get_json()
    assert len(data["values"]) == len(rows) == data["total_values"]


def test_unknown_facet_page_is_a_404_not_a_500(newsroom):
    assert newsroom.client.get("/facet/nonsense").status_code == 404


# -- 4. time: histogram, presets, undated ----------------------------------------------


def test_histogram_bars_link_to_their_period(newsroom):
    page = soup(newsroom.client.get("/"))
    svg = page.select_one("figure.histogram svg")
    bars = svg.find_all("a")
    assert len(bars) == 2023 - 1995 + 1  # one per year, empty years included
    first = bars[0]
    assert first.title.get_text() == "1995: 1 article" == first["aria-label"]
    assert params(first["href"])["date"] == ["1995"]
    table = page.select("figure.histogram table tbody tr")
    assert [td.get_text() for td in table[6].find_all("td")] == ["2001", "3"]
    undated = page.select_one(".undated a")
    assert undated.get_text() == "1 without a date" and params(undated["href"])["date"] == ["unknown"]
    only = newsroom.archive.search(SearchRequest("", filters=(("date", "unknown"),)))
    assert only.total == 1 and only.hits[0].article.title == "Swing bridge shut for repairs"


def test_short_span_is_shown_per_day_and_a_bar_replaces_the_date_filter(newsroom):
    resp = newsroom.client.get("/?date=2001&group=off")
    bars = soup(resp).select("figure.histogram svg a")
    assert [b["aria-label"] for b in bars] == ["2 May 2001: 1 article", "3 May 2001: 1 article",
                                              "4 May 2001: 1 article"]
    assert params(bars[0]["href"])["date"] == ["2001-05-02"]  # replaces the year, not added
    assert params(bars[0]["href"])["group"] == ["off"]
    chosen = soup(newsroom.client.get(bars[0]["href"])).select("figure.histogram svg a")
    assert [b.get("aria-current") for b in chosen] == ["true"]


def test_months_for_a_span_under_three_years(newsroom):
    data = newsroom.client.get("/search.json?date=2022..2023").get_json()["histogram"]
    assert data["unit"] == "month" and data["bars"][0]["value"] == "2022-03"
    assert len(data["bars"]) == 13 and sum(b["count"] for b in data["bars"]) == 2


def test_reuters_days_and_presets(reuters):
    data = reuters.client.get("/search.json?q=oil").get_json()
    hist = data["histogram"]
    assert hist["unit"] in ("day", "month")
    assert sum(b["count"] for b in hist["bars"]) + hist["undated"] == data["total"]
    presets = {p["label"]: p for p in hist["presets"]}
    assert presets["Before 2000"]["count"] == data["total"] - hist["undated"]
    assert presets["Last 5 years"]["count"] == 0
    page = soup(reuters.client.get("/?q=oil"))
    link = next(a for a in page.select("nav.presets a") if a.get_text().startswith("Before 2000"))
    assert params(link["href"])["date"] == ["..1999-12-31"]
    assert soup(reuters.client.get(link["href"])).select(".hit")


# -- 8. export ---------------------------------------------------------------------------


def test_csv_export_has_every_match_and_defuses_formulas(newsroom):
    resp = newsroom.client.get("/export.csv?q=harbour&size=2")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    total = newsroom.archive.search(SearchRequest("harbour")).total
    assert len(rows) == total > 2  # all of it, not the page
    hostile = next(r for r in rows if "HYPERLINK" in r["title"])
    assert hostile["title"].startswith("'=HYPERLINK")
    assert hostile["outlet"] == "'+Weekly" and hostile["authors"] == "'-Dash"
    assert all(not r["title"].startswith(("=", "+", "-", "@")) for r in rows)


def test_json_export_streams_the_whole_set(reuters):
    resp = reuters.client.get("/export.json?q=oil&sort=newest")
    data = json.loads(resp.get_data(as_text=True))
    assert data["total"] == len(data["articles"]) > 10
    dates = [a["published"] for a in data["articles"] if a["published"]]
    assert dates == sorted(dates, reverse=True)
    assert data["stories"] <= data["total"]


# -- 9. the Atom feed ----------------------------------------------------------------------


def test_atom_feed_is_valid_newest_first_and_escaped(newsroom):
    page = soup(newsroom.client.get("/?q=harbour"))
    link = page.find("link", rel="alternate", type="application/atom+xml")
    resp = newsroom.client.get(link["href"])
    assert resp.mimetype == "application/atom+xml"
    root = ET.fromstring(resp.get_data())
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}").text
    entries = root.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}").text
    published = [e.find(f"{ATOM}published").text for e in entries
                 if e.find(f"{ATOM}published") is not None]
    assert published == sorted(published, reverse=True)
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert any("<script>x</script>" in t for t in titles)  # text, escaped in the XML
    assert b"<script>" not in resp.get_data()


# -- 10. heavy queries -----------------------------------------------------------------------


def test_bare_wildcard_gives_partial_results_with_a_note(reuters):
    resp = reuters.client.get("/?q=a*")
    assert resp.status_code == 200
    page = soup(resp)
    assert page.select(".hit")
    notes = [p.get_text() for p in page.select(".note.partial")]
    assert any("a*" in n and "most common" in n for n in notes)
    assert reuters.client.get("/search.json?q=a*").get_json()["partial"] is True


def test_huge_or_does_not_fail(reuters):
    words = " OR ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyz")
    resp = reuters.client.get("/search.json", query_string={"q": words})
    assert resp.status_code == 200 and resp.get_json()["total"] > 0


# -- BBC text ---------------------------------------------------------------------------------


def test_bbc_articles_are_grouped_searched_and_exported(tmp_path):
    corpus = bbc_corpus(tmp_path, ("bbc/business/001.txt", "bbc/business/002.txt",
                                   "bbc/tech/001.txt", "bbc/sport/001.txt"))
    (corpus / "copy_of_business_001.txt").write_bytes((corpus / "bbc_business_001.txt")
                                                      .read_bytes() + b"\n\nAdded line.\n")
    ns = build(corpus)
    page = ns.archive.search(SearchRequest(""))
    assert page.total == 5 and page.stories == 4
    data = ns.client.get("/search.json?group=off").get_json()
    assert data["stories"] is None and len(data["hits"]) == 5
    # BBC files have no dates: the histogram says so instead of dropping them.
    assert data["histogram"]["undated"] == 5
    assert soup(ns.client.get("/")).select_one(".undated a").get_text() == "5 without a date"
