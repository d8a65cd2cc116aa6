"""The web UI through Flask's test client, asserting on parsed HTML."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from archive import Article
from archive.records import AgeBanner

TODAY = dt.date(2026, 11, 26)


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


@pytest.fixture
def rich(built):
    """The seed plus dated articles from several outlets, and one hostile article."""
    articles = [
        Article(id="r1", path="r1.txt", sha256="1" * 64, format="text", title="Grain prices rise",
                body="Wheat and grain prices rose sharply in Chicago.\n\nTraders cited drought.",
                outlet="Reuters", published=dt.date(1987, 3, 2), date_precision="day",
                language="en", authors=("Ann Lee",)),
        Article(id="r2", path="r2.txt", sha256="2" * 64, format="text", title="Grain exports fall",
                body="Grain exports fell in March as the harvest failed.", outlet="Reuters",
                published=dt.date(2021, 6, 1), date_precision="day", language="en"),
        Article(id="g1", path="g1.txt", sha256="3" * 64, format="text", title="Grain and bread",
                body="Bakers worry about grain costs.", outlet="The Guardian",
                published=dt.date(2026, 1, 5), date_precision="day", language="en",
                age_banner=AgeBanner("This article is more than 5 years old", 5)),
        Article(id="x1", path="x1.txt", sha256="4" * 64, format="text",
                title='<script>alert("t")</script> grain',
                body='Grain <img src=x onerror=alert(1)> &lt;b&gt; "quoted" grain',
                outlet="<b>Evil</b>", authors=("<svg onload=alert(2)>",),
                url="javascript:alert(3)", language="en"),
    ]
    with built.update() as sink:
        for a in articles:
            sink.add(a)
    return built


@pytest.fixture
def web(rich, app):
    app.config["TODAY"] = TODAY
    return app.test_client()


def test_search_page_lists_hits_with_marked_snippets(client):
    page = soup(client.get("/?q=Taliban+weapons"))
    hits = page.select("ol.hits li.hit")
    assert len(hits) == 1
    assert hits[0].h2.a.get_text() == "U.S. officials fear Russia is selling weapons to the Taliban"
    marks = {m.get_text().lower() for m in hits[0].select(".snippet mark")}
    assert marks == {"taliban", "weapons"}
    assert page.select_one(".count strong").get_text() == "1"
    assert page.title.get_text().startswith("Taliban weapons")
    assert page.select_one("input#q")["value"] == "Taliban weapons"


def test_facets_filter_and_counts_follow_the_query(web):
    page = soup(web.get("/?q=grain"))
    outlets = {li.select_one(".label").get_text(): int(li.select_one(".n").get_text())
               for li in page.select("#facet-outlet + ul li")}
    assert outlets == {"Reuters": 2, "The Guardian": 1, "<b>Evil</b>": 1}
    link = next(li.a["href"] for li in page.select("#facet-outlet + ul li")
                if li.select_one(".label").get_text() == "Reuters")
    filtered = soup(web.get(link))
    assert [h.h2.a.get_text() for h in filtered.select("li.hit")] == ["Grain exports fall",
                                                                      "Grain prices rise"] or \
        sorted(h.h2.a.get_text() for h in filtered.select("li.hit")) == ["Grain exports fall",
                                                                         "Grain prices rise"]
    years = {li.select_one(".label").get_text(): int(li.select_one(".n").get_text())
             for li in filtered.select("#facet-year + ul li")}
    assert years == {"2021": 1, "1987": 1}
    # Several values of one facet: either one matches.
    both = soup(web.get("/?q=grain&outlet=Reuters&outlet=The+Guardian"))
    assert both.select_one(".count strong").get_text() == "3"
    # Removing a chosen filter is one click.
    chips = both.select(".chosen a")
    assert len(chips) == 2


def test_age_facet_and_badges(web):
    page = soup(web.get("/?q=grain"))
    ages = {li.select_one(".label").get_text(): int(li.select_one(".n").get_text())
            for li in page.select("#facet-age + ul li")}
    assert ages == {"Under 1 year": 1, "5 to 10 years": 1, "Over 20 years": 1, "Date unknown": 1}
    badges = {h.h2.a.get_text(): h.select_one(".badge.age").get_text()
              for h in page.select("li.hit") if h.select_one(".badge.age")}
    assert badges == {"Grain prices rise": "39+ years old", "Grain exports fall": "5+ years old"}


def test_sort_and_pages(web):
    newest = soup(web.get("/?q=grain&sort=newest"))
    dates = [t["datetime"] for t in newest.select("li.hit time")]
    assert dates == ["2026-01-05", "2021-06-01", "1987-03-02"]
    paged = soup(web.get("/?q=grain&size=2&page=2"))
    assert len(paged.select("li.hit")) == 2
    assert paged.select_one(".pager").get_text(" ", strip=True).startswith("← Previous Page 2 of 2")


def test_hostile_article_is_inert_everywhere(web):
    for url in ("/?q=grain", "/article/x1", "/article/x1?q=grain"):
        html = web.get(url).get_data(as_text=True)
        page = BeautifulSoup(html, "lxml")
        # The only script is our own keys.js, from 'self', never inline.
        assert [(s.get("src"), s.string) for s in page.find_all("script")] == [
            ("/static/keys.js", None)]
        # The only SVG allowed is our own time histogram (built server-side, escaped).
        stray_svg = [s for s in page.find_all("svg") if s.find_parent("figure", "histogram") is None]
        assert not page.find_all(attrs={"onerror": True}) and not stray_svg
        assert not [a for a in page.find_all("a") if a.get("href", "").startswith("javascript")]
        assert "&lt;script&gt;" in html
    art = soup(web.get("/article/x1"))
    url_row = [dd for dt_, dd in zip(art.select(".facts dt"), art.select(".facts dd"))
               if dt_.get_text() == "URL"][0]
    assert url_row.a is None and url_row.get_text() == "javascript:alert(3)"
    marks = [m.get_text() for m in soup(web.get("/?q=grain")).select("li.hit .snippet mark")]
    assert marks and set(m.lower() for m in marks) == {"grain"}


def test_article_page_shows_metadata_warning_and_marks(web):
    page = soup(web.get("/article/r1?q=grain"))
    assert page.h1.get_text() == "Grain prices rise"
    assert page.select_one(".age-banner").get_text(strip=True) == "This story is over 39 years old"
    facts = {d.get_text(): v.get_text(" ", strip=True)
             for d, v in zip(page.select(".facts dt"), page.select(".facts dd"))}
    assert facts["Outlet"] == "Reuters" and facts["By"] == "Ann Lee"
    assert facts["Published"].startswith("1987-03-02")
    assert [m["id"] for m in page.select(".body mark")] == ["m1"]
    seed = soup(web.get("/article/b399cf9d66da118e"))
    assert "This story is over 5 years old" in seed.select_one(".age-banner").get_text()
    assert "date unknown" in seed.select_one(".facts").get_text()
    fresh = soup(web.get("/article/g1"))
    assert fresh.select_one(".age-banner") is None


def test_json_twins_match_the_pages(web):
    data = web.get("/search.json?q=grain&outlet=Reuters").get_json()
    assert data["total"] == 2 and {h["id"] for h in data["hits"]} == {"r1", "r2"}
    assert data["filters"] == [{"name": "outlet", "value": "Reuters"}]
    art = web.get("/article/r1.json").get_json()
    assert art["title"] == "Grain prices rise"
    assert art["age_warning"] == {"text": "This story is over 39 years old", "years": 39,
                                  "source": "date"}


@pytest.mark.parametrize("url, status, text", [
    ("/?q=%22unclosed", 400, "quotation mark"),
    ("/?q=grain&page=0", 400, "page"),
    ("/?q=grain&page=x", 400, "not a whole number"),
    ("/?q=grain&sort=random", 400, "sort"),
    ("/?q=date:2020-13", 400, "not a valid date"),
    ("/?q=*", 400, "wildcard"),
    ("/article/doesnotexist", 404, "no article"),
    ("/nowhere", 404, "was not found"),
])
def test_errors_are_pages_not_tracebacks(web, url, status, text):
    response = web.get(url)
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    json_url = url.replace("/?", "/search.json?") if url.startswith("/?") else url + ".json"
    response = web.get(json_url)
    assert response.status_code == status
    assert response.is_json and text in response.get_json()["error"]["message"]


def test_security_headers_on_every_response(web):
    for url in ("/", "/?q=grain", "/article/r1", "/search.json", "/nowhere", "/static/style.css"):
        response = web.get(url)
        headers = response.headers
        response.close()
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_original_file_is_a_download_never_a_page(web):
    response = web.get("/article/b399cf9d66da118e/original")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    response.close()
    text = web.get("/article/b399cf9d66da118e/original?as=text")
    assert text.headers["Content-Type"].startswith("text/plain")
    assert text.get_data(as_text=True).startswith("This story is over 5 years old.")


@pytest.mark.parametrize("article_id", ["..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd",
                                        "r1%00", "..", "r1.txt"])
def test_no_path_from_a_url_reaches_the_file_system(web, article_id):
    response = web.get(f"/article/{article_id}/original")
    assert response.status_code == 404


def test_original_of_an_article_whose_file_is_gone(web):
    response = web.get("/article/r1/original")  # r1.txt was never in the corpus
    assert response.status_code == 404
    assert "no longer in the corpus" in response.get_data(as_text=True)


def test_empty_archive_explains_how_to_add(tmp_path):
    from webapp import create_app

    app = create_app({"INDEX_DIR": str(tmp_path / "none"), "CORPUS_DIR": str(tmp_path)})
    page = soup(app.test_client().get("/"))
    assert page.h1.get_text() == "The archive is empty"
    assert "manage.py add" in page.get_text()


def test_works_without_javascript(web):
    page = soup(web.get("/?q=grain"))
    form = page.select_one("form[role=search]")
    assert form["method"] == "get" and form.select_one("button[type=submit]")
    assert all(a.get("href") for a in page.select(".facet a, .sort a"))
