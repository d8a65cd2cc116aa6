"""HTML article extraction: body text and metadata from one web page."""

from __future__ import annotations

import datetime as dt

from indexer.banner import parse_banner, remove_banner_text
from indexer.decode import decode_html
from indexer.draft import Draft, ExtractionError
from indexer.outlets import canonical_outlet, outlet_for_domain


def _date(html: str, url: str | None) -> dt.date | None:
    from htmldate import find_date

    found = find_date(html, url=url, original_date=True, extensive_search=True, outputformat="%Y-%m-%d")
    if not found:
        return None
    day = dt.date.fromisoformat(found)
    if day.year < 1800 or day > dt.date.today():
        return None
    return day


def extract_html(html: str, url: str | None = None) -> Draft:
    """Extract the article text and metadata from one HTML page."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url, favor_precision=True, include_comments=False, with_metadata=True)
    text = (doc.text if doc is not None else "") or ""
    if not text.strip():
        raise ExtractionError("no article text found")
    paras = [p.strip() for p in text.split("\n") if p.strip()]
    banner = None
    for p in paras[:6]:
        banner = parse_banner(p)
        if banner:
            break
    body = remove_banner_text("\n\n".join(paras), banner)
    draft = Draft(title=doc.title or "", body=body, url=doc.url or url, age_banner=banner)
    if doc.author:
        draft.authors = [a.strip() for a in doc.author.split(";") if a.strip()]
    outlet = outlet_for_domain(draft.url)
    if outlet:
        draft.outlet, draft.outlet_source = outlet, "domain"
    elif doc.sitename:
        draft.outlet, draft.outlet_source = canonical_outlet(doc.sitename), "og:site_name"
    day = _date(html, url)
    if day:
        draft.published, draft.date_precision, draft.date_source = day, "day", "meta"
    return draft


def read_html(data: bytes, path: str) -> list[Draft]:
    """Read one HTML file into a single draft."""
    return [extract_html(decode_html(data))]
