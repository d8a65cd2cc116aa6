"""axe-core in Chromium on every kind of page, at desktop and phone widths: zero violations.

axe-core comes from the `axe-playwright-python` package (its bundled axe.min.js, injected with
Playwright's evaluate, which the page's CSP does not govern). Each page is audited as it loads and
again with every <details> open (syntax help, filter panel, histogram table), so content that starts
hidden is checked too. The whole report is written as JSON to a temp folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.browser.conftest import (DESKTOP, PHONE, README_SCREENSHOTS, REFRESH_SCREENSHOTS, REPO,
                                    refreshing_screenshots)

pytestmark = pytest.mark.browser

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
SCREENSHOT_LIMIT = 400 * 1024


def _picture_states() -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(README_SCREENSHOTS.glob("*.png"))}


# The README's pictures as collection found them, before any test ran.
PICTURES_BEFORE = _picture_states()


@pytest.fixture(scope="session")
def axe_report(site):
    """Collects every audit; written to <tmp>/axe-report.json when the session ends."""
    report: dict = {"axe_version": None, "tags": TAGS, "pages": {}}
    yield report
    path = Path(site.tmp) / "axe-report.json"
    path.write_text(json.dumps(report, indent=1))
    print(f"\naxe report: {path}")


def run_axe(page) -> dict:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS},
                                    "resultTypes": ["violations"]}).response


def audit(page, url: str, report: dict, name: str) -> list[dict]:
    """Load `url`, audit it closed and with every <details> open; the violations found."""
    response = page.goto(url)
    assert response is not None
    found = []
    for state in ("as loaded", "details open"):
        if state == "details open":
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        result = run_axe(page)
        report["axe_version"] = result["testEngine"]["version"]
        rules = sorted({r["id"] for kind in ("passes", "violations", "incomplete", "inapplicable")
                        for r in result[kind]})
        violations = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                       "nodes": [{"target": n["target"], "html": n["html"][:300],
                                  "summary": n.get("failureSummary", "")} for n in v["nodes"]]}
                      for v in result["violations"]]
        report["pages"][f"{name} ({state})"] = {
            "url": url, "status": response.status, "rules_checked": rules,
            "passes": sorted(r["id"] for r in result["passes"]),
            "incomplete": sorted(r["id"] for r in result["incomplete"]),
            "violations": violations}
        found += violations
    return found


def explain(violations: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}: "
                     + "; ".join(f"{n['target']} {n['summary']}" for n in v["nodes"][:3])
                     for v in violations)


def pages_to_audit(site) -> dict[str, str]:
    if site.has_shared:
        query, facet_query = "oil prices", "/facet/topic?q=oil"
    else:
        query, facet_query = "Taliban weapons", "/facet/outlet?q=taliban"
    first = site.json("/search.json?size=1&q=" + query.replace(" ", "+"))["hits"][0]["id"]
    return {
        "search": "/?q=" + query.replace(" ", "+"),
        "article": f"/article/{first}?q=" + query.replace(" ", "+"),
        "empty results": "/?q=zqxjv+petrolium&outlet=Nobody",
        "facet list": facet_query,
        "batch search": "/batch?lines=" + query.replace(" ", "+") + "%0Azqxjv",
    }


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", ["search", "article", "empty results", "facet list",
                                  "batch search"])
def test_axe_finds_no_violations(site, chromium, axe_report, kind, width):
    context = chromium.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    try:
        url = pages_to_audit(site)[kind]
        violations = audit(page, site.base + url, axe_report, f"{kind}, {width}")
    finally:
        context.close()
    assert violations == [], explain(violations)


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_on_the_empty_archive_and_indexing_pages(empty_site, chromium, axe_report, width):
    context = chromium.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    lock = empty_site.index / "archive.lock"
    try:
        found = audit(page, empty_site.base + "/", axe_report, f"empty archive, {width}")
        assert page.locator("h1").inner_text() == "The archive is empty"
        assert "manage.py add" in page.locator("main").inner_text()
        lock.write_text(f"{os.getpid()}\n")  # a live writer, as during a first build
        found += audit(page, empty_site.base + "/", axe_report, f"index being built, {width}")
        assert page.locator("h1").inner_text() == "The archive is being indexed"
        assert axe_report["pages"][f"index being built, {width} (as loaded)"]["status"] == 503
    finally:
        lock.unlink(missing_ok=True)
        context.close()
    assert found == [], explain(found)


@pytest.mark.parametrize("kind, width", [("search", "desktop"), ("search", "phone"),
                                         ("article", "desktop"), ("article", "phone")])
def test_screenshots(site, needs_shared, chromium, screenshots, kind, width):
    """{search,article}-{desktop,phone}.png, one screen each, in a temp folder (in
    docs/screenshots with MORGUE_REFRESH_SCREENSHOTS=1, for the README)."""
    context = chromium.new_context(viewport=WIDTHS[width], device_scale_factor=1)
    page = context.new_page()
    try:
        page.goto(site.base + pages_to_audit(site)[kind])
        page.evaluate("document.fonts.ready")
        path = screenshots / f"{kind}-{width}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), animations="disabled", caret="hide")
    finally:
        context.close()
    assert 0 < path.stat().st_size < SCREENSHOT_LIMIT


def test_screenshots_leave_the_readme_pictures_alone(screenshots):
    """Runs after test_screenshots: the checkout's pictures are untouched unless asked for."""
    if refreshing_screenshots():
        pytest.skip(f"{REFRESH_SCREENSHOTS} is set: docs/screenshots was meant to change")
    assert PICTURES_BEFORE, "docs/screenshots holds the README's pictures"
    assert _picture_states() == PICTURES_BEFORE
    assert not screenshots.is_relative_to(REPO)
