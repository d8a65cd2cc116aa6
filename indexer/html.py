"""HTML article extraction: body text and metadata from one web page."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from indexer import html_tuning
from indexer.authors import agency_name, clean_authors
from indexer.decode import decode_html
from indexer.draft import Draft, ExtractionError, NoArticleText
from indexer.html_body import extract_body, find_banner
from indexer.date_model import judge
from indexer.html_date import gather
from indexer.html_meta import PageMeta, ld_names, read_meta
from indexer.outlets import canonical_outlet, outlet_for_domain

_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|/)\s+")
_WIRE_DATELINE = re.compile(r"^[A-Z][A-Za-z .,'/-]{1,60}\s*\((?P<agency>[A-Za-z][A-Za-z .-]{1,30})\)\s*[-–—:]")
_AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                "dcterms.creator", "byl", "twitter:creator:name", "citation_author")
_BYLINE_PATHS = (".//*[@rel='author']", ".//*[@itemprop='author']//*[@itemprop='name']",
                 ".//*[@itemprop='author']")


def parse_tree(html: str) -> Any:
    """Parse HTML leniently into an lxml tree; None when there is nothing to parse."""
    from trafilatura.utils import load_html

    html_tuning.apply()
    return load_html(html)


def _site_name(pm: PageMeta) -> str | None:
    publisher = ld_names(pm.ld_value("publisher"))
    return pm.first("og:site_name") or (publisher[0] if publisher else None) or pm.first("application-name")


def clean_title(title: str, site: str | None = None) -> str:
    """A headline without the site name tacked on ("Foo bar | The Outlet" -> "Foo bar")."""
    title = " ".join(htmllib.unescape(htmllib.unescape(title)).split())
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    site_key = re.sub(r"\W+", "", (site or "").lower())
    for cut in (parts[-1], parts[0]):
        key = re.sub(r"\W+", "", cut.lower())
        if site_key and key and (key in site_key or (site_key in key and len(key) <= len(site_key) + 6)):
            rest = parts[:-1] if cut is parts[-1] else parts[1:]
            return " | ".join(rest) if len(rest) > 1 else rest[0]
    if len(parts[-1].split()) <= 4 and len(" ".join(parts[:-1]).split()) >= 2:
        return _TITLE_SEPARATORS.split(title, maxsplit=len(parts) - 2)[0] if len(parts) > 2 else parts[0]
    return title


def _title(pm: PageMeta, site: str | None) -> str:
    for value in (pm.ld_value("headline"), pm.first("og:title", "twitter:title"), pm.title_tag, pm.h1):
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str) and value.strip():
            return clean_title(value, site)
    return ""


def _url(pm: PageMeta, url: str | None) -> str | None:
    entity = pm.ld_value("mainEntityOfPage")
    entity = entity.get("@id") if isinstance(entity, dict) else entity
    for value in (pm.canonical, pm.first("og:url"), pm.ld_value("url"), entity):
        if isinstance(value, str) and value.strip():
            full = urljoin(url or "", value.strip())
            if urlsplit(full).scheme in ("http", "https") and urlsplit(full).hostname:
                return full
    return url


def _outlet(pm: PageMeta, url: str | None) -> tuple[str | None, str | None]:
    by_domain = outlet_for_domain(url)
    if by_domain:
        return by_domain, "domain"
    site = pm.first("og:site_name")
    if site and len(site) <= 80:
        return canonical_outlet(htmllib.unescape(site)), "og:site_name"
    publisher = ld_names(pm.ld_value("publisher"))
    if publisher and len(publisher[0]) <= 80:
        return canonical_outlet(htmllib.unescape(publisher[0])), "json-ld"
    host = (urlsplit(url).hostname or "") if url else ""
    if host:
        return host.removeprefix("www."), "domain"
    return None, None


def _raw_authors(pm: PageMeta, tree: Any) -> list[str]:
    raw = ld_names(pm.ld_value("author")) or ld_names(pm.ld_value("creator"))
    if raw:
        return raw
    for name in _AUTHOR_META:
        values = [v for v in pm.meta.get(name, ()) if v and "://" not in v]
        if values:
            return values
    for path in _BYLINE_PATHS:
        found = [" ".join(el.text_content().split()) for el in tree.iterfind(path)]
        found = [f for f in found if 0 < len(f) <= 120]
        if found:
            return found[:6]
    return []


def page_metadata(html: str, url: str | None = None, tree: Any = None,
                  pm: PageMeta | None = None) -> Draft:
    """A draft with the page's metadata only (title, url, outlet, authors, date), no body."""
    tree = parse_tree(html) if tree is None else tree
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    pm = read_meta(tree) if pm is None else pm
    site = _site_name(pm)
    draft = Draft(title=_title(pm, site), url=_url(pm, url))
    draft.outlet, draft.outlet_source = _outlet(pm, draft.url)
    names, draft.agency = clean_authors(_raw_authors(pm, tree))
    not_people = {(draft.outlet or "").lower(), (site or "").lower()}
    draft.authors = [n for n in names if n.lower() not in not_people]
    verdict = judge(gather(tree, pm, draft.url))
    draft.published, draft.date_precision, draft.date_source = verdict.day, verdict.precision, verdict.source
    draft.date_confidence, draft.date_candidates = verdict.confidence, list(verdict.candidates)
    return draft


def extract_html(html: str, url: str | None = None) -> Draft:
    """Extract the article text and metadata from one HTML page."""
    if not html or not html.strip():
        raise NoArticleText("empty page")
    tree = parse_tree(html)
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    pm = read_meta(tree)
    draft = page_metadata(html, url, tree, pm)
    banner = find_banner(tree, pm.text)
    paras, body_banner = extract_body(tree, draft.title, page_text=pm.text)
    if not paras:
        raise NoArticleText("no article text found in the page")
    draft.body = "\n\n".join(paras)
    draft.age_banner = banner or body_banner
    if draft.agency is None:
        m = _WIRE_DATELINE.match(paras[0])
        if m:
            draft.agency = agency_name(m.group("agency"))
    return draft


def read_html(data: bytes, path: str) -> list[Draft]:
    """Read one HTML file into a single draft."""
    return [extract_html(decode_html(data))]
