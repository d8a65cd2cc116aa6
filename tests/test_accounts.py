"""Accounts and access: roles, logins, sessions, slowed-down failures, feeds by token, the CLI."""

from __future__ import annotations

import json
import time

import pytest
from bs4 import BeautifulSoup

from tests.web_accounts import (PASSWORDS, client_as, csrf_token, instance, login,  # noqa: F401
                                make_accounts, staffed)

READ_URLS = ["/", "/?q=taliban", "/search.json?q=taliban", "/facet/outlet?q=taliban",
             "/facet/outlet.json", "/export.csv?q=taliban", "/export.json", "/feed.atom",
             "/batch"]


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.get_data(as_text=True), "lxml")


def _article_id(client) -> str:
    return client.get("/search.json?q=taliban").get_json()["hits"][0]["id"]


def test_without_accounts_reading_is_open_and_nothing_can_be_written(client):
    for url in READ_URLS:
        assert client.get(url).status_code == 200, url
    assert client.get("/login").status_code == 404
    resp = client.get("/add")
    assert resp.status_code == 403 and "manage.py user add" in resp.get_data(as_text=True)
    assert not soup(client.get("/")).select(".account-nav")


def test_with_accounts_reading_needs_a_login(staffed):
    anonymous = staffed.test_client()
    for url in READ_URLS:
        resp = anonymous.get(url)
        assert resp.status_code in (302, 401), url
        if url.endswith((".json", ".atom")) or ".json?" in url:
            assert resp.status_code == 401, url
        else:
            assert resp.headers["Location"].startswith("/login?next="), url
    aid = _article_id(client_as(staffed, "rita"))
    for url in (f"/article/{aid}", f"/article/{aid}.json", f"/article/{aid}/original"):
        assert anonymous.get(url).status_code in (302, 401), url
    reader = client_as(staffed, "rita")
    for url in READ_URLS + [f"/article/{aid}", f"/article/{aid}.json"]:
        assert reader.get(url).status_code == 200, url


def test_public_read_opens_reading_but_not_writing(built, corpus, index_dir, instance):
    from webapp import create_app

    make_accounts(instance)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus),
                      "INSTANCE_DIR": str(instance), "PUBLIC_READ": True})
    anonymous = app.test_client()
    for url in READ_URLS:
        assert anonymous.get(url).status_code == 200, url
    assert anonymous.get("/add").status_code == 302
    assert client_as(app, "rita").get("/add").status_code == 403
    assert client_as(app, "eddie").get("/add").status_code == 200


def test_login_redirects_only_within_the_site(staffed):
    for target, expected in [("/?q=taliban", "/?q=taliban"), ("//evil.example/", "/"),
                             ("https://evil.example/", "/"), ("/\\evil.example", "/"),
                             ("javascript:alert(1)", "/")]:
        client = staffed.test_client()
        token = csrf_token(client, "/login")
        resp = client.post("/login", data={"name": "rita", "password": PASSWORDS["rita"],
                                           "csrf_token": token, "next": target})
        assert resp.status_code == 302 and resp.headers["Location"] == expected, target


def test_roles_see_their_controls(staffed):
    aid = _article_id(client_as(staffed, "rita"))
    for name, add, admin, edit in [("rita", False, False, False), ("eddie", True, False, True),
                                   ("ada", True, True, True)]:
        client = client_as(staffed, name)
        page = soup(client.get(f"/article/{aid}"))
        nav = page.select_one(".account-nav").get_text(" ", strip=True)
        assert name in nav
        assert ("Add" in nav) is add and ("Admin" in nav) is admin
        assert bool(page.select(".edit-actions")) is edit


def test_session_cookie_flags(staffed):
    client = staffed.test_client()
    resp = login(client, "rita")
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_cookies_are_secure_behind_an_https_proxy(built, corpus, index_dir, instance):
    from webapp import create_app

    make_accounts(instance)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus),
                      "INSTANCE_DIR": str(instance), "PROXY": True})
    client = app.test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "archive.example"}
    html = client.get("/login", headers=headers).get_data(as_text=True)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post("/login", headers=headers, data={
        "name": "rita", "password": PASSWORDS["rita"], "csrf_token": token})
    assert resp.status_code == 302
    assert "Secure" in resp.headers["Set-Cookie"]


def test_session_fixation_a_cookie_from_before_the_login_stays_anonymous(staffed):
    victim = staffed.test_client()
    victim.get("/login")
    before = victim.get_cookie("session").value  # what an attacker could have planted
    assert login(victim, "eddie").status_code == 302
    after = victim.get_cookie("session").value
    assert after != before
    attacker = staffed.test_client()
    attacker.set_cookie("session", before)
    assert attacker.get("/add").status_code == 302  # sent to the login page
    assert victim.get("/add").status_code == 200


def test_logout_ends_the_session_even_for_a_copied_cookie(staffed):
    client = client_as(staffed, "eddie")
    stolen = client.get_cookie("session").value
    token = csrf_token(client, "/add")
    resp = client.post("/logout", data={"csrf_token": token})
    assert resp.status_code == 302
    assert client.get("/add").status_code == 302
    thief = staffed.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/add").status_code == 302
    assert thief.get("/search.json").status_code == 401


def test_logout_needs_a_post_with_a_token(staffed):
    client = client_as(staffed, "eddie")
    assert client.get("/logout").status_code == 200  # a page with a button
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/add").status_code == 200  # still logged in


def test_sessions_end_after_the_idle_time(built, corpus, index_dir, instance):
    from webapp import create_app

    make_accounts(instance)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus),
                      "INSTANCE_DIR": str(instance), "SESSION_IDLE_MINUTES": 0.5 / 60})
    client = client_as(app, "eddie")
    assert client.get("/add").status_code == 200
    time.sleep(0.8)
    assert client.get("/add").status_code == 302


def test_repeated_failed_logins_are_slowed_down(built, corpus, index_dir, instance):
    from webapp import create_app

    make_accounts(instance)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus),
                      "INSTANCE_DIR": str(instance), "LOGIN_FREE_ATTEMPTS": 3,
                      "LOGIN_DELAY_SECONDS": 1.5})
    client = app.test_client()
    for _ in range(3):
        assert login(client, "eddie", "wrong password!").status_code == 401
    right = login(client, "eddie")  # the right password, too soon: refused unread
    assert right.status_code == 429 and int(right.headers["Retry-After"]) >= 1
    assert "Too many failed logins" in right.get_data(as_text=True)
    # Another name from the same address waits too (guessing across accounts).
    assert login(client, "rita").status_code == 429
    time.sleep(1.6)
    assert login(client, "eddie").status_code == 302
    # The delay doubles: after a success the name's count is reset, so the next failures
    # start over; an unknown name is counted like a known one.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "127.0.0.9"
    for _ in range(3):
        assert login(other, "nobody", "whatever pass").status_code == 401
    assert login(other, "nobody", "whatever pass").status_code == 429


def test_every_form_needs_a_csrf_token(staffed):
    client = client_as(staffed, "ada")
    for url in ["/add", "/account", "/admin/", "/admin/taken-down", "/logout"]:
        resp = client.post(url, data={"mode": "paste", "paste_title": "x", "paste_text": "y",
                                      "action": "renew-feed", "name": "zed", "role": "reader"})
        assert resp.status_code == 400 and "CSRF" in resp.get_data(as_text=True), url
    anonymous = staffed.test_client()
    assert anonymous.post("/login", data={"name": "ada", "password": PASSWORDS["ada"]}
                          ).status_code == 400


def test_feeds_by_personal_token(staffed):
    reader = client_as(staffed, "rita")
    page = soup(reader.get("/?q=taliban"))
    feed = page.select_one('link[type="application/atom+xml"]')["href"]
    assert "token=" in feed and "q=taliban" in feed
    anonymous = staffed.test_client()
    assert anonymous.get(feed).status_code == 200
    assert "<entry>" in anonymous.get(feed).get_data(as_text=True)
    assert anonymous.get("/feed.atom?q=taliban&token=not-a-token").status_code == 401
    assert anonymous.get("/search.json?q=taliban&" + feed.split("&", 1)[-1]).status_code == 401
    token = csrf_token(reader, "/account")
    reader.post("/account", data={"csrf_token": token, "action": "renew-feed"})
    assert anonymous.get(feed).status_code == 401  # the old token stops working


def test_set_up_link_and_password_change(staffed, instance):
    from webapp.users import Accounts

    setup = Accounts(instance).add("newbie", "reader")
    client = staffed.test_client()
    assert client.get("/setup/wrong-token").status_code == 404
    token = csrf_token(client, f"/setup/{setup}")
    resp = client.post(f"/setup/{setup}", data={"csrf_token": token, "password": "short",
                                                 "confirm": "short"})
    assert resp.status_code == 400 and "at least 10" in resp.get_data(as_text=True)
    resp = client.post(f"/setup/{setup}", data={"csrf_token": token, "password": "a long password",
                                                 "confirm": "a long password"})
    assert resp.status_code == 302
    assert client.get(f"/setup/{setup}").status_code == 404  # used once
    assert login(client, "newbie", "a long password").status_code == 302
    # Changing the password ends the other sessions of the account.
    other = client_as(staffed, "rita")
    second = client_as(staffed, "rita")
    token = csrf_token(other, "/account")
    resp = other.post("/account", data={"csrf_token": token, "action": "password",
                                        "current": PASSWORDS["rita"], "password": "new password 2",
                                        "confirm": "new password 2"})
    assert resp.status_code == 302
    assert second.get("/").status_code == 302
    assert login(staffed.test_client(), "rita", "new password 2").status_code == 302


def test_admin_manages_accounts_in_the_browser(staffed, instance):
    from webapp.users import Accounts

    admin = client_as(staffed, "ada")
    token = csrf_token(admin, "/admin/")
    resp = admin.post("/admin/", data={"csrf_token": token, "action": "add", "name": "Nora",
                                       "role": "editor"})
    assert resp.status_code == 200
    link = soup(resp).select_one("#setup-link")["value"]
    assert "/setup/" in link and Accounts(instance).get("nora").role == "editor"
    resp = admin.post("/admin/", data={"csrf_token": token, "action": "role", "name": "nora",
                                       "role": "reader"})
    assert resp.status_code == 302 and Accounts(instance).get("nora").role == "reader"
    resp = admin.post("/admin/", data={"csrf_token": token, "action": "role", "name": "ada",
                                       "role": "reader"})
    assert resp.status_code == 400  # not your own role
    resp = admin.post("/admin/", data={"csrf_token": token, "action": "remove", "name": "nora"})
    assert resp.status_code == 302 and Accounts(instance).get("nora") is None
    actions = [e.action for e in Accounts(instance).entries()]
    assert actions[:3] == ["user-remove", "user-role", "user-add"]
    assert client_as(staffed, "eddie").get("/admin/").status_code == 403


def test_cli_user_commands_and_log(corpus, index_dir, tmp_path):
    from click.testing import CliRunner

    from manage import cli as group

    def cli(*args, input=None):
        return CliRunner().invoke(group, ["--corpus", str(corpus), "--index", str(index_dir),
                                          *args], input=input, catch_exceptions=False)

    done = cli("user", "add", "Sam", "--role", "editor", input="sam password 1\nsam password 1\n")
    assert done.exit_code == 0, done.output
    assert (tmp_path / "instance" / "morgue.sqlite").exists()  # next to the index folder
    listed = cli("user", "list", "--json")
    assert json.loads(listed.output) == [{"name": "sam", "role": "editor",
                                          "created": json.loads(listed.output)[0]["created"],
                                          "has_password": True}]
    assert cli("user", "add", "sam", "--role", "reader").exit_code != 0  # exists
    short = cli("user", "add", "tim", "--role", "reader", input="short\nshort\n")
    assert short.exit_code == 1 and "at least 10" in short.output
    linked = cli("user", "add", "ann", "--role", "reader", "--link")
    assert linked.exit_code == 0 and "/setup/" in linked.output
    assert cli("user", "role", "ann", "admin").exit_code == 0
    assert cli("user", "role", "ann", "boss").exit_code == 2
    assert cli("user", "passwd", "ann", input="ann password 1\nann password 1\n").exit_code == 0
    assert cli("user", "remove", "ghost").exit_code == 1
    assert cli("user", "remove", "tim").exit_code == 1
    assert cli("user", "remove", "ann").exit_code == 0
    log = cli("log", "--json")
    actions = [json.loads(line)["action"] for line in log.output.splitlines()]
    assert actions == ["user-remove", "user-passwd", "user-role", "user-add", "user-add"]
    from webapp.users import Accounts

    store = Accounts(tmp_path / "instance")
    assert store.authenticate("sam", "sam password 1") is not None
    assert store.authenticate("sam", "wrong password") is None
    assert store.get("sam") and "scrypt" in store._rows(
        "SELECT password FROM users WHERE name = 'sam'")[0]["password"]


def test_serve_refuses_other_addresses_without_accounts(cli):
    done = cli("serve", "--host", "0.0.0.0", "--no-build")
    assert done.exit_code == 2 and "--public-read" in done.output
    done = cli("serve", "--host", "192.168.1.5", "--no-build")
    assert done.exit_code == 2


def test_serve_opens_another_address_with_accounts(corpus, index_dir, tmp_path):
    """With accounts, `serve` on a non-loopback address starts (checked on 127.0.0.1 itself:
    the host test is only about whether the address is loopback, so 0.0.0.0 is not bound)."""
    from manage import _is_loopback

    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("10.0.0.1")
    assert not _is_loopback("archive.example")


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "ümlaut", "semi;colon"])
def test_bad_account_names_are_refused(instance, name):
    from webapp.users import AccountError, Accounts

    with pytest.raises(AccountError):
        Accounts(instance).add(name, "reader", "long enough password")
