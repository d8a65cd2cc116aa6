"""The same walk at a 390 px wide phone screen: filters fold away, nothing scrolls sideways."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


def test_facets_collapse_and_open_with_a_tap(site, phone):
    phone.goto(site.base + "/?q=taliban")
    panel = phone.locator("details.facets-panel")
    assert panel.get_attribute("open") is None
    summary = panel.locator("summary")
    assert summary.is_visible() and summary.inner_text().startswith("Filter the results")
    first_value = panel.locator(".facet li a").first
    assert not first_value.is_visible()
    # The closed panel sits above the results, where a thumb finds it.
    assert summary.bounding_box()["y"] < phone.locator("li.hit").first.bounding_box()["y"]
    summary.tap()
    assert first_value.is_visible()
    no_sideways_scroll(phone)


def test_phone_walkthrough_without_sideways_scrolling(site, phone):
    query = "oil+prices" if site.has_shared else "taliban"
    phone.goto(site.base + f"/?q={query}")
    no_sideways_scroll(phone)
    assert phone.locator("li.hit").count() > 0
    assert phone.locator(".snippet mark").first.is_visible()
    phone.locator("details.syntax summary").tap()
    assert phone.locator("details.syntax dl").is_visible()
    no_sideways_scroll(phone)
    with phone.expect_navigation():
        phone.locator("li.hit h2 a").first.tap()
    assert re.search(r"This story is over \d+ years old", phone.locator(".age-banner").inner_text())
    no_sideways_scroll(phone)
    for url in ("/?q=zqxjv+petrolium&outlet=Nobody", "/facet/outlet", "/?q=%22unclosed"):
        phone.goto(site.base + url)
        no_sideways_scroll(phone)


def test_facets_open_on_desktop_without_a_tap(site, desktop):
    desktop.goto(site.base + "/?q=taliban")
    assert desktop.locator("details.facets-panel summary").is_hidden()
    assert desktop.locator("details.facets-panel .facet li a").first.is_visible()
