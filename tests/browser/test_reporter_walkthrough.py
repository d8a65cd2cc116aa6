"""What a reporter does, in a real browser against a real server: search, read marked snippets,
filter with a facet, pick a period on the histogram, sort, page, open a story, follow the matches,
see the age warning, export CSV, and do it all with the keyboard only."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.browser


def count(page) -> int:
    return int(page.locator(".summary .count strong").first.inner_text().replace(",", ""))


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def search(page, site, words: str) -> None:
    page.goto(site.base + "/")
    page.fill("#q", words)
    with page.expect_navigation():
        page.press("#q", "Enter")


def test_seed_search_shows_marked_snippet_count_time_and_title(site, desktop):
    search(desktop, site, "Taliban weapons")
    assert desktop.title().startswith("Taliban weapons – ")
    assert desktop.locator("li.hit").count() >= 1
    first = desktop.locator("li.hit").first
    assert first.locator("h2 a").inner_text() == (
        "U.S. officials fear Russia is selling weapons to the Taliban")
    marks = {m.lower() for m in first.locator(".snippet mark").all_inner_texts()}
    assert {"taliban", "weapons"} <= marks
    assert re.fullmatch(r"in \d+ ms", desktop.locator(".summary .time").inner_text())
    # The query syntax is one click away.
    help_panel = desktop.locator("details.syntax")
    assert not help_panel.locator("dl").is_visible()
    help_panel.locator("summary").click()
    assert help_panel.locator("dl").is_visible()
    assert desktop.console_errors == []  # keys.js loads under the CSP, nothing inline is blocked


def test_seed_article_has_the_age_banner(site, desktop):
    search(desktop, site, "Taliban")
    with desktop.expect_navigation():
        desktop.locator("li.hit h2 a", has_text="Russia is selling weapons").click()
    banner = desktop.locator(".age-banner")
    assert banner.is_visible()
    assert "This story is over 5 years old" in banner.inner_text()
    assert desktop.title().startswith("U.S. officials fear Russia")


def test_facet_click_changes_the_counts(site, needs_shared, desktop):
    search(desktop, site, "oil")
    before = count(desktop)
    crude = desktop.locator("#facet-topic + ul li a", has_text="crude").first
    expected = int(crude.locator(".n").inner_text().replace(",", ""))
    assert 0 < expected < before
    with desktop.expect_navigation():
        crude.click()
    assert query_of(desktop.url)["topic"] == ["crude"]
    assert count(desktop) == expected
    chosen = desktop.locator("#facet-topic + ul li.selected a")
    assert chosen.get_attribute("aria-current") == "true" and "crude" in chosen.inner_text()
    assert desktop.locator(".chosen a").inner_text().startswith("topic: crude")
    # Counts of the other facets follow the filter.
    places = desktop.locator("#facet-place + ul .n").all_inner_texts()
    assert places and max(int(n.replace(",", "")) for n in places) <= expected
    # One click on the chip removes the filter again.
    with desktop.expect_navigation():
        desktop.locator(".chosen a").first.click()
    assert count(desktop) == before


def test_histogram_bar_narrows_to_its_period(site, needs_shared, desktop):
    search(desktop, site, "oil")
    bars = desktop.locator("figure.histogram svg a")
    assert bars.count() > 1
    label = next(b for b in bars.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
                 if not b.endswith(": 0 articles"))
    bar = desktop.locator(f'figure.histogram svg a[aria-label="{label}"]')
    articles = int(re.search(r": ([\d,]+) articles?$", label).group(1).replace(",", ""))
    with desktop.expect_navigation():
        bar.click()
    assert "date" in query_of(desktop.url)
    assert count(desktop) == articles
    assert desktop.locator("figure.histogram svg a[aria-current=true]").count() == 1


def test_sort_by_date_and_page(site, needs_shared, desktop):
    search(desktop, site, "oil")
    with desktop.expect_navigation():
        desktop.locator("nav.sort a", has_text="newest").click()
    assert desktop.locator("nav.sort [aria-current=true]").inner_text() == "newest"
    dates = desktop.locator("li.hit time").evaluate_all("els => els.map(e => e.dateTime)")
    assert len(dates) == 10 and dates == sorted(dates, reverse=True)
    first_page = desktop.locator("li.hit h2 a").all_inner_texts()
    with desktop.expect_navigation():
        desktop.locator(".pager a[rel=next]").click()
    assert desktop.locator(".pager span").inner_text().startswith("Page 2 of ")
    assert query_of(desktop.url)["sort"] == ["newest"]
    assert desktop.locator("ol.hits").get_attribute("start") == "11"
    later = desktop.locator("li.hit time").evaluate_all("els => els.map(e => e.dateTime)")
    assert later[0] <= dates[-1]
    assert not set(desktop.locator("li.hit h2 a").all_inner_texts()) & set(first_page)


def test_article_next_match_links_and_age_banner(site, needs_shared, desktop):
    search(desktop, site, "oil")
    with desktop.expect_navigation():
        desktop.locator("li.hit h2 a").first.click()
    banner = desktop.locator(".age-banner")
    assert re.search(r"This story is over \d+ years old", banner.inner_text())
    marks = desktop.locator(".body mark[id]")
    assert marks.count() >= 2
    desktop.locator("#matches .match-list a").first.click()
    assert desktop.url.endswith("#m1")
    desktop.locator(".body a.next-match").first.click()
    assert desktop.url.endswith("#m2")
    assert desktop.evaluate("document.querySelector('mark:target').id") == "m2"
    desktop.locator(".back-top a").click()
    desktop.wait_for_url(re.compile(r"/\?q=oil$"))


def test_csv_export_downloads_every_match(site, needs_shared, desktop, tmp_path):
    search(desktop, site, "oil prices")
    total = count(desktop)
    with desktop.expect_download() as info:
        desktop.locator(".tools a", has_text="CSV").click()
    download = info.value
    assert download.suggested_filename == "morgue-export.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert len(rows) == total and "title" in rows[0]


def focused(page) -> str:
    return page.evaluate("""() => { const e = document.activeElement;
        return e ? (e.id || e.className || e.tagName) + '|' + (e.textContent || '').trim() : ''; }""")


def test_keyboard_only(site, needs_shared, desktop):
    desktop.goto(site.base + "/")
    for _ in range(6):  # skip link, brand, then the search box
        desktop.keyboard.press("Tab")
        if desktop.evaluate("document.activeElement.id") == "q":
            break
    assert desktop.evaluate("document.activeElement.id") == "q"
    desktop.keyboard.type("oil prices")
    assert desktop.input_value("#q") == "oil prices"  # j and k typed in the box stay text
    with desktop.expect_navigation():
        desktop.keyboard.press("Enter")
    links = desktop.locator("li.hit h2 a")
    titles = links.all_inner_texts()
    desktop.keyboard.press("j")
    assert focused(desktop) == "hit-link|" + titles[0]
    desktop.keyboard.press("j")
    assert focused(desktop) == "hit-link|" + titles[1]
    desktop.keyboard.press("k")
    assert focused(desktop) == "hit-link|" + titles[0]
    # "/" goes back to the box, Escape leaves it, and j starts again from the first result.
    desktop.keyboard.press("/")
    assert desktop.evaluate("document.activeElement.id") == "q"
    desktop.keyboard.press("Escape")
    assert desktop.evaluate("document.activeElement.id") != "q"
    desktop.keyboard.press("j")
    desktop.keyboard.press("j")
    with desktop.expect_navigation():
        desktop.keyboard.press("Enter")
    assert desktop.locator("h1").inner_text() == titles[1]
    # Focus is always visible: the focused link draws an outline.
    desktop.keyboard.press("Tab")
    outline = desktop.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_facets_and_search_work_without_javascript(site, needs_shared, no_js):
    no_js.goto(site.base + "/?q=oil")
    facet = no_js.locator("#facet-topic + ul li a").first
    assert facet.is_visible()  # open on desktop through CSS alone
    with no_js.expect_navigation():
        facet.click()
    assert "topic" in query_of(no_js.url)
    no_js.fill("#q", "crude")
    with no_js.expect_navigation():
        no_js.press("#q", "Enter")
    assert query_of(no_js.url)["q"] == ["crude"] and "topic" in query_of(no_js.url)
    assert no_js.locator("li.hit").count() > 0


def test_article_prints_cleanly_with_the_age_warning(site, desktop):
    desktop.goto(site.base + "/?q=Taliban")
    with desktop.expect_navigation():
        desktop.locator("li.hit h2 a", has_text="Russia is selling weapons").click()
    desktop.emulate_media(media="print")
    assert desktop.locator(".age-banner").is_visible()
    assert desktop.locator(".body").is_visible()
    for chrome in (".masthead", ".footer", ".matches", ".cite", ".back-top"):
        assert desktop.locator(chrome).is_hidden(), chrome
    assert desktop.pdf(format="A4")[:4] == b"%PDF"
