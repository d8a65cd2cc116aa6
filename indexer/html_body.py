"""Article body of an HTML page: trafilatura, a readability second opinion, paragraph clean-up."""

from __future__ import annotations

import re
from typing import Any

from archive.records import AgeBanner
from indexer.banner import parse_banner
from indexer.html_clean import clean_paragraphs, link_texts, words
from indexer.html_merge import merge

_BANNER_HINT = re.compile(r"years?\s+old|from\s+the\s+archives?|archived\s+(?:article|story|content)|"
                          r"this\s+(?:article|story)\s+(?:is|was)\s+archived", re.IGNORECASE)
_BANNER_TAGS = ("p", "div", "span", "strong", "em", "b", "aside", "section", "h2", "h3", "h4", "li", "a")


def find_banner(tree: Any, html: str) -> AgeBanner | None:
    """An age banner printed anywhere on the page (read before extraction can drop it)."""
    if not _BANNER_HINT.search(html):
        return None
    for el in tree.iter(*_BANNER_TAGS):
        text = el.text_content()
        if len(text) <= 200 and _BANNER_HINT.search(text):
            banner = parse_banner(text)
            if banner:
                return banner
    return None


def _paragraphs(text: str | None) -> list[str]:
    return [" ".join(p.split()) for p in (text or "").split("\n") if p.strip()]


def _trafilatura(doc: Any) -> list[str]:
    import trafilatura

    return _paragraphs(trafilatura.extract(doc, fast=True, favor_precision=True, include_comments=False,
                                           include_tables=True, deduplicate=False))


def _readability(html: str) -> list[str]:
    from readability import Document

    try:
        summary = Document(html).summary()
    except Exception:  # readability raises on pages it cannot score; the primary stands alone
        return []
    return _trafilatura(summary)


def extract_body(tree: Any, html: str, title: str = "") -> tuple[list[str], AgeBanner | None]:
    """The article paragraphs of a page and the age banner found among them."""
    links = link_texts(tree)
    primary, banner = clean_paragraphs(_trafilatura(tree), title, links)
    second, banner2 = clean_paragraphs(_readability(html), title, links)
    paras, banner3 = clean_paragraphs(merge(primary, second), title, links)
    return paras, banner or banner2 or banner3


def word_count(paras: list[str]) -> int:
    """How many words a list of paragraphs holds."""
    return sum(len(words(p)) for p in paras)
