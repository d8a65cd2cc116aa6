"""Paragraph-level clean-up of extracted article text: what a reader would not call the article."""

from __future__ import annotations

import re

from archive.records import AgeBanner
from indexer.banner import parse_banner
from indexer.html_furniture import is_furniture

_WORD = re.compile(r"\w+", re.UNICODE)

_BYLINE = re.compile(
    r"^(?:(?:written|posted|reported|story|words|text)\s+)?by\s+[A-Z\w][\w.'’-]*(?:\s+[\w.'’-]+){0,6}"
    r"(?:\s*(?:[,|•·–—-]|and|&)\s*.{0,80})?$",
    re.IGNORECASE,
)
_DATELINE = re.compile(
    r"^(?:(?:published|posted|updated|last\s+updated|first\s+published|modified)\s*(?:on|at)?\s*:?\s*)"
    r".{0,60}$|^\w+\s+\d{1,2},\s+\d{4}(?:\s*[,|•·–—-]?\s*\d{1,2}:\d{2}.*)?$",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    """The \\w+ tokens of a text, lower-cased."""
    return _WORD.findall(text.lower())


def _is_upper_headline(line: str, n_words: int) -> bool:
    letters = [c for c in line if c.isalpha()]
    return (n_words >= 4 and len(letters) >= 15 and all(not c.islower() for c in letters)
            and not line.rstrip().endswith((".", "!", "?", "”", '"')))


def _same_text(a: str, b: str) -> bool:
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return False
    if wa == wb:
        return True
    sa, sb = set(wa), set(wb)
    return len(sa & sb) / max(len(sa), len(sb)) >= 0.85 and abs(len(wa) - len(wb)) <= 3


def _is_header_line(line: str, title: str) -> bool:
    text = line.strip()
    if title and _same_text(text, title):
        return True
    n = len(words(text))
    if n <= 20 and (_BYLINE.match(text) or _DATELINE.match(text)):
        return True
    return False


def link_texts(tree) -> set[str]:
    """The word sequences of the page's links (to spot link-only lines)."""
    out = set()
    for a in tree.iter("a"):
        toks = words(a.text_content())
        if toks:
            out.add(" ".join(toks))
    return out


def link_share(paras: list[str], links: set[str]) -> float:
    """The share of the paragraphs' words in paragraphs that are the whole text of a link of the page."""
    counts = [(len(toks), " ".join(toks) in links) for toks in map(words, paras)]
    total = sum(n for n, _ in counts)
    return sum(n for n, link in counts if link) / total if total else 0.0


def _is_promo_link(line: str, links: set[str]) -> bool:
    text = line.strip().lstrip("-–—•*· ").strip()
    n = len(words(text))
    return n <= 25 and _is_upper_headline(text, n) and " ".join(words(text)) in links


def clean_paragraphs(paras: list[str], title: str = "", links: set[str] | None = None,
                     memo: dict[str, tuple[AgeBanner | None, bool]] | None = None
                     ) -> tuple[list[str], AgeBanner | None]:
    """Drop furniture, the repeated title/byline/dateline at the top and age banners; return the banner.

    `memo` keeps each paragraph's verdict (banner, furniture) for further calls
    with the same `links`: one page's paragraphs are cleaned up to three times.
    """
    banner = None
    kept: list[str] = []
    for i, p in enumerate(paras):
        verdict = memo.get(p) if memo is not None else None
        if verdict is None:
            b = parse_banner(p)
            verdict = (b, b is not None or is_furniture(p) or bool(links and _is_promo_link(p, links)))
            if memo is not None:
                memo[p] = verdict
        b, drop = verdict
        if b is not None:
            banner = banner or b
        if drop:
            continue
        if not kept and i < 8 and _is_header_line(p, title):
            continue
        kept.append(p)
    return kept, banner
