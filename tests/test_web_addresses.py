"""Addresses people type and headers clients read, through Flask's test client."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup


def test_search_address_redirects_to_the_search_page_with_the_same_query(client):
    resp = client.get("/search?q=Taliban+weapons&outlet=VICE+News&sort=newest&page=1")
    assert resp.status_code == 302
    target = urlsplit(resp.headers["Location"])
    assert target.path == "/"
    assert parse_qs(target.query) == {"q": ["Taliban weapons"], "outlet": ["VICE News"],
                                      "sort": ["newest"], "page": ["1"]}
    page = client.get("/search?q=Taliban+weapons", follow_redirects=True)
    assert page.status_code == 200 and page.request.path == "/"
    hits = BeautifulSoup(page.get_data(as_text=True), "lxml").select("ol.hits li.hit")
    assert len(hits) == 1


def test_search_address_without_a_query_and_with_a_slash(client):
    assert client.get("/search").headers["Location"] in ("/", "http://localhost/")
    resp = client.get("/search/?q=taliban")
    assert resp.status_code in (302, 308)
    assert client.get("/search/?q=taliban", follow_redirects=True).request.path == "/"


def test_search_address_keeps_encoded_characters(client):
    resp = client.get("/search?q=%22caf%C3%A9+au+lait%22+%26+co")
    assert parse_qs(urlsplit(resp.headers["Location"]).query) == {"q": ['"café au lait" & co']}


def test_search_json_is_still_the_json_twin(client):
    resp = client.get("/search.json?q=Taliban")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.get_json()["total"] == 1


def test_csv_export_names_its_charset_once(client):
    resp = client.get("/export.csv?q=Taliban")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert client.get("/export.json?q=Taliban").headers["Content-Type"] == "application/json"
