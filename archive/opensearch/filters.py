"""Filters, facets and the date histogram of a search, as OpenSearch clauses and aggregations.

A filter has the Whoosh engine's names and values (archive.requests): a facet value
as it is counted (commas read as spaces, trimmed), a year, an age band (from the date,
else the publisher's banner, as of `today`), a date range, and "unknown" for articles
without a date. Each facet is counted over the matches with every filter but its own
(a `filter` aggregation around a `terms` one), so a chosen value's neighbours stay
visible; the histogram counts the matches with every filter, its presets the matches
with the filters that are not about dates.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import numpy as np

from archive.age import AGE_BANDS, BAND_ORDER
from archive.histogram import build_histogram
from archive.opensearch.compile import Clause
from archive.query import DateRange, parse_date_range
from archive.records import Histogram, SearchRequest
from archive.requests import FACET_ORDER, FACETS, UNKNOWN, facet_value, filter_names

# Facet names -> keyword fields (archive.opensearch.mapping).
FACET_FIELDS = {"outlet": "outlet", "language": "language", "author": "authors",
                "format": "format", "topic": "topics", "place": "places", "person": "people",
                "org": "orgs", "exchange": "exchanges"}
DATE_FILTERS = ("date", "year", "age")
FACET_VALUES = 1000  # values counted per facet (the page shows the first few)
DATED: Clause = {"exists": {"field": "published"}}
UNDATED: Clause = {"bool": {"must_not": [DATED]}}


def _any(clauses: list[Clause]) -> Clause:
    return {"bool": {"should": clauses, "minimum_should_match": 1}} if clauses \
        else {"match_none": {}}


def date_range(rng: DateRange) -> Clause:
    bounds = {}
    if rng.start:
        bounds["gte"] = rng.start.isoformat()
    if rng.end:
        bounds["lte"] = rng.end.isoformat()
    return {"range": {"published": bounds}} if bounds else DATED


def _value(field: str, value: str) -> Clause:
    """Documents with a facet value, as counted: stored values may hold commas or spaces."""
    pattern = "".join("[ ,]" if c == " " else c if c.isalnum() else "\\" + c for c in value)
    return _any([{"term": {field: value}}, {"regexp": {field: f"[ ,]*{pattern}[ ,]*"}}])


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_band(key: str, today: dt.date) -> Clause:
    """Articles of one age band on `today`: by their date, else by their banner's years."""
    if key == UNKNOWN:
        return {"bool": {"must_not": [DATED, {"range": {"age_banner.years": {"gt": 0}}}]}}
    _key, _label, low, high = next(b for b in AGE_BANDS if b[0] == key)
    published: dict[str, str] = {}
    if low > 0:
        published["lte"] = _years_before(today, low).isoformat()
    if high is not None:
        published["gt"] = _years_before(today, high).isoformat()
    banner: dict[str, int] = {"gte": max(low, 1)}
    if high is not None:
        banner["lt"] = high
    dated = {"range": {"published": published}} if published else DATED
    return _any([dated, {"bool": {"must_not": [DATED],
                                  "filter": [{"range": {"age_banner.years": banner}}]}}])


def filter_clauses(request: SearchRequest, today: dt.date) -> dict[str, Clause]:
    """Each filter name of the request -> the clause its values give (any of them)."""
    out: dict[str, Clause] = {}
    for name in filter_names(request):
        values = request.filter_values(name)
        if name in FACET_FIELDS:
            wanted = [k for k in map(facet_value, values) if k]
            out[name] = _any([_value(FACET_FIELDS[name], k) for k in wanted])
        elif name == "year":
            out[name] = _any([UNDATED if v == UNKNOWN else date_range(parse_date_range(v))
                              for v in values])
        elif name == "age":
            out[name] = _any([age_band(v, today) for v in values])
        elif name == "date":
            out[name] = _any([UNDATED if v == UNKNOWN else
                              date_range(parse_date_range(v, "filter date")) for v in values])
    return out


def _all(clauses: list[Clause]) -> Clause:
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


def aggregations(filters: dict[str, Clause], today: dt.date, with_facets: bool,
                 group: bool) -> dict[str, Any]:
    """The aggregations of one search: facets, histogram days, presets, stories."""
    days = {"date_histogram": {"field": "published", "calendar_interval": "day",
                               "min_doc_count": 1, "format": "yyyy-MM-dd"}}
    final: dict[str, Any] = {"days": days, "undated": {"missing": {"field": "published"}}}
    if group:
        stories = {"cardinality": {"field": "story", "precision_threshold": 40000}}
        final["stories"] = stories
        final["dated"] = {"filter": DATED, "aggs": {"stories": stories}}
    aggs: dict[str, Any] = {
        "final": {"filter": _all(list(filters.values())), "aggs": final},
        "presets": {"filter": _all([c for n, c in filters.items() if n not in DATE_FILTERS]),
                    "aggs": {"days": days}},
    }
    if with_facets:
        for name in FACET_ORDER:
            others = _all([c for n, c in filters.items() if n != name])
            if name == "year":
                inner = {"years": {"date_histogram": {"field": "published",
                                                      "calendar_interval": "year",
                                                      "min_doc_count": 1, "format": "yyyy"}},
                         "undated": {"missing": {"field": "published"}}}
            elif name == "age":
                inner = {"bands": {"filters": {"filters": {k: age_band(k, today)
                                                           for k in BAND_ORDER}}}}
            else:
                inner = {"values": {"terms": {"field": FACET_FIELDS[name], "size": FACET_VALUES}}}
            aggs["facet_" + name] = {"filter": others, "aggs": inner}
    return aggs


def facet_counts(name: str, answer: dict[str, Any]) -> Counter:
    """A facet's value counts from its aggregation."""
    counts: Counter = Counter()
    if name == "year":
        for bucket in answer["years"]["buckets"]:
            counts[bucket["key_as_string"]] += bucket["doc_count"]
        if answer["undated"]["doc_count"]:
            counts[UNKNOWN] = answer["undated"]["doc_count"]
    elif name == "age":
        for key, bucket in answer["bands"]["buckets"].items():
            if bucket["doc_count"]:
                counts[key] = bucket["doc_count"]
    else:
        for bucket in answer["values"]["buckets"]:
            key = facet_value(str(bucket["key"]))
            if key:
                counts[key] += bucket["doc_count"]
    return counts


def _ordinals(buckets: list[dict[str, Any]]) -> np.ndarray:
    days = [dt.date.fromisoformat(b["key_as_string"]).toordinal() for b in buckets]
    return np.repeat(np.asarray(days, dtype=np.int64),
                     [b["doc_count"] for b in buckets]).astype(np.int64)


def histogram(aggs: dict[str, Any], today: dt.date) -> Histogram:
    """The histogram of the final matches, presets over the matches with non-date filters."""
    final = aggs["final"]
    shown = np.concatenate([_ordinals(final["days"]["buckets"]),
                            np.zeros(final["undated"]["doc_count"], dtype=np.int64)])
    presets = _ordinals(aggs["presets"]["days"]["buckets"])
    ordinals = np.concatenate([shown, presets])
    docs = np.arange(len(shown), dtype=np.int64)
    return build_histogram(ordinals, docs, np.arange(len(shown), len(ordinals)), today)


__all__ = ["FACETS", "FACET_FIELDS", "aggregations", "date_range", "facet_counts",
           "filter_clauses", "histogram"]
