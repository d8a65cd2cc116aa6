"""A newsroom's staff in a real browser: an editor adds, finds, corrects and takes down an article,
an admin restores it, a reader sees no write controls and is refused every write URL.

The server is `manage.py serve` over a temp archive with accounts, its fetches allowed from
127.0.0.1 only (in the instance's config.py) and served from a page server there. axe audits
every new page at desktop and phone widths; the phone pages never scroll sideways; a text is
pasted and added with the keyboard alone.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.browser.conftest import DESKTOP, PHONE, SEED, Server, _manage
from tests.browser.test_accessibility import explain, run_axe
from tests.test_fetch import Served
from tests.web_accounts import PASSWORDS, make_accounts, page_html

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def newsroom(chromium, tmp_path_factory):
    base = tmp_path_factory.mktemp("newsroom")
    corpus, index, instance = base / "corpus", base / "index", base / "instance"
    corpus.mkdir()
    shutil.copy2(SEED, corpus / SEED.name)
    _manage(corpus, index, "reindex", "--workers", "1")
    make_accounts(instance)
    (instance / "config.py").write_text('FETCH_ALLOW = ["127.0.0.1/32"]\n'
                                        "LOGIN_DELAY_SECONDS = 0.1\n")
    page = base / "upload" / "quay-fire.html"
    page.parent.mkdir()
    page.write_bytes(page_html("Fire at the quay", "Firefighters fought the blaze at the "
                                                   "grain silo overnight."))
    pages = Served("127.0.0.1")
    server = Server(corpus, index, base / "server.log")
    yield SimpleNamespace(base=server.base, corpus=corpus, upload=page, pages=pages)
    server.stop()
    pages.stop()


def log_in(page, base: str, name: str) -> None:
    page.goto(base + "/")
    assert "/login" in page.url  # reading needs a login
    page.fill("#name", name)
    page.fill("#password", PASSWORDS[name])
    page.press("#password", "Enter")
    page.wait_for_url(base + "/")


def log_out(page) -> None:
    page.click(".account-nav button:has-text('Log out')")
    page.wait_for_url(re.compile(r"/login"))
    assert page.locator(".account-nav").inner_text().strip() == "Log in"


def no_violations(page, label: str) -> None:
    result = run_axe(page)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    result2 = run_axe(page)
    found = result["violations"] + result2["violations"]
    assert found == [], f"{label}: " + explain([
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [{"target": n["target"], "summary": n.get("failureSummary", "")}
                   for n in v["nodes"]]} for v in found])


def test_editor_admin_walk(newsroom, desktop):
    page, base = desktop, newsroom.base
    log_in(page, base, "eddie")
    page.click(".account-nav a:has-text('Add')")
    assert page.locator("h1").inner_text() == "Add articles"
    page.set_input_files("#files", str(newsroom.upload))
    page.click("text=Set the outlet, date, URL or title yourself")
    page.fill("#f-outlet", "Quay Post")
    page.click("button:has-text('Add the files')")
    result = page.locator("article.extracted")
    assert result.locator("h3").inner_text() == "Fire at the quay"
    facts = result.locator("dl").inner_text()
    assert "Quay Post" in facts and "date unknown" in facts
    # Found by search at once.
    page.fill("#q", "grain silo blaze")
    page.press("#q", "Enter")
    hit = page.locator("li.hit h2 a").first
    assert hit.inner_text() == "Fire at the quay"
    hit.click()
    # Correct the date.
    page.click("text=Correct the details")
    page.fill("#date", "2011-04-05")
    page.click("button:has-text('Save the correction')")
    assert "2011-04-05 set by an editor" in page.locator("dl.facts").inner_text()
    assert page.locator(".corrected").inner_text().startswith("Corrected by eddie on")
    assert "over 15 years old" in page.locator(".age-banner").inner_text() or \
        "years old" in page.locator(".age-banner").inner_text()
    article_url = page.url
    # Take it down.
    page.click("text=Take down")
    page.check("#reason-legal")
    page.fill("#note", "Solicitor's letter")
    page.click("button:has-text('Take it down')")
    assert page.locator("h1").inner_text() == "Taken down"
    assert page.goto(article_url).status == 404
    page.console_errors.clear()  # the browser reports the 404 asked for here
    assert not (newsroom.corpus / "quay-fire.html").exists()
    # Save a page by its address (served on 127.0.0.1, which this server's config allows).
    page.goto(base + "/add?url=" + newsroom.pages.url("/page.html"))
    assert page.input_value("#page_url") == newsroom.pages.url("/page.html")
    page.click("button:has-text('Save the page')")
    assert page.locator("article.extracted h3").inner_text() == "Harbour strike ends"
    log_out(page)
    # The admin restores the article.
    log_in(page, base, "ada")
    page.click(".account-nav a:has-text('Admin')")
    page.click(".admin-nav a:has-text('Taken down')")
    row = page.locator("tr", has_text="quay-fire.html")
    assert "Solicitor's letter" in row.inner_text()
    row.locator("button:has-text('Restore')").click()
    assert "Restored quay-fire.html" in page.locator(".flashes").inner_text()
    assert page.goto(article_url).status == 200
    assert "2011-04-05 set by an editor" in page.locator("dl.facts").inner_text()
    page.goto(base + "/admin/log")
    actions = page.locator("table.log-table tbody tr td:nth-child(3)").all_inner_texts()
    assert actions[:5] == ["restore", "add", "takedown", "correct", "add"]
    log_out(page)
    assert page.console_errors == []


def test_a_reader_sees_no_write_controls_and_is_refused(newsroom, desktop):
    page, base = desktop, newsroom.base
    log_in(page, base, "rita")
    nav = page.locator(".account-nav").inner_text()
    assert "rita" in nav and "Add" not in nav and "Admin" not in nav
    page.fill("#q", "taliban")
    page.press("#q", "Enter")
    page.locator("li.hit h2 a").first.click()
    assert page.locator(".edit-actions").count() == 0
    article_id = page.url.rsplit("/", 1)[1].split("?")[0]
    page.goto(base + "/account")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    for url in ["/add", f"/article/{article_id}/correct", f"/article/{article_id}/takedown",
                "/admin/", "/admin/taken-down", "/admin/log", "/admin/log.json"]:
        assert page.request.get(base + url, max_redirects=0).status == 403, url
        if not url.endswith(".json") and url != "/admin/log":
            answer = page.request.post(base + url, form={"csrf_token": token, "mode": "paste",
                                                         "paste_title": "x", "paste_text": "y",
                                                         "reason": "legal", "title": "x"})
            assert answer.status == 403, url
    log_out(page)


def _new_pages(newsroom, page) -> dict[str, str]:
    """Every new page, reached as an admin (the one role that sees them all)."""
    base = newsroom.base
    page.goto(base + "/search.json?q=taliban")
    article = re.search(r'"id":\s*"(\w+)"', page.content()).group(1)
    return {"account": "/account", "add": "/add", "correct": f"/article/{article}/correct",
            "take down": f"/article/{article}/takedown", "admin accounts": "/admin/",
            "taken down list": "/admin/taken-down", "write log": "/admin/log",
            "log out": "/logout", "article with controls": f"/article/{article}"}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_new_pages_pass_axe_and_fit_a_phone(newsroom, chromium, viewport):
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(newsroom.base + "/login")
        no_violations(page, "login")
        log_in(page, newsroom.base, "ada")
        for label, url in _new_pages(newsroom, page).items():
            page.goto(newsroom.base + url)
            no_violations(page, label)
            if viewport is PHONE:
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, label
        # The result page after adding (a paste) and a form with an error.
        page.goto(newsroom.base + "/add")
        page.fill("#paste_title", f"Axe check {viewport['width']}")
        page.fill("#paste_text", "Tugboats towed the tanker clear of the harbour mouth.")
        page.click("button:has-text('Add the text')")
        no_violations(page, "added")
        page.goto(newsroom.base + "/add")
        page.fill("#page_url", "http://10.0.0.1/")
        page.click("button:has-text('Save the page')")
        assert "refused" in page.locator("#form-error").inner_text()
        no_violations(page, "add with an error")
        if viewport is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_log_in_and_paste_a_text_by_keyboard_alone(newsroom, desktop):
    page, base = desktop, newsroom.base
    page.goto(base + "/login")
    page.keyboard.type("eddie")  # the name box has the focus
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORDS["eddie"])
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    page.goto(base + "/add")
    for _ in range(60):  # Tab through the page to the pasted text's title
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "paste_title":
            break
    assert page.evaluate("document.activeElement.id") == "paste_title"
    page.keyboard.type("Pilot boat strike")
    for field, text in [("paste_date", "2020-01-02"), ("paste_outlet", "Pilot Gazette"),
                        ("paste_author", "Kim Oh"), ("paste_url", "https://example.org/pilots"),
                        ("paste_text", "Harbour pilots walked out on Monday over pay.")]:
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == field
        page.keyboard.type(text)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Add the text"
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("article.extracted h3").inner_text() == "Pilot boat strike"
    assert "2020-01-02" in page.locator("article.extracted dl").inner_text()
    # The focus is visible on the controls it reaches.
    page.goto(base + "/add")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_files_in_the_corpus_after_the_walk(newsroom):
    """Nothing was written outside the corpus's own layout."""
    names = {p.relative_to(newsroom.corpus).as_posix() for p in Path(newsroom.corpus).rglob("*")
             if p.is_file()}
    assert SEED.name in names
    assert all(not n.startswith("/") and ".." not in n.split("/") for n in names)
