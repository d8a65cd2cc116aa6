"""Article body of an HTML page: trafilatura, a readability second opinion, paragraph clean-up; age banners."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from archive.records import AgeBanner
from indexer.banner import parse_banner
from indexer.html_clean import clean_paragraphs, link_share, link_texts, words
from indexer.html_extractors import both_extractions, count_words
from indexer.html_merge import Alignment, MergeSettings, align, merge_aligned
from indexer.html_meta import text_nodes

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


@dataclass(frozen=True)
class BodySettings:
    """How the article body is drawn from the two extractors.

    `focus` is trafilatura's ("precision" or "balanced"), `escalate` the share of
    the page's words below which trafilatura runs again with its fallbacks
    (0: never; see `html_extractors.primary_extraction`), `merge` how readability's
    second opinion trims and extends it. The defaults are the ones `bench.varied`
    chose by cross-validation over sites; docs/BENCHMARKS.md gives the figures.
    """

    focus: str = "balanced"
    escalate: float = 0.1
    merge: MergeSettings = field(default_factory=MergeSettings)


SETTINGS = BodySettings()


# An extraction with more of its words in whole link texts than this is the page's
# navigation (trafilatura's last resort on a page it cannot read takes it for text).
MAX_LINK_SHARE = 0.5


@dataclass
class Prepared:
    """Both extractions of a page cleaned up and aligned: what the settings are applied to."""

    alignment: Alignment
    banner: AgeBanner | None
    memo: dict  # the paragraphs' clean-up verdicts, for the last clean-up


def prepare(primary: list[str], second: list[str], title: str, links: set[str]) -> Prepared:
    """Clean up both extractions (furniture, repeated title, byline, banners) and align them."""
    memo: dict = {}
    primary, banner = clean_paragraphs(primary, title, links, memo)
    second, banner2 = clean_paragraphs(second, title, links, memo)
    primary, second = (paras if link_share(paras, links) <= MAX_LINK_SHARE else [] for paras in (primary, second))
    return Prepared(align(primary, second), banner or banner2, memo)


def finish(prepared: Prepared, title: str, links: set[str], settings: BodySettings = SETTINGS
           ) -> tuple[list[str], AgeBanner | None]:
    """The merged paragraphs, cleaned up once more, and the age banner found among them."""
    paras, banner = clean_paragraphs(merge_aligned(prepared.alignment, settings.merge), title, links,
                                     prepared.memo)
    return paras, prepared.banner or banner


def extract_body(tree: Any, title: str = "", settings: BodySettings = SETTINGS,
                 page_text: list[str] | None = None) -> tuple[list[str], AgeBanner | None]:
    """The article paragraphs of a page and the age banner found among them.

    `page_text` is the page's text nodes (`html_meta.text_nodes`, read when not
    given): its words are what trafilatura's share is measured against. The links
    of the whole page, navigation included, tell promotion lines.
    """
    links = link_texts(tree)
    page_words = count_words(text_nodes(tree) if page_text is None else page_text)
    primary, second = both_extractions(tree, settings.focus, page_words, settings.escalate)
    prepared = prepare(primary, second, title, links)
    return finish(prepared, title, links, settings)


def word_count(paras: list[str]) -> int:
    """How many words a list of paragraphs holds."""
    return sum(len(words(p)) for p in paras)
