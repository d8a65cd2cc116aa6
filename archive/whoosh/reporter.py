"""The reporter's tools around one search: explanation, spelling, time histogram, stories.

`WhooshArchive.search()` calls these with what it has already computed (the
parsed query, the matched set, the filter sets, the final set) so each tool
costs one pass over document numbers and the cached columns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from archive.whoosh.budget import Budget, cap_expansions
from archive.whoosh.docset import DocSet
from archive.histogram import build_histogram
from archive.explain import explain
from archive.whoosh.compile import WhooshAnalysis, WhooshQuery, parse_query
from archive.records import SearchRequest
from archive.requests import truncate_facet  # noqa: F401  (used through this module)
from archive.whoosh.spelling import suggest, vocabulary
from archive.whoosh.stories import count_stories

DATE_FILTERS = ("date", "year", "age")


def within_budget(parsed: WhooshQuery, reader, budget: Budget) -> WhooshQuery:
    """The parsed query with expanding clauses capped (see `archive.whoosh.budget`)."""
    if parsed.query is None:
        return parsed
    return dataclasses.replace(parsed, query=cap_expansions(parsed.query, reader, budget))


def story_column(columns, searcher) -> list:
    return columns.columns(searcher, ["story"])["story"]


def extras(columns, searcher, parsed: WhooshQuery, request: SearchRequest, matched: DocSet,
           filter_sets: dict[str, DocSet], final: DocSet, today: dt.date) -> dict[str, Any]:
    """SearchPage fields: explanation, histogram, stories count and a spelling suggestion."""
    ordinals = columns.date_arrays(searcher)[0]
    preset_base = matched
    for name, docs in filter_sets.items():
        if name not in DATE_FILTERS:
            preset_base = preset_base & docs
    out: dict[str, Any] = {
        "explanation": explain(parsed.parsed, request, WhooshAnalysis(searcher.schema)),
        "histogram": build_histogram(ordinals, final, preset_base, today),
    }
    if request.group:
        out["stories"] = count_stories(columns.story_codes(searcher), final.ids)

    def count(text: str) -> int:
        other = parse_query(text, searcher.schema)
        if other.query is None:
            return 0
        docs = DocSet.of(searcher.docs_for_query(other.query), len(ordinals))
        for rng in other.dates:
            docs = docs & columns.date_docs(searcher, *rng.bounds())
        for chosen in filter_sets.values():
            docs = docs & chosen
        return len(docs)

    if parsed.query is not None:
        try:
            out["suggestion"] = suggest(
                searcher, request.query, len(final), count,
                lambda: columns.segment_values(searcher, "vocabulary", vocabulary))
        except Exception:  # a suggestion is a courtesy; it never fails a search
            out["suggestion"] = None
    return out


__all__ = ["within_budget", "truncate_facet", "extras", "story_column"]
