"""What a search request may ask for, checked the same way for every engine.

The facets and filters by name, their titles and order on the page, the page
limits, and `check_request`, which refuses a bad request with a `BadQuery` naming
the parameter and the reason before any engine runs it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from archive.age import BAND_ORDER, band_label
from archive.errors import BadQuery
from archive.query import parse_date_range
from archive.records import SORTS, Facet, FacetValue, SearchRequest

MAX_PAGE = 1000
FACET_LIMIT = 10  # values shown per facet before "more"
MAX_PAGE_SIZE = 100
# A hit carries the opening of its article's body only (the article page reads the whole
# text): search pages are cached, and a long transcript must not be kept once per page.
HIT_BODY_CHARS = 20_000
# Facets of the articles' own values: name -> title shown.
FACETS: dict[str, str] = {
    "outlet": "Outlet",
    "language": "Language",
    "author": "Author",
    "format": "Format",
    "topic": "Topic",
    "place": "Place",
    "person": "Person",
    "org": "Organisation",
    "exchange": "Exchange",
}
# Filters that are not facets of the articles' own values (computed from the date).
SPECIAL_FILTERS = ("year", "age", "date")
FACET_ORDER = ("outlet", "year", "age", "language", "author", "topic", "place", "person",
               "org", "exchange", "format")
FACET_TITLES = {"year": "Year", "age": "Age"} | FACETS
UNKNOWN = "unknown"  # the filter value for articles without a date


def check_request(request: SearchRequest) -> None:
    """Refuse a request no engine can answer: sort, page, page size, filter names and values."""
    if request.sort not in SORTS:
        raise BadQuery(f"sort: {request.sort!r} is not one of {', '.join(SORTS)}")
    if not 1 <= request.page <= MAX_PAGE:
        raise BadQuery(f"page: must be between 1 and {MAX_PAGE}")
    if not 1 <= request.page_size <= MAX_PAGE_SIZE:
        raise BadQuery(f"page size: must be between 1 and {MAX_PAGE_SIZE}")
    for name, _value in request.filters:
        if name not in FACETS and name not in SPECIAL_FILTERS:
            known = ", ".join(sorted(set(FACETS) | set(SPECIAL_FILTERS)))
            raise BadQuery(f"filter: {name!r} is not a facet (one of {known})")
    for v in request.filter_values("year"):
        if v != UNKNOWN and not (v.isdigit() and len(v) == 4):
            raise BadQuery(f"filter year: {v!r} is not a year")
    bad = [v for v in request.filter_values("age") if v not in BAND_ORDER]
    if bad:
        raise BadQuery(f"filter age: {bad[0]!r} is not one of {', '.join(BAND_ORDER)}")
    for v in request.filter_values("date"):
        if v != UNKNOWN:
            parse_date_range(v, "filter date")


def filter_names(request: SearchRequest) -> list[str]:
    """The filters' names in the order first given, each once."""
    names: list[str] = []
    for name, _ in request.filters:
        if name not in names:
            names.append(name)
    return names


def facet_value(value: str) -> str:
    """A facet value as it is counted and filtered (commas separate values in some formats)."""
    return value.replace(",", " ").strip()


def make_facet(name: str, counts: Mapping[str, int], request: SearchRequest) -> Facet | None:
    """A facet from its value counts: in page order, labelled, a chosen value kept at zero."""
    selected = set(request.filter_values(name))
    if name == "year":
        order = sorted(counts, key=lambda y: (y == UNKNOWN, -int(y) if y.isdigit() else 0))
        labels = {UNKNOWN: "Date unknown"}
    elif name == "age":
        order = [b for b in BAND_ORDER if counts.get(b)]
        labels = {b: band_label(b) for b in BAND_ORDER}
    else:
        order = [v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        labels = {}
    if not counts and not selected:
        return None
    values = [FacetValue(v, counts.get(v, 0), v in selected, labels.get(v)) for v in order]
    for v in selected:  # a chosen value stays visible (and removable) at zero
        if v not in counts:
            values.append(FacetValue(v, 0, True, labels.get(v)))
    return Facet(name, FACET_TITLES.get(name, name.title()), tuple(values),
                 total_values=len(values))


def truncate_facet(facet: Facet, limit: int | None) -> Facet:
    """The top `limit` values of a facet, plus any selected value; `total_values` keeps the rest."""
    if limit is None or len(facet.values) <= limit:
        return facet
    top = list(facet.values[:limit])
    top += [v for v in facet.values[limit:] if v.selected]
    return dataclasses.replace(facet, values=tuple(top), total_values=len(facet.values))


__all__ = ["FACETS", "FACET_LIMIT", "FACET_ORDER", "FACET_TITLES", "HIT_BODY_CHARS", "MAX_PAGE",
           "MAX_PAGE_SIZE", "SPECIAL_FILTERS", "UNKNOWN", "check_request", "facet_value",
           "filter_names", "make_facet", "truncate_facet"]
