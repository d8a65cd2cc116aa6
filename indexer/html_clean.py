"""Paragraph-level clean-up of extracted article text: what a reader would not call the article."""

from __future__ import annotations

import re

from indexer.banner import parse_banner
from archive.records import AgeBanner

_WORD = re.compile(r"\w+", re.UNICODE)

# Short lines that are page furniture, whatever the site.
_FURNITURE = re.compile(
    r"""^(?:
        (?:read|see|watch|listen)\s+(?:more|also|next|the\s+full)\b
      | (?:related|recommended|more|also|popular|trending|most\s+(?:read|popular|viewed))
            (?:\s+(?:posts?|stories|articles?|reading|coverage|links?|news|videos?|content))?\s*[:.…]
      | (?:see\s+also|also\s+read|also\s+on\s+\S+|further\s+reading|up\s+next|next\s+up)\b
      | you\s+(?:may|might)\s+(?:also\s+)?(?:like|enjoy|be\s+interested)
      | more\s+(?:great\s+)?\S+\s+stories\b
      | (?:like|enjoyed)\s+this\s+(?:story|article|post)\b
      | share\s+(?:this|on|via)\b
      | (?:follow|like)\s+(?:us|\S+(?:\s+\S+){0,5})\s+on\s+(?:facebook|twitter|instagram|linkedin)
      | (?:source|sources)\s*:
      | (?:copyright|\(c\)|©|ⓒ)
      | (?:photo|image|picture|photograph|illustration|video|graphic)s?(?:\s+credit)?\s*[:|/]
      | (?:credit|caption)\s*:
      | (?:advertisement|sponsored(?:\s+content)?|ad)\s*$
      | (?:tags?|topics?|filed\s+under|categories)\s*:
      | our\s+standards\s*:
      | (?:get|download)\s+the\s+.{0,40}\bapp\b
      | (?:sign\s+up|subscribe)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Anywhere in a short line: newsletters, app promos, "click here", rights notices.
_PROMO = re.compile(
    r"\b(?:newsletters?|in\s*your\s+inbox|click(?:ing)?\s+here|tap\s+here|all\s+rights\s+reserved|"
    r"share\s+it\s+with\s+a\s+friend|getty\s+images|shutterstock|ap\s+photo|"
    r"sign\s+up\s+(?:for|to)|subscribe\s+(?:to|now|today)|this\s+story\s+has\s+been\s+shared|"
    r"may\s+get\s+a\s+share\s+of\s+(?:the\s+)?sales?|earn\s+(?:a\s+)?(?:small\s+)?commission|"
    r"affiliate\s+(?:links?|commission))\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_CONTACT = re.compile(r"\b(?:reached|contact|email|e-mail|write\s+to|tips?\b|follow)", re.IGNORECASE)
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


def is_furniture(line: str) -> bool:
    """True for a line that is page furniture (promos, credits, share and follow prompts)."""
    text = line.strip().lstrip("-–—•*· ").strip()
    if not text:
        return True
    n = len(words(text))
    if n <= 25 and _FURNITURE.match(text):
        return True
    if n <= 40 and _PROMO.search(text):
        return True
    if n <= 45 and _EMAIL.search(text) and _CONTACT.search(text):
        return True
    return False


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
    """The word sequences of the page's links of three words or more (to spot link-only lines)."""
    out = set()
    for a in tree.iter("a"):
        toks = words(a.text_content())
        if len(toks) >= 3:
            out.add(" ".join(toks))
    return out


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
