"""Age banners publishers print on old stories, found and removed before extraction."""

from __future__ import annotations

import re

from archive.records import AgeBanner

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "a": 1,
}
_NUM = r"(?P<n>\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"

# "This story is over 5 years old", "This article is more than 5 years old",
# "This content is more than 2 years old", "This article is over a year old".
_YEARS_OLD = re.compile(
    r"\bthis\s+(?:story|article|content|post|page|piece|report|item)\s+is\s+"
    r"(?:(?:over|more\s+than|at\s+least|older\s+than)\s+)?" + _NUM +
    r"\s+years?\s+old\b\.?",
    re.IGNORECASE,
)
# Banners that say the story is archived without giving an age.
_ARCHIVED = re.compile(
    r"^\s*(?:from\s+the\s+archives?|archived\s+(?:article|story|content)|"
    r"this\s+(?:article|story)\s+(?:is|was)\s+(?:archived|from\s+the\s+archives?)"
    r"(?:\s+and\s+may\s+contain\s+outdated\s+information)?)\s*[.:!]?\s*$",
    re.IGNORECASE,
)


def parse_banner(text: str) -> AgeBanner | None:
    """Read one banner-sized piece of text; None when it is not an age banner."""
    text = " ".join(text.split())
    if not text or len(text) > 160:
        return None
    m = _YEARS_OLD.search(text)
    if m:
        raw = m.group("n").lower()
        years = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        return AgeBanner(m.group(0).rstrip(".").strip(), years)
    if _ARCHIVED.match(text):
        return AgeBanner(text.strip().rstrip(".:!"), None)
    return None


def strip_leading_banner(lines: list[str], look: int = 6) -> tuple[list[str], AgeBanner | None]:
    """Remove an age banner from the first `look` non-empty lines of a text."""
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        banner = parse_banner(line)
        if banner:
            return lines[:i] + lines[i + 1:], banner
        seen += 1
        if seen >= look:
            break
    return lines, None


def remove_banner_text(text: str, banner: AgeBanner | None) -> str:
    """Drop every line of `text` that is the given banner (extractors keep banners in bodies)."""
    if banner is None or not text:
        return text
    kept = [line for line in text.split("\n") if parse_banner(line) is None]
    return "\n".join(kept).strip("\n")
