"""HTML extraction: golden files for chosen real pages, and small synthetic pages."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from pathlib import Path

import pytest

from indexer.authors import clean_authors
from indexer.draft import ExtractionError
from indexer.html import clean_title, extract_html, read_html

SHARED = Path(os.environ.get("MORGUE_SHARED") or Path(__file__).resolve().parents[2] / "shared")
PAGES = SHARED / "data" / "extraction" / "html"
GOLDEN = Path(__file__).parent / "golden" / "html"
GOLDEN_FILES = sorted(GOLDEN.glob("*.json"))


@pytest.mark.parametrize("golden", GOLDEN_FILES, ids=[p.stem[:8] for p in GOLDEN_FILES])
def test_real_page_matches_golden(golden: Path) -> None:
    page = PAGES / f"{golden.stem}.html.gz"
    if not page.is_file():
        pytest.skip(f"shared data not found at {page} (set MORGUE_SHARED)")
    want = json.loads(golden.read_text(encoding="utf-8"))
    draft = read_html(gzip.decompress(page.read_bytes()), page.name)[0]
    assert draft.title == want["title"]
    assert draft.outlet == want["outlet"]
    assert draft.authors == want["authors"]
    assert draft.agency == want["agency"]
    assert (draft.published.isoformat() if draft.published else None) == want["published"]
    assert draft.date_precision == want["date_precision"]
    assert (draft.age_banner.as_dict() if draft.age_banner else None) == want["age_banner"]
    assert draft.url == want["url"]
    assert " ".join(draft.body.split()).startswith(want["body_starts_with"])
    assert len(draft.body.split()) >= want["min_words"]
    assert draft.language is None


def test_golden_files_exist() -> None:
    assert len(GOLDEN_FILES) >= 5


PROSE = (
    "The council voted on Tuesday to close the old bridge after engineers found cracks in two "
    "of its supports, a decision that will add twenty minutes to many commutes. "
)


def _page(head: str = "", top: str = "", paras: int = 6, title: str = "Bridge closed after cracks found") -> str:
    body = "".join(f"<p>{PROSE}Paragraph number {i} adds its own detail to the story.</p>" for i in range(paras))
    return (f"<html><head><title>{title} | The Daily Example</title>{head}</head><body>"
            f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{top}{body}</article>"
            f"<footer>Contact us</footer></body></html>")


def test_age_banner_removed_from_body_and_recorded() -> None:
    draft = extract_html(_page(top="<p>This article is more than 5 years old</p>"))
    assert draft.age_banner is not None
    assert draft.age_banner.years == 5
    assert "years old" not in draft.body
    assert draft.body.startswith("The council voted")


@pytest.mark.parametrize("banner", [
    "This story is over 5&nbsp;years&nbsp;old",  # entities: no space in the page source
    "This story is over 5 years <b>old</b>",  # split by a tag
    "<span>This story is over 5 year</span><span>s old</span>",  # split inside a word
])
def test_age_banner_found_whatever_the_markup(banner: str) -> None:
    page = _page().replace("<body>", f"<body><div class='notice'>{banner}</div>")
    draft = extract_html(page)
    assert draft.age_banner is not None and draft.age_banner.years == 5
    assert "years old" not in draft.body


def test_body_paragraphs_separated_by_blank_line() -> None:
    draft = extract_html(_page(paras=3))
    parts = draft.body.split("\n\n")
    assert len(parts) == 3
    assert all(p.startswith("The council voted") for p in parts)


def test_newsletter_and_share_lines_dropped() -> None:
    top = "<p>Sign up for our newsletter to get the latest updates in your inbox.</p>"
    draft = extract_html(_page(top=top).replace("</article>", "<p>Share this article on Facebook</p></article>"))
    assert "newsletter" not in draft.body
    assert "Share this" not in draft.body


def test_json_ld_headline_preferred_over_title_tag() -> None:
    ld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
          '"headline": "Structured headline wins", "datePublished": "2019-11-18T10:00:00-05:00",'
          '"author": {"@type": "Person", "name": "By Jane Doe and John Roe"},'
          '"publisher": {"@type": "Organization", "name": "The Daily Example"}}</script>')
    draft = extract_html(_page(head=ld))
    assert draft.title == "Structured headline wins"
    assert draft.published == dt.date(2019, 11, 18)
    assert draft.date_source == "json-ld"
    assert draft.authors == ["Jane Doe", "John Roe"]
    assert draft.outlet == "The Daily Example"


def test_title_tag_loses_site_suffix() -> None:
    draft = extract_html(_page())
    assert draft.title == "Bridge closed after cracks found"
    assert clean_title("Foo bar | The Outlet", "The Outlet") == "Foo bar"


def test_future_and_placeholder_dates_rejected() -> None:
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    for value in (future, "0001-01-01", "1970-01-01"):
        head = f'<meta property="article:published_time" content="{value}T00:00:00Z">'
        assert extract_html(_page(head=head)).published is None, value


def test_canonical_url_and_domain_outlet() -> None:
    head = '<link rel="canonical" href="https://www.theguardian.com/world/2019/nov/18/bridge-closed">'
    draft = extract_html(_page(head=head))
    assert draft.url == "https://www.theguardian.com/world/2019/nov/18/bridge-closed"
    assert draft.outlet == "The Guardian"
    assert draft.outlet_source == "domain"
    assert draft.published == dt.date(2019, 11, 18) and draft.date_source == "url"


def test_url_argument_is_the_fallback() -> None:
    draft = extract_html(_page(), url="https://example.org/2020/01/02/story")
    assert draft.url == "https://example.org/2020/01/02/story"
    assert draft.published == dt.date(2020, 1, 2)
    assert draft.date_source == "url"


def test_page_without_text_raises() -> None:
    with pytest.raises(ExtractionError):
        extract_html("<html><head><title>Nothing</title></head><body><nav><a href='/'>Home</a></nav></body></html>")
    with pytest.raises(ExtractionError):
        extract_html("")


@pytest.mark.parametrize("raw, names, agency", [
    ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"], None),
    ("Ann Lee, Bo Park and Cy Twombly", ["Ann Lee", "Bo Park", "Cy Twombly"], None),
    ("By JANE DOE, Associated Press", ["Jane Doe"], "AP"),
    ("Reuters", [], "Reuters"),
    (["Jane Doe, PhD", "Staff", "news@example.com"], ["Jane Doe"], None),
    ("Tom Smith, AP Business Writer", ["Tom Smith"], "AP"),
])
def test_clean_authors(raw: str | list[str], names: list[str], agency: str | None) -> None:
    assert clean_authors(raw) == (names, agency)
