"""The write side under attack: every write route without a login, as a reader, without a CSRF
token; hostile file names; the fuzz corpus and a gzip bomb as uploads.

After each: nothing written outside the corpus, nothing in the corpus lost or changed, no 500.
"""

from __future__ import annotations

import gc
import io
import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web_accounts import (client_as, csrf_token, gzip_bomb, instance,  # noqa: F401
                                make_accounts, page_html, snapshot, staffed)


def write_routes(app, article_id: str) -> list[tuple[str, str]]:
    """(method, URL) of every route that writes or administers, from the app's URL map."""
    out = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".", 1)[0]
        if blueprint not in ("write", "admin") and rule.endpoint != "auth.account":
            continue
        url = rule.build({"article_id": article_id}, append_unknown=False)[1] \
            if "article_id" in rule.arguments else rule.rule
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, url))
    return out


FORM = {"mode": "paste", "paste_title": "Injected", "paste_text": "Injected text " * 20,
        "title": "Hacked", "date": "2001", "reason": "legal", "kept": "x", "action": "add",
        "name": "mallory", "role": "admin"}


def _state(tmp_path: Path, app) -> tuple:
    corpus = Path(app.config["CORPUS_DIR"])
    archive = app.extensions["morgue"]["archive"]
    from archive import SearchRequest

    accounts = app.extensions["morgue"]["accounts"]
    return (snapshot(tmp_path, skip=(app.config["INDEX_DIR"], app.config["INSTANCE_DIR"])),
            archive.search(SearchRequest("")).total, len(list(accounts.entries())),
            [(u.name, u.role) for u in accounts.list()], corpus)


def test_no_write_route_works_without_an_editor_or_without_a_token(staffed, tmp_path):
    editor = client_as(staffed, "eddie")
    aid = editor.get("/search.json?q=taliban").get_json()["hits"][0]["id"]
    routes = write_routes(staffed, aid)
    assert ("POST", "/add") in routes and ("POST", f"/article/{aid}/takedown") in routes
    assert ("POST", "/admin/taken-down") in routes and ("POST", "/admin/") in routes
    assert len(routes) >= 14
    before = _state(tmp_path, staffed)
    anonymous = staffed.test_client()
    anon_token = csrf_token(anonymous, "/login")
    reader = client_as(staffed, "rita")
    reader_token = csrf_token(reader, "/account")
    seen = []
    for method, url in routes:
        admin_only = url.startswith("/admin")
        if method == "GET":
            # To the login page (a JSON twin: 401).
            assert anonymous.get(url).status_code == (401 if url.endswith(".json") else 302), url
            if url != "/account":
                assert reader.get(url).status_code == 403, url
            if admin_only:
                assert editor.get(url).status_code == 403, url
            continue
        resp = anonymous.post(url, data=dict(FORM, csrf_token=anon_token))
        assert resp.status_code == 403, (url, resp.status_code)
        if url != "/account":
            assert reader.post(url, data=dict(FORM, csrf_token=reader_token)).status_code == 403
        for client in (anonymous, reader, editor):
            resp = client.post(url, data=FORM)  # no token
            assert resp.status_code == 400 and "CSRF" in resp.get_data(as_text=True), url
        if admin_only:
            resp = editor.post(url, data=dict(FORM, csrf_token=csrf_token(editor, "/add")))
            assert resp.status_code == 403, url
        seen.append(url)
    assert _state(tmp_path, staffed) == before
    assert seen


def test_without_accounts_no_write_route_answers(app, client, tmp_path):
    aid = client.get("/search.json?q=taliban").get_json()["hits"][0]["id"]
    before = snapshot(tmp_path, skip=(str(tmp_path / "index"),))
    for method, url in write_routes(app, aid):
        resp = client.open(url, method=method, data=FORM)
        assert resp.status_code in (400, 403), (method, url, resp.status_code)
    assert snapshot(tmp_path, skip=(str(tmp_path / "index"),)) == before


def raw_upload(client, names: list[bytes], body: bytes, token: str):
    """A multipart POST written by hand, so file names can hold any bytes (NUL, non-UTF-8)."""
    boundary = b"----morgue-test-boundary"
    parts = [b"--" + boundary + b'\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
             + token.encode(), b"--" + boundary
             + b'\r\nContent-Disposition: form-data; name="mode"\r\n\r\nupload']
    for n, name in enumerate(names):
        parts.append(b"--" + boundary + b'\r\nContent-Disposition: form-data; name="files"; '
                     b'filename="' + name + b'"\r\nContent-Type: text/html\r\n\r\n'
                     + body.replace(b"NUMBER", str(n).encode()))
    data = b"\r\n".join(parts) + b"\r\n--" + boundary + b"--\r\n"
    return client.post("/add", data=data,
                       content_type="multipart/form-data; boundary=" + boundary.decode())


HOSTILE_NAMES = [b"../evil.html", b"../../evil.html", b"/etc/evil.html", b"/tmp/x/evil.html",
                 b"..\\..\\win.html", b"a\x00b.html", b"nul\x00.html", b".hidden.html",
                 b"....//dots.html", b"%2e%2e%2fenc.html",
                 b"sub/dir/../../up.html", b"x" * 300 + b".html", b"..", b"", b"CON",
                 b"line%0D%0Abreak.html", b"quote%22.html", b"tab\tname.html"]


def test_hostile_file_names_stay_inside_the_corpus(staffed, tmp_path, corpus):
    editor = client_as(staffed, "eddie")
    before = snapshot(tmp_path, skip=(str(corpus), str(tmp_path / "index"),
                                      str(tmp_path / "instance")))
    old = snapshot(corpus)
    body = page_html("Hostile name story NUMBER", "unique words zq NUMBER")
    resp = raw_upload(editor, HOSTILE_NAMES, body, csrf_token(editor, "/add"))
    assert resp.status_code in (200, 400, 422), resp.status_code
    text = resp.get_data(as_text=True)
    assert "Traceback" not in text
    after = snapshot(corpus)
    assert {k: v for k, v in after.items() if k in old} == old  # nothing lost or changed
    new = sorted(set(after) - set(old))
    assert new, text
    for rel in new:
        assert "/" not in rel.replace(".meta.json", ""), rel  # no folders were made
        assert not rel.startswith(".") and "\x00" not in rel and ".." not in rel.split("/"), rel
        assert len(rel) <= 140, rel
    assert snapshot(tmp_path, skip=(str(corpus), str(tmp_path / "index"),
                                    str(tmp_path / "instance"))) == before
    assert not Path("/etc/evil.html").exists() and not Path("/tmp/x/evil.html").exists()


# Werkzeug drops a whole form whose file name is not UTF-8, leaving the parts it had spooled
# unclosed (a ResourceWarning when they are collected); the request is refused either way.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_file_name_that_is_not_utf8_is_refused(staffed, tmp_path, corpus):
    editor = client_as(staffed, "eddie")
    before = snapshot(tmp_path, skip=(str(tmp_path / "index"), str(tmp_path / "instance")))
    resp = raw_upload(editor, [b"good.html", b"bad\xff\xfe.html"], page_html("Bad name"),
                      csrf_token(editor, "/add"))
    assert resp.status_code == 400
    assert snapshot(tmp_path, skip=(str(tmp_path / "index"), str(tmp_path / "instance"))) \
        == before
    del resp
    gc.collect()  # the spooled parts' warnings belong to this test


def test_a_gzip_bomb_is_refused(staffed, corpus):
    bomb = gzip_bomb(2048)  # 2 GiB of zeros in about 2 MB
    assert len(bomb) < 4 * 2**20
    editor = client_as(staffed, "eddie")
    old = snapshot(corpus)
    started = time.monotonic()
    resp = editor.post("/add", data={"mode": "upload", "csrf_token": csrf_token(editor, "/add"),
                                     "files": [(io.BytesIO(bomb), "bomb.html.gz")]},
                       content_type="multipart/form-data")
    assert time.monotonic() - started < 60
    assert resp.status_code == 422
    assert "gzip content larger than 256 MB" in resp.get_data(as_text=True)
    assert snapshot(corpus) == old


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # as above
def test_an_upload_over_the_size_limit_is_refused(built, corpus, index_dir, instance):
    from webapp import create_app

    make_accounts(instance)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus),
                      "INSTANCE_DIR": str(instance), "UPLOAD_MAX_BYTES": 100_000})
    editor = client_as(app, "eddie")
    resp = editor.post("/add", data={"mode": "upload", "csrf_token": csrf_token(editor, "/add"),
                                     "files": [(io.BytesIO(b"x" * 200_000), "big.txt")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 413
    assert not (corpus / "big.txt").exists()
    del resp
    gc.collect()


@pytest.mark.slow
def test_the_fuzz_corpus_uploaded_from_the_browser(staffed, tmp_path, corpus):
    from tests.test_fuzz import build_nasty

    nasty = tmp_path / "nasty"
    build_nasty(nasty, tmp_path / "outside")
    files = [p for p in sorted(nasty.rglob("*")) if p.is_file() and not p.is_symlink()
             and p.stat().st_size < 32 * 2**20
             and p.name.isprintable() and p.name.encode("utf-8", "ignore").decode() == p.name]
    assert len(files) >= 45
    editor = client_as(staffed, "eddie")
    outside = snapshot(tmp_path, skip=(str(corpus), str(tmp_path / "index"),
                                       str(tmp_path / "instance")))
    old = snapshot(corpus)
    pages = []
    for start in range(0, len(files), 25):
        batch = files[start:start + 25]
        resp = editor.post("/add", data={
            "mode": "upload", "csrf_token": csrf_token(editor, "/add"),
            "files": [(io.BytesIO(p.read_bytes()), p.name) for p in batch]},
            content_type="multipart/form-data")
        assert resp.status_code in (200, 422), resp.status_code
        pages.append(resp.get_data(as_text=True))
    text = "\n".join(pages)
    assert "Traceback" not in text
    for reason in ("empty file", "binary content", "truncated gzip", "not a WARC file"):
        assert reason in text, reason
    added = set(snapshot(corpus)) - set(old)
    assert {"good.txt", "good.html"} <= added
    assert not added & {"empty.txt", "binary.html", "png.html", "fake.warc"}
    assert {k: v for k, v in snapshot(corpus).items() if k in old} == old
    assert snapshot(tmp_path, skip=(str(corpus), str(tmp_path / "index"),
                                    str(tmp_path / "instance"))) == outside


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), name=st.text(max_size=80).map(lambda s: s + ".html"))
def test_random_uploads_never_give_a_server_error(staffed, data, name):
    editor = client_as(staffed, "eddie")
    resp = editor.post("/add", data={"mode": "upload", "csrf_token": csrf_token(editor, "/add"),
                                     "files": [(io.BytesIO(data or b" "), name)]},
                       content_type="multipart/form-data")
    assert resp.status_code in (200, 400, 422), resp.status_code


def test_log_entries_are_data_not_markup(staffed, instance):
    from webapp.users import Accounts

    Accounts(instance).log("<script>alert(1)</script>", "add", path="<img src=x onerror=1>",
                           url="javascript:alert(2)", source="<b>x</b>")
    page = client_as(staffed, "ada").get("/admin/log").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
    assert json.loads(client_as(staffed, "ada").get("/admin/log.json").data)[0]["user"] \
        == "<script>alert(1)</script>"
