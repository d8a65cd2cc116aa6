"""The two extractors an article body is drawn from: trafilatura and readability-lxml."""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree

from indexer import html_tuning

# Never the article body: readability is given the page without them. Its passes visit
# every element, and navigation and footers hold a quarter of a news page's elements.
# (SVG stays: on one shared page its icons steer readability away from a promo block.)
NEVER_BODY = ("script", "style", "noscript", "template", "iframe", "nav", "footer")
# What trafilatura is given without: what none of its passes reads (each one drops them
# first). JSON-LD stays, navigation, <noscript> and <template> too (see primary_extraction).
NEVER_READ = ("style", "iframe", "footer")
JSON_LD = "application/ld+json"


def paragraphs(text: str | None) -> list[str]:
    """An extractor's text as paragraphs (one a line), whitespace collapsed."""
    return [" ".join(p.split()) for p in (text or "").split("\n") if p.strip()]


def count_words(texts: list[str]) -> int:
    """How many whitespace-separated words some texts hold (a word split by a tag counts twice)."""
    return len(" ".join(texts).split())


def run_trafilatura(doc: Any, focus: str = "precision", fast: bool = True) -> list[str]:
    """trafilatura's main text as paragraphs; `fast=False` adds its fallbacks (see below)."""
    import trafilatura

    return paragraphs(trafilatura.extract(doc, fast=fast, favor_precision=focus == "precision",
                                          include_comments=False, include_tables=True, deduplicate=False))


def primary_extraction(tree: Any, focus: str, page_words: int = 0, escalate: float = 0.0) -> list[str]:
    """trafilatura's main text of the page as paragraphs (it works on a copy of the tree).

    `focus` is "precision" (its favor_precision mode) or "balanced" (its default).
    It runs in its fast mode; when that finds fewer words than `escalate` times the
    page's `page_words`, it runs again with its fallbacks (jusText and its own
    readability, compared with the main extraction), which read pages laid out
    unlike articles. It reads the page with its navigation, `<noscript>` and
    JSON-LD (`trafilatura_copy`): its fallbacks for pages whose main extraction
    comes up short (text embedded as JSON-LD, a recall retry gated by the share
    of the page's text it found) read them, and a page's text may stand in them
    (a Blogger post in `<noscript>`, a page inside an unclosed `<nav>`).
    """
    found = run_trafilatura(tree, focus)
    if needs_fallbacks(found, page_words, escalate):
        found = run_trafilatura(tree, focus, fast=False)
    return found


def needs_fallbacks(found: list[str], page_words: int, escalate: float) -> bool:
    """Whether trafilatura's fast mode found too little of the page (see `primary_extraction`)."""
    return bool(escalate) and count_words(found) < escalate * page_words


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
    return run_trafilatura(summary)


def trafilatura_copy(tree: Any) -> Any:
    """A copy of the tree without `NEVER_READ` elements and scripts other than JSON-LD.

    trafilatura's result is the same as from the page itself (checked on all
    shared pages), and it copies and walks fewer elements.
    """
    page = copy.deepcopy(tree)
    for script in page.iter("script"):
        if script.get("type") != JSON_LD:
            script.tag = "style"
    etree.strip_elements(page, *NEVER_READ, with_tail=False)
    return page


def without_never_body(page: Any) -> Any:
    """The tree, changed in place: `NEVER_BODY` elements removed (their text too; tails stay)."""
    etree.strip_elements(page, *NEVER_BODY, with_tail=False)
    return page


def extractors_copy(tree: Any) -> Any:
    """A copy of the tree without `NEVER_BODY` elements (their text too; tails stay)."""
    return without_never_body(copy.deepcopy(tree))


def second_opinion(tree: Any) -> list[str]:
    """readability's article as paragraphs, read from a copy of the page without `NEVER_BODY`."""
    return _readability(extractors_copy(tree))


def both_extractions(tree: Any, focus: str, page_words: int, escalate: float) -> tuple[list[str], list[str]]:
    """`primary_extraction` and `second_opinion` of the page, from one copy of it."""
    page = trafilatura_copy(tree)
    primary = primary_extraction(page, focus, page_words, escalate)
    return primary, _readability(without_never_body(page))
