"""Plain-text articles: optional `Key: value` header, banner, title line, dateline, paragraphs."""

from __future__ import annotations

import datetime as dt
import re

from indexer.banner import strip_leading_banner
from indexer.decode import decode_text
from indexer.draft import Draft, NoArticleText
from indexer.outlets import canonical_outlet, outlet_credited_in_text

HEADER_KEYS = {
    "title": "title", "headline": "title",
    "date": "date", "published": "date", "publication date": "date",
    "outlet": "outlet", "source": "outlet", "publication": "outlet",
    "author": "author", "authors": "author", "by": "author", "byline": "author",
    "url": "url", "link": "url",
    "language": "language", "lang": "language",
}
_HEADER_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ]{0,20}):\s*(?P<value>.*\S)?\s*$")

_MONTHS = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
# "MOSCOW —", "WASHINGTON (Reuters) -", "NEW YORK, June 3 (AP) --", "MOSCOW Nearly 30 years".
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'\-]+(?:\s+[A-Z][A-Z.'\-]+){0,3}"
    r"(?:,\s+(?!" + _MONTHS + r")[A-Z][A-Za-z.]+(?:\s+[A-Z][A-Za-z.]+)?)?)"
    r"(?:,\s+(?:" + _MONTHS + r")[a-z]*\.?\s+\d{1,2})?"
    r"\s*(?:\((?P<agency>[A-Za-z][A-Za-z .&]{1,30})\))?"
    r"\s*(?:[—–-]{1,2}|:)?\s+(?=[A-Z0-9“\"‘'])"
)
_AGENCIES = {"reuters": "Reuters", "ap": "Associated Press", "afp": "Agence France-Presse",
             "upi": "United Press International", "dpa": "dpa", "xinhua": "Xinhua"}
# Words in capitals at the start of a paragraph that are not places.
_NOT_PLACES = {"I", "A", "THE", "AN", "UPDATE", "BREAKING", "EXCLUSIVE", "ANALYSIS", "OPINION",
               "WARNING", "NOTE", "EDITOR", "EDITORS", "CORRECTION", "U.S.", "US", "UK", "EU", "UN",
               "NATO", "FBI", "CIA"}


def _place_name(raw: str) -> str:
    def cap(word: str) -> str:
        return "-".join(p[:1].upper() + p[1:].lower() for p in word.split("-"))
    return " ".join(cap(w) if w.isupper() else w for w in raw.split())


def find_dateline(paragraph: str) -> tuple[str | None, str | None]:
    """The place (and wire agency) of a dateline at the start of a paragraph, if any."""
    m = _DATELINE.match(paragraph)
    if not m:
        return None, None
    place = m.group("place")
    first = place.split(",")[0].strip()
    if first in _NOT_PLACES or len(first) < 3:
        return None, None
    agency = m.group("agency")
    agency = _AGENCIES.get(agency.lower().strip(), agency.strip()) if agency else None
    return _place_name(place), agency


def parse_header_date(value: str) -> tuple[dt.date | None, str | None]:
    """A header date as (date, precision): YYYY, YYYY-MM, YYYY-MM-DD or an ISO datetime."""
    value = value.strip()
    formats = (("%Y-%m-%d", "day"), ("%Y/%m/%d", "day"), ("%d %B %Y", "day"),
               ("%B %d, %Y", "day"), ("%b %d, %Y", "day"), ("%Y-%m", "month"), ("%Y", "year"))
    candidates = [value, value[:10]]
    for text in candidates:
        for fmt, precision in formats:
            try:
                date = dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            if date.year < 1800 or date > dt.date.today():
                return None, None
            return date, precision
    return None, None


def split_header(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """Read a block of `Key: value` lines at the very top, ended by a blank line."""
    header: dict[str, str] = {}
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    start = i
    while i < len(lines) and lines[i].strip():
        m = _HEADER_LINE.match(lines[i].strip())
        key = HEADER_KEYS.get(m.group("key").strip().lower()) if m else None
        if not key:
            return {}, lines
        header[key] = (m.group("value") or "").strip()
        i += 1
    if i == start or (i < len(lines) and lines[i].strip()):
        return {}, lines
    return header, lines[i:]


def paragraphs(lines: list[str]) -> list[str]:
    """Blank-line separated paragraphs, with the lines inside one joined by spaces."""
    paras, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paras.append(" ".join(current))
            current = []
    if current:
        paras.append(" ".join(current))
    return paras


def extract_text(text: str) -> Draft:
    """Extract an article from plain text."""
    lines = text.replace("\x00", "").split("\n")
    header, lines = split_header(lines)
    lines, banner = strip_leading_banner(lines)
    paras = paragraphs(lines)
    draft = Draft(age_banner=banner)
    if header.get("title"):
        draft.title = header["title"]
    elif paras:
        draft.title = paras.pop(0)
        if len(draft.title) > 300:  # a paragraph, not a title line: keep it in the body
            paras.insert(0, draft.title)
            draft.title = " ".join(draft.title.split()[:12]) + "…"
    if not paras:
        raise NoArticleText("a title line and no article text after it" if draft.title
                            else "neither title nor body")
    draft.body = "\n\n".join(paras)
    draft.dateline, draft.agency = find_dateline(paras[0])
    if header.get("date"):
        draft.published, draft.date_precision = parse_header_date(header["date"])
        draft.date_source = "header" if draft.published else None
    if header.get("outlet"):
        draft.outlet, draft.outlet_source = canonical_outlet(header["outlet"]), "header"
    else:
        credited = outlet_credited_in_text(draft.body)
        if credited:
            draft.outlet, draft.outlet_source = credited, "text"
    if header.get("author"):
        draft.authors = [a.strip() for a in re.split(r",|;|\band\b", header["author"]) if a.strip()]
    if header.get("url"):
        draft.url = header["url"]
    if header.get("language"):
        draft.language = header["language"].lower()[:8]
    return draft


def read_text(data: bytes, path: str) -> list[Draft]:
    """Reader for .txt files (see indexer.formats)."""
    return [extract_text(decode_text(data))]
