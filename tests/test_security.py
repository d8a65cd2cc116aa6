"""Hostile articles through the real pipeline render inert everywhere; headers; no traversal; limits.

(tests/test_web.py covers one hand-made hostile record on the search and article
pages; here the payloads come from real HTML, text and JSON Lines files, and
every page, export and feed is checked.)
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.conftest import SEED

PAYLOADS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "<svg onload=alert(3)>",
    "\"><script>alert(4)</script>", "<iframe src=javascript:alert(5)>",
    "<a href=\"javascript:alert(6)\">click</a>", "<style>body{background:url(javascript:alert(7))}"
    "</style>", "<math><mtext><table><mglyph><style><img src=x onerror=alert(8)>",
    "{{7*7}} {% print 1 %}", "javascript:alert(9)", "<div style=\"x:expression(alert(10))\">",
]
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def hostile_corpus(folder: Path) -> None:
    folder.mkdir()
    (folder / SEED.name).write_bytes(SEED.read_bytes())
    payload = " ".join(PAYLOADS)
    encoded = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # HTML: tags in the markup are removed by extraction; entities decode into tags in the text.
    (folder / "hostile.html").write_text(
        f"<html><head><title>Hostile grain {encoded}</title>"
        f'<meta name="author" content="&lt;svg onload=alert(11)&gt; Eve">'
        f'<meta property="og:url" content="javascript:alert(12)">'
        f'<meta property="og:site_name" content="&lt;b onmouseover=alert(13)&gt;Evil Times">'
        f'<style>body{{background:url("javascript:alert(14)")}}</style>'
        f"<script>alert(15)</script></head><body><article><h1>Hostile grain {encoded}</h1>"
        + "".join(f"<p>Grain paragraph {n}: {encoded} with enough words to be kept as "
                  f"article text by the extractor, about grain prices.</p>" for n in range(6))
        + "<p><img src=x onerror=alert(16)><svg><script>alert(17)</script></svg>"
        "<a href='javascript:alert(18)'>grain link</a></p></article></body></html>")
    # Text with a header block: every field hostile.
    (folder / "hostile.txt").write_text(
        f"Title: {FORMULAS[0]} grain {PAYLOADS[0]}\nAuthor: {PAYLOADS[1]}\n"
        f"Outlet: {PAYLOADS[2]}\nURL: javascript:alert(19)\nDate: 2020-02-02\n\n"
        f"GRAIN CITY - {payload} grain {FORMULAS[1]}\n\nMore grain words {PAYLOADS[8]}.\n")
    # JSON Lines: formulas in every field a spreadsheet shows.
    lines = []
    for n, formula in enumerate(FORMULAS):
        lines.append(json.dumps({
            "title": f"{formula} grain {n}", "body": f"{formula} grain story {n}. {payload}",
            "authors": [formula, PAYLOADS[2]], "outlet": formula,
            "url": "javascript:alert(20)" if n % 2 else "data:text/html,<script>alert(21)",
            "published": "2019-01-0" + str(n + 1)}))
    (folder / "hostile.jsonl").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from archive import Config, SearchRequest, open_archive
    from indexer import pipeline
    from webapp import create_app

    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    hostile_corpus(corpus)
    (root / "secret.txt").write_text("root:x:0:0 secret outside the corpus\n")
    archive = open_archive(Config(corpus, root / "index"))
    report = pipeline.rebuild(archive, corpus, workers=1)
    assert report.ok, report.failed
    assert report.indexed == 1 + 1 + 1 + len(FORMULAS)
    app = create_app({"TESTING": True, "INDEX_DIR": str(root / "index"),
                      "CORPUS_DIR": str(corpus)})
    ids = [h.article.id for h in archive.search(SearchRequest("grain", page_size=50,
                                                              group=False)).hits]
    assert len(ids) == 2 + len(FORMULAS)
    return app.test_client(), ids, archive, root


def assert_inert(html: str, where: str) -> None:
    page = BeautifulSoup(html, "lxml")
    assert not page.find_all(["script", "iframe", "object", "embed", "img", "math", "form"],
                             recursive=True) or all(
        (f.name == "form" and f.get("action", "/").startswith("/"))
        or (f.name == "script" and f.get("src") == "/static/keys.js" and not f.string) for f in
        page.find_all(["script", "iframe", "object", "embed", "img", "math", "form"])), where
    for tag in page.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (where, tag)
            values = value if isinstance(value, list) else [value]
            for v in values:
                low = v.strip().lower()
                assert not low.startswith(("javascript:", "data:", "vbscript:")), (where, tag)
        if tag.name == "svg":
            assert "bars" in tag.get("class", []), (where, tag)  # the histogram, ours
        if tag.name == "style":
            assert tag.find_parent("body") is None, (where, tag)
    assert "49" not in page.get_text().replace("2049", "") or "{{7*7}}" in page.get_text()


def test_hostile_articles_render_inert_on_every_page(hostile):
    client, ids, _archive, _root = hostile
    urls = ["/?q=grain", "/?q=grain&group=off&size=50", "/?q=alert", "/?q=script",
            "/?q=grain&sort=newest", "/facet/author?q=grain", "/facet/outlet?q=grain",
            "/facet/author", "/?q=onerror"]
    for article_id in ids:
        urls += [f"/article/{article_id}", f"/article/{article_id}?q=grain+script+alert",
                 f"/article/{article_id}?q=%3Cscript%3E&back=javascript:alert(1)"]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert response.mimetype == "text/html"
        assert_inert(response.get_data(as_text=True), url)
    # The payload is shown as text, not lost: the reader sees what the file said.
    text = BeautifulSoup(client.get(f"/article/{ids[0]}").get_data(as_text=True), "lxml")
    assert "alert(" in text.get_text()


def test_json_twins_are_json(hostile):
    client, ids, _archive, _root = hostile
    for url in ["/search.json?q=grain&group=off"] + [f"/article/{i}.json" for i in ids]:
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/json"
        json.loads(response.get_data(as_text=True))


def test_exports_defuse_formulas_and_feeds_stay_data(hostile):
    client, ids, _archive, _root = hostile
    response = client.get("/export.csv?q=grain&group=off")
    if response.status_code == 404:
        pytest.skip("no CSV export in this version")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) >= 1 + len(ids)
    cells = [cell for row in rows[1:] for cell in row]
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    titles = [row[rows[0].index("title")] for row in rows[1:]]
    assert any(t.startswith("'=HYPERLINK") for t in titles), titles
    exported = json.loads(client.get("/export.json?q=grain&group=off").get_data(as_text=True))
    assert exported  # valid JSON whatever the text holds
    feed = client.get("/feed.atom?q=grain")
    assert feed.status_code == 200
    root = ET.fromstring(feed.get_data())
    assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1].lower() in ("script", "img")]
    for entry_link in root.iter("{http://www.w3.org/2005/Atom}link"):
        assert not entry_link.get("href", "").lower().startswith(("javascript:", "data:"))
    original = client.get(f"/article/{ids[0]}/original?as=text")
    assert original.mimetype == "text/plain"
    assert "sandbox" in original.headers["Content-Security-Policy"]


def test_security_headers_on_every_kind_of_response(hostile):
    client, ids, _archive, _root = hostile
    urls = ["/", "/?q=grain", "/?q=%22open", f"/article/{ids[0]}", f"/article/{ids[0]}.json",
            f"/article/{ids[0]}/original", f"/article/{ids[0]}/original?as=text",
            "/search.json?q=grain", "/search.json?q=%22open", "/facet/outlet", "/facet/nope",
            "/export.csv?q=grain", "/export.json?q=grain", "/feed.atom", "/static/style.css",
            "/favicon.ico", "/nowhere", "/article/nope"]
    for url in urls:
        for method in ("GET", "POST", "HEAD"):
            response = client.open(url, method=method)
            headers = response.headers
            response.close()
            assert response.status_code != 500, (method, url)
            csp = headers.get("Content-Security-Policy", "")
            assert "frame-ancestors 'none'" in csp or "sandbox" in csp, (method, url, csp)
            assert headers.get("X-Content-Type-Options") == "nosniff", (method, url)
            assert headers.get("Referrer-Policy") == "no-referrer", (method, url)
            if "sandbox" not in csp:
                assert "script-src 'self'" in csp and "default-src 'none'" in csp


TRAVERSALS = ["../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc",
              "%252e%252e%252fetc%252fpasswd", "/etc/passwd", "%2Fetc%2Fpasswd", "x%00y",
              "..%5C..%5Cetc%5Cpasswd", "%c0%ae%c0%ae%2f", "....//....//etc/passwd", "..",
              "%00", "secret.txt", "..%2Fsecret.txt", "con", "a" * 300]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_no_route_taking_a_name_reaches_outside(hostile, name):
    client, _ids, _archive, _root = hostile
    for pattern in ("/article/{}", "/article/{}.json", "/article/{}/original",
                    "/article/{}/original?as=text", "/facet/{}", "/facet/{}.json",
                    "/static/{}", "/static/../{}"):
        response = client.get(pattern.format(name))
        body = response.get_data()
        response.close()
        assert response.status_code in (400, 404, 405, 308), (pattern, name, response.status_code)
        assert b"root:x:0:0" not in body and b"secret outside" not in body, (pattern, name)


def test_stored_paths_that_leave_the_corpus_are_never_served(hostile):
    from archive import Article

    client, _ids, archive, root = hostile
    corpus = root / "corpus"
    (corpus / "link-out.txt").symlink_to(root / "secret.txt")
    bad = {"t1": "../secret.txt", "t2": str(root / "secret.txt"), "t3": "link-out.txt",
           "t4": "sub/../../secret.txt", "t5": "secret.txt\x00.html"}
    with archive.update() as sink:
        for article_id, path in bad.items():
            sink.add(Article(id=article_id, path=path, sha256="9" * 64, format="text",
                             title="Traversal", body="Traversal body."))
    try:
        for article_id in bad:
            for suffix in ("/original", "/original?as=text"):
                response = client.get(f"/article/{article_id}{suffix}")
                body = response.get_data()
                response.close()
                assert response.status_code == 404, (article_id, suffix)
                assert b"secret outside" not in body
    finally:
        with archive.update() as sink:
            for article_id in bad:
                sink.delete(article_id)
        (corpus / "link-out.txt").unlink()


# -- limits that protect the server ------------------------------------------------
@pytest.mark.parametrize("url, status, text", [
    ("/?q=" + "grain+" * 400, 400, "the limit is 1000"),
    ("/?q=grain&page=1001", 400, "between 1 and 1000"),
    ("/?q=grain&page=99999999999999999999999", 400, "between 1 and 1000"),
    ("/?q=grain&size=101", 400, "between 1 and 100"),
    ("/?q=grain&size=-1", 400, "between 1 and 100"),
    ("/?q=grain&year=notayear", 400, "not a year"),
])
def test_limits_give_a_clear_message(hostile, url, status, text):
    client, _ids, _archive, _root = hostile
    for target in (url, url.replace("/?", "/search.json?")):
        response = client.get(target)
        assert response.status_code == status, target
        body = response.get_data(as_text=True)
        assert text in (response.get_json()["error"]["message"] if response.is_json else body)


def test_article_query_and_huge_requests_are_bounded(hostile):
    client, ids, _archive, _root = hostile
    response = client.get(f"/article/{ids[0]}?q=" + "grain+" * 5000)
    assert response.status_code == 200  # the marking query is cut to 1000 characters
    response = client.post("/?q=grain", data=b"x" * (2 * 1024 * 1024))
    assert response.status_code in (405, 413)
    from archive.whoosh.budget import TIME_LIMIT  # the ranking time budget (archive/whoosh/budget.py)

    assert 0 < TIME_LIMIT <= 5
