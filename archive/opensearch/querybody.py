"""The OpenSearch query of a search request: what an export (a whole-result read) matches.

`query_bodies(request, today, settings)` is the search page's own query
(archive.opensearch.searching uses the same pieces): the tree compiled by
archive.opensearch.compile, the date clauses and filters of archive.opensearch.filters,
and the "most of your words" form of a query of `widen_words`+ words
(archive.ranking.widened), which the reader takes when every word finds fewer than
a page. Proximity pairs and feedback words only re-order a page's hits; an export by
relevance is ordered by the query's own scores.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from archive.opensearch import filters as fl
from archive.opensearch.compile import Clause, compile_tree
from archive.query import parse_query
from archive.ranking import DEFAULT as DEFAULT_RANKING
from archive.ranking import RankSettings, widened
from archive.records import SearchRequest
from archive.requests import check_request


def combined(query: Clause | None, clauses: list[Clause]) -> Clause:
    """A query (None: every article) with filter clauses that do not score."""
    body: dict[str, Any] = {"must": [query if query is not None else {"match_all": {}}]}
    if clauses:
        body["filter"] = clauses
    return {"bool": body}


def query_bodies(request: SearchRequest, today: dt.date,
                 settings: RankSettings = DEFAULT_RANKING) -> tuple[Clause, Clause | None]:
    """The query of `request` with its date clauses and filters, and its widened form
    (any of the words, for a query of `widen_words`+ words) or None."""
    check_request(request)
    parsed = parse_query(request.query)
    compiled = compile_tree(parsed.tree, settings)
    clauses = ([fl.date_range(rng) for rng in parsed.dates]
               + list(fl.filter_clauses(request, today).values()))
    loose = widened(compiled.tree, 0, 1, settings)  # None: it can never widen
    wide = combined(compile_tree(loose, settings).query, clauses) if loose is not None else None
    return combined(compiled.query, clauses), wide


def query_body(request: SearchRequest, today: dt.date,
               settings: RankSettings = DEFAULT_RANKING) -> Clause:
    """The query matching what `request` asks for: its words, date clauses and filters."""
    return query_bodies(request, today, settings)[0]


def scored(request: SearchRequest) -> bool:
    """Whether the request's order is by relevance score (a query with words to rank)."""
    return request.sort == "relevance" and parse_query(request.query).tree is not None


__all__ = ["combined", "query_bodies", "query_body", "scored"]
