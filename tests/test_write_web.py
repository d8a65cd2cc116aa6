"""Adding, correcting, taking down and restoring from the browser, through Flask's test client.

The web and `manage.py add` share one core function: the same checks, duplicate rule, corpus
layout and sidecar. Pages are fetched from a server on 127.0.0.1 through the fetch policy's
seams (tests/test_fetch.py), never from another address.
"""

from __future__ import annotations

import gzip
import io
import json

import pytest
from bs4 import BeautifulSoup

from tests.test_fetch import PAGE, Network, Served, policy
from tests.web_accounts import (client_as, csrf_token, instance, page_html,  # noqa: F401
                                make_accounts, snapshot)


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.get_data(as_text=True), "lxml")


@pytest.fixture(scope="module")
def page_server():
    served = Served("127.0.0.1")
    yield served
    served.stop()


@pytest.fixture
def net():
    network = Network()
    yield network
    assert network.forbidden == []


@pytest.fixture
def app(built, corpus, index_dir, instance, net):
    from webapp import create_app

    make_accounts(instance)
    return create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus),
                       "INSTANCE_DIR": str(instance),
                       "FETCH_POLICY": policy(net, "127.0.0.1/32")})


@pytest.fixture
def editor(app):
    return client_as(app, "eddie")


def upload(client, files: list[tuple[bytes, str]], **fields):
    data = {"mode": "upload", "csrf_token": csrf_token(client, "/add"), **fields,
            "files": [(io.BytesIO(b), name) for b, name in files]}
    return client.post("/add", data=data, content_type="multipart/form-data")


def post(client, url: str, **fields):
    return client.post(url, data={"csrf_token": csrf_token(client, "/add"), **fields})


def extracted(resp) -> list[dict]:
    """Each extracted article on the result page: its link and its facts."""
    out = []
    for art in soup(resp).select("article.extracted"):
        facts = {dt.get_text(strip=True): dd.get_text(" ", strip=True)
                 for dt, dd in zip(art.select("dt"), art.select("dd"))}
        out.append({"href": art.h3.a["href"], "title": art.h3.get_text(strip=True), **facts})
    return out


def test_uploads_are_added_like_the_command_line_adds_them(editor, corpus, cli, tmp_path):
    html = page_html("Harbour strike ends", "Published 2019-05-02 by Reuters.")
    text = b"Title: Port deal\nDate: 2018-03-04\nOutlet: Reuters\nAuthor: Ann Lee\n\nThe port deal " \
           b"was signed on Monday after months of talks between the unions and the owners.\n"
    packed = gzip.compress(text)
    resp = upload(editor, [(html, "strike.html"), (packed, "deal.txt.gz")],
                  outlet="The Harbour Times")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    found = {a["title"]: a for a in extracted(resp)}
    assert set(found) == {"Harbour strike ends", "Port deal"}
    deal = found["Port deal"]
    assert deal["Outlet"].startswith("The Harbour Times") and "2018-03-04" in deal["Published"]
    assert deal["By"] == "Ann Lee" and int(deal["Words"]) > 10
    assert found["Harbour strike ends"]["Other versions"] == "none found"
    # Stored as the command line stores them: the bytes, the name, the sidecar.
    assert (corpus / "strike.html").read_bytes() == html
    assert (corpus / "deal.txt.gz").read_bytes() == packed
    side = json.loads((corpus / "strike.html.meta.json").read_text())
    assert side["outlet"] == "The Harbour Times"
    # Searchable at once, in the same server.
    hits = editor.get("/search.json?q=harbour+strike").get_json()
    assert "Harbour strike ends" in [h["title"] for h in hits["hits"]]
    # The same file again, from the web or the command line: a duplicate, not added twice.
    again = upload(editor, [(html, "copy.html")])
    assert "already in the archive" in again.get_data(as_text=True)
    assert not (corpus / "copy.html").exists()
    (tmp_path / "same.html").write_bytes(html)
    assert "duplicate" in cli("add", str(tmp_path / "same.html")).output


def test_the_command_line_and_the_web_store_the_same_way(app, editor, tmp_path):
    """Equal inputs give equal corpus files, sidecars (but the time) and articles."""
    from archive import Config, open_archive
    from indexer import adding

    html = page_html("Same layout", "A story about cranes and ships at the quay.")
    resp = upload(editor, [(html, "layout.html")], date="2017-06", title="Given title")
    web = extracted(resp)[0]
    cli_corpus = tmp_path / "cli-corpus"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "layout.html").write_bytes(html)
    report = adding.add(open_archive(Config(cli_corpus, tmp_path / "cli-index")), cli_corpus,
                          [tmp_path / "in" / "layout.html"], {"date": "2017-06",
                                                              "title": "Given title"})
    article = report.outcomes[0].articles[0]
    assert web["title"] == article.title == "Given title"
    assert "2017-06" in web["Published"] and article.date_source == "given"
    corpus = app.extensions["morgue"]["config"].corpus_dir
    for name in ("layout.html", "layout.html.meta.json"):
        mine = (corpus / name).read_bytes()
        theirs = (cli_corpus / name).read_bytes()
        if name.endswith(".json"):
            mine, theirs = (dict(json.loads(x), added=None) for x in (mine, theirs))
        assert mine == theirs, name


def test_paste_a_text(editor):
    resp = post(editor, "/add", mode="paste", paste_title="Strike talks\nDate: 1999",
                paste_date="2015-02-03", paste_outlet="Wire", paste_author="Bo Li",
                paste_url="https://example.org/strike",
                paste_text="Title: not a header\n\nTalks to end the strike resumed on Monday.")
    assert resp.status_code == 200
    art = extracted(resp)[0]
    assert art["title"] == "Strike talks Date: 1999"  # one line: no header injection
    assert "2015-02-03" in art["Published"] and art["By"] == "Bo Li"
    assert art["URL"] == "https://example.org/strike"
    page = editor.get(art["href"]).get_data(as_text=True)
    assert "Title: not a header" in page  # the pasted text is the body, whatever it holds
    bad = post(editor, "/add", mode="paste", paste_title="x", paste_text="y",
               paste_date="tomorrow")
    assert bad.status_code == 400 and "date" in bad.get_data(as_text=True)


def test_save_a_page_by_its_url(editor, page_server, corpus, net):
    url = page_server.url("/page.html")
    resp = post(editor, "/add", mode="url", page_url=url, outlet="Dock News")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    art = extracted(resp)[0]
    assert art["title"] == "Harbour strike ends" and art["URL"] == url
    stored = corpus / "127-0-0-1-page.html"
    assert stored.read_bytes() == PAGE
    side = json.loads((corpus / "127-0-0-1-page.html.meta.json").read_text())
    assert side["url"] == url and side["outlet"] == "Dock News" and side["fetched"]
    assert net.connected == ["127.0.0.1"]
    refused = post(editor, "/add", mode="url", page_url="http://169.254.169.254/latest/")
    assert refused.status_code == 400 and "refused" in refused.get_data(as_text=True)
    refused = post(editor, "/add", mode="url", page_url="file:///etc/passwd")
    assert refused.status_code == 400 and "only http and https" in refused.get_data(as_text=True)


def test_the_bookmarklet_brings_the_page_address(editor):
    page = soup(editor.get("/add"))
    link = page.select_one("a.bookmarklet")["href"]
    assert link.startswith("javascript:") and "http://localhost/add" in link
    assert "encodeURIComponent(location.href)" in link
    prefilled = soup(editor.get("/add?url=https://example.org/story"))
    assert prefilled.select_one("#page_url")["value"] == "https://example.org/story"


def test_correct_an_article(app, editor, corpus, cli, instance):
    from webapp.users import Accounts

    resp = upload(editor, [(page_html("Crane collapse"), "crane.html")])
    href = extracted(resp)[0]["href"]
    aid = href.rsplit("/", 1)[1]
    form = soup(editor.get(f"{href}/correct"))
    assert form.select_one("#title")["value"] == "Crane collapse"
    resp = post(editor, f"{href}/correct", title="Crane collapses at quay", date="2016-07-08",
                outlet="Quay Post", authors="Ann Lee\nBo Li")
    assert resp.status_code == 302
    page = soup(editor.get(href))
    facts = page.select_one(".facts").get_text(" ", strip=True)
    assert page.h1.get_text() == "Crane collapses at quay"
    assert "2016-07-08 set by an editor" in facts and "Ann Lee, Bo Li" in facts
    assert page.select_one(".corrected").get_text(" ", strip=True).startswith(
        "Corrected by eddie on")
    data = editor.get(f"/article/{aid}.json").get_json()
    assert data["correction"]["by"] == "eddie" and data["date_source"] == "editor"
    entry = next(Accounts(instance).entries(action="correct"))
    assert entry.details["old"] == {"title": "Crane collapse", "date": "", "outlet": "",
                                    "authors": []}
    assert entry.details["new"]["date"] == "2016-07-08" and entry.sha256
    # A reindex from the corpus keeps the correction.
    assert cli("reindex", "--workers", "1").exit_code == 0
    again = editor.get(f"/article/{aid}.json").get_json()
    assert again["title"] == "Crane collapses at quay" and again["published"] == "2016-07-08"
    # Clearing the date says "date unknown"; bad values are refused with the reason.
    post(editor, f"{href}/correct", title="Crane collapses at quay", date="",
         outlet="Quay Post", authors="Ann Lee\nBo Li")
    assert editor.get(f"/article/{aid}.json").get_json()["published"] is None
    bad = post(editor, f"{href}/correct", title="", date="", outlet="", authors="")
    assert bad.status_code == 400 and "needs a title" in bad.get_data(as_text=True)
    bad = post(editor, f"{href}/correct", title="x", date="2999-01-01", outlet="", authors="")
    assert bad.status_code == 400 and "past date" in bad.get_data(as_text=True)


def test_correct_one_article_of_a_multi_article_file(editor, corpus):
    lines = [json.dumps({"title": f"Line story {i}", "body": f"Story number {i} about the port "
                         f"strike and the dockers. " * 5}) for i in range(3)]
    resp = upload(editor, [("\n".join(lines).encode(), "three.jsonl")])
    arts = {a["title"]: a["href"] for a in extracted(resp)}
    assert len(arts) == 3
    post(editor, f"{arts['Line story 1']}/correct", title="Line story one", date="2001",
         outlet="", authors="")
    titles = sorted(h["title"] for h in editor.get("/search.json?q=dockers&size=10&group=off")
                    .get_json()["hits"])
    assert titles == ["Line story 0", "Line story 2", "Line story one"]


def test_take_down_and_restore(app, editor, corpus, cli, instance):
    from webapp.users import Accounts

    html = page_html("Libel case story", "Quayside allegations.")
    href = extracted(upload(editor, [(html, "libel.html")], url="https://example.org/libel"))[0][
        "href"]
    aid = href.rsplit("/", 1)[1]
    form = soup(editor.get(f"{href}/takedown"))
    assert {i["value"] for i in form.select('input[name="reason"]')} == {"legal", "duplicate",
                                                                          "error"}
    resp = post(editor, f"{href}/takedown", reason="legal", note="Letter from counsel, ref 12")
    assert resp.status_code == 200
    assert editor.get(href).status_code == 404
    assert editor.get("/search.json?q=quayside").get_json()["total"] == 0
    assert not (corpus / "libel.html").exists()
    kept = corpus / ".taken-down" / "libel.html"
    assert kept.read_bytes() == html
    assert (corpus / ".taken-down" / "libel.html.meta.json").exists()
    record = json.loads((corpus / ".taken-down" / "libel.html.takedown.json").read_text())
    assert record["reason"] == "legal" and record["by"] == "eddie" and record["path"] == "libel.html"
    # `check` knows the kept folder: a note, not a problem; a reindex leaves it out.
    checked = cli("check", "--json")
    assert checked.exit_code == 0, checked.output
    notes = [d for d in json.loads(checked.output)["differences"] if d["kind"] == "taken-down"]
    assert notes == [{"kind": "taken-down", "where": ".taken-down/libel.html",
                      "reason": notes[0]["reason"]}] and "legal request" in notes[0]["reason"]
    assert cli("reindex", "--workers", "1").exit_code == 0
    assert editor.get("/search.json?q=quayside").get_json()["total"] == 0
    # Only an admin restores.
    assert editor.get("/admin/taken-down").status_code == 403
    admin = client_as(app, "ada")
    listing = soup(admin.get("/admin/taken-down"))
    assert "Letter from counsel" in listing.get_text()
    resp = post(admin, "/admin/taken-down", kept="libel.html")
    assert resp.status_code == 302
    assert (corpus / "libel.html").read_bytes() == html and not kept.exists()
    assert admin.get("/search.json?q=quayside").get_json()["total"] == 1
    assert admin.get(href).status_code == 200
    assert cli("check").exit_code == 0
    actions = [e.action for e in Accounts(instance).entries()]
    assert actions[:3] == ["restore", "takedown", "add"]
    takedown = next(Accounts(instance).entries(action="takedown"))
    assert takedown.details["reason"] == "legal" and takedown.url == "https://example.org/libel"
    assert takedown.sha256 == record["sha256"]


def test_a_file_taken_over_while_down_is_restored_under_a_free_name(app, editor, corpus):
    href = extracted(upload(editor, [(page_html("First version"), "story.html")]))[0]["href"]
    post(editor, f"{href}/takedown", reason="error")
    upload(editor, [(page_html("Second version"), "story.html")])
    admin = client_as(app, "ada")
    post(admin, "/admin/taken-down", kept="story.html")
    assert b"Second version" in (corpus / "story.html").read_bytes()
    assert b"First version" in (corpus / "story-2.html").read_bytes()
    titles = {h["title"] for h in admin.get("/search.json?q=version&group=off").get_json()["hits"]}
    assert titles == {"First version", "Second version"}


def test_the_log_page_and_command(app, editor, cli, instance):
    upload(editor, [(page_html("Logged story"), "logged.html")])
    admin = client_as(app, "ada")
    page = soup(admin.get("/admin/log"))
    rows = page.select("table.log-table tbody tr")
    assert rows and "eddie" in rows[0].get_text() and "add" in rows[0].get_text()
    assert admin.get("/admin/log.json").get_json()[0]["path"] == "logged.html"
    assert editor.get("/admin/log").status_code == 403
    out = cli("--instance", str(instance), "log", "--json").output.splitlines()
    assert json.loads(out[0])["action"] == "add" and json.loads(out[0])["user"] == "eddie"
    snap = snapshot(instance)
    assert "morgue.sqlite" in snap


def test_the_command_line_add_is_logged_too(cli, tmp_path, instance):
    from webapp.users import Accounts

    story = tmp_path / "cli-story.txt"
    story.write_text("Cli story\n\nCranes were idle all week at the container terminal.\n")
    assert cli("add", str(story), "--outlet", "Wire").exit_code == 0
    entry = next(Accounts(instance).entries())
    assert entry.action == "add" and entry.user.startswith("command line")
    assert entry.path == "cli-story.txt" and entry.details["given"] == {"outlet": "Wire"}


def test_check_reports_a_kept_file_that_changed(app, editor, corpus, cli):
    href = extracted(upload(editor, [(page_html("Kept story"), "kept.html")]))[0]["href"]
    post(editor, f"{href}/takedown", reason="duplicate")
    assert cli("check").exit_code == 0
    (corpus / ".taken-down" / "kept.html").write_bytes(b"<p>altered</p>")
    checked = cli("check")
    assert checked.exit_code == 1
    assert "unreadable .taken-down/kept.html: the kept file's bytes changed" in checked.output
    resp = post(client_as(app, "ada"), "/admin/taken-down", kept="kept.html")
    assert resp.status_code == 400 and "restore it by hand" in resp.get_data(as_text=True)
    assert not (corpus / "kept.html").exists()


def test_a_corrected_date_has_no_weighed_confidence():
    """A date an editor sets (or clears) was not weighed from the page's sources."""
    import datetime as dt

    from indexer.corrections import apply_corrections
    from indexer.draft import Draft

    for date in ("2016-07-08", ""):
        draft = Draft(title="t", body="b", published=dt.date(2015, 2, 3), date_precision="day",
                      date_source="json-ld", date_confidence=0.93)
        apply_corrections(draft, {"corrections": {"": {"date": date}}})
        assert draft.date_confidence is None
        assert draft.date_source == ("editor" if date else None)
