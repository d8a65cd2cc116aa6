"""The publication date of a parsed HTML page: structured data first, htmldate as the fallback."""

from __future__ import annotations

import datetime as dt
from typing import Any

from indexer.dates import PUBLISHED_META, date_from_url, parse_date, plausible
from indexer.html_meta import PageMeta

Found = tuple[dt.date, str, str]  # (date, precision, source)

_MICRODATA = (
    ".//*[@itemprop='datePublished']",
    ".//time[@pubdate]",
    ".//*[@property='article:published_time']",
)


def _structured(pm: PageMeta, tree: Any) -> Found | None:
    for key in ("datePublished", "dateCreated", "uploadDate"):
        found = parse_date(pm.ld_value(key))
        if found and plausible(found[0]):
            return found[0], found[1], "json-ld"
    for name in PUBLISHED_META:
        for value in pm.meta.get(name, ()):
            found = parse_date(value)
            if found and plausible(found[0]):
                return found[0], found[1], "meta"
    for path in _MICRODATA:
        for el in tree.iterfind(path):
            found = parse_date(el.get("datetime") or el.get("content") or "")
            if found and plausible(found[0]):
                return found[0], found[1], "meta"
    return None


def _htmldate(tree: Any, url: str | None, extensive: bool) -> Found | None:
    import warnings
    from copy import deepcopy

    from htmldate import find_date

    try:
        with warnings.catch_warnings():  # dateutil warns about time-zone names it cannot read
            warnings.simplefilter("ignore")
            value = find_date(deepcopy(tree), url=url, original_date=True, extensive_search=extensive,
                              outputformat="%Y-%m-%d", deferred_url_extractor=True)
    except Exception:  # htmldate is lenient but not proof against every page
        return None
    found = parse_date(value) if value else None
    if found and plausible(found[0]):
        return found[0], "day", "text"
    return None


def page_date(tree: Any, pm: PageMeta, url: str | None) -> Found | None:
    """The original publication date with its precision and source, or None when evidence is weak.

    Order (measured on the dates benchmark): a day in the URL, htmldate's fast
    header scan (which prefers original over modified dates), our own reading of
    JSON-LD and <meta>, and only then htmldate's costly search of the page text.
    """
    in_url = date_from_url(url)
    if in_url and not plausible(in_url[0]):
        in_url = None
    if in_url and in_url[1] == "day":
        return in_url[0], "day", "url"
    structured = _structured(pm, tree)
    fast = _htmldate(tree, url, extensive=False)
    if fast:
        if structured and structured[0] == fast[0]:
            return structured
        if (fast[0].month, fast[0].day) == (1, 1):  # htmldate's guess from a bare year
            return fast[0], "year", "meta"
        return fast[0], "day", "meta"
    found = structured or _htmldate(tree, url, extensive=True)
    if in_url:  # a month from the URL: accept a day only inside it
        if found and (found[0].year, found[0].month) == (in_url[0].year, in_url[0].month):
            return found
        return in_url[0], "month", "url"
    return found
