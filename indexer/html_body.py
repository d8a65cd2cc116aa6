"""Article body of an HTML page: trafilatura, a readability second opinion, paragraph clean-up."""

from __future__ import annotations

import copy
import re
from typing import Any

from lxml import etree

from archive.records import AgeBanner
from indexer import html_tuning
from indexer.banner import parse_banner
from indexer.html_clean import clean_paragraphs, link_texts, words
from indexer.html_merge import merge

_BANNER_HINT = re.compile(r"years?\s+old|from\s+the\s+archives?|archived\s+(?:article|story|content)|"
                          r"this\s+(?:article|story)\s+(?:is|was)\s+archived", re.IGNORECASE)
_BANNER_TAGS = ("p", "div", "span", "strong", "em", "b", "aside", "section", "h2", "h3", "h4", "li", "a")


# The candidate elements in document order, only those with at most 200 characters of text:
# libxml2 measures every element's text, where Python would build each one's text first.
_SHORT_ELEMENTS = "(" + "|".join(f"//{t}" for t in _BANNER_TAGS) + ")[string-length(.) <= 200]"


_YEARS_OLD = re.compile(r"years?\s+old")
_ARCHIVED = re.compile(r"from\s+the\s+archives?|archived\s+(?:article|story|content)|"
                       r"this\s+(?:article|story)\s+(?:is|was)\s+archived")


def _may_hold_banner(text: str) -> bool:
    """Whether `_BANNER_HINT` occurs in the text, found from its anchor words.

    The case-blind regex over a whole page (often hundreds of kilobytes) took
    about 5 ms a page; every hint contains "year" or "archiv", which plain
    substring search finds at once.
    """
    low = text.lower()
    if "archiv" in low and _ARCHIVED.search(low):
        return True
    at = low.find("year")
    while at != -1:
        if _YEARS_OLD.match(low, at):
            return True
        at = low.find("year", at + 4)
    return False


def find_banner(tree: Any, text: list[str]) -> AgeBanner | None:
    """An age banner printed anywhere on the page (read before extraction can drop it).

    `text` is the page's text nodes (`html_meta.text_nodes`); joined without
    separators, a banner split by tags is whole again.
    """
    if not _may_hold_banner("".join(text)):
        return None
    for el in tree.xpath(_SHORT_ELEMENTS):
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


# Never the article body: both extractors are given the page without them. Their passes
# visit every element, and navigation and footers hold a quarter of a news page's elements.
# (SVG stays: on one shared page its icons steer readability away from a promo block.)
NEVER_BODY = ("script", "style", "noscript", "template", "iframe", "nav", "footer")


def _readability(tree: Any) -> list[str]:
    """readability-lxml's article, as paragraphs. It prunes the tree it is given: pass a copy.

    Handing it our tree instead of the page saves its own parse.
    """
    from readability import Document

    html_tuning.apply()
    try:
        summary = Document(tree).summary()
    except Exception:  # readability raises on pages it cannot score; the primary stands alone
        return []
    return _trafilatura(summary)


def extractors_copy(tree: Any) -> Any:
    """A copy of the tree without `NEVER_BODY` elements (their text too; tails stay)."""
    page = copy.deepcopy(tree)
    etree.strip_elements(page, *NEVER_BODY, with_tail=False)
    return page


def extract_body(tree: Any, title: str = "") -> tuple[list[str], AgeBanner | None]:
    """The article paragraphs of a page and the age banner found among them.

    The extractors read a copy of the tree without `NEVER_BODY` elements: a page's
    whole extraction takes 7% less CPU, and the text is the same on every page of
    the shared sets. The links of the whole page, navigation included, still tell
    promotion lines.
    """
    links = link_texts(tree)
    page = extractors_copy(tree)
    memo: dict = {}
    primary, banner = clean_paragraphs(_trafilatura(page), title, links, memo)
    second, banner2 = clean_paragraphs(_readability(page), title, links, memo)  # prunes `page`
    paras, banner3 = clean_paragraphs(merge(primary, second), title, links, memo)
    return paras, banner or banner2 or banner3


def word_count(paras: list[str]) -> int:
    """How many words a list of paragraphs holds."""
    return sum(len(words(p)) for p in paras)
