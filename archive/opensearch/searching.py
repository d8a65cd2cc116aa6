"""One search on OpenSearch: the same SearchPage the Whoosh engine gives for a request.

Steps, as `WhooshArchive.search`: parse (archive.query) and compile the tree
(archive.opensearch.compile); count the articles with every word, and widen to
"most of your words" when fewer than a page have them; add the proximity pairs and
feedback words of a long query (archive.opensearch.ranking); then one request for the
page of hits (every filter in the query, stories collapsed) and one for the facets,
histogram and story count (archive.opensearch.filters). Snippets, the explainer and
"did you mean" are the engine-neutral ones, fed with the stored bodies and the
Python analysis, so both engines mark and explain alike.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy import exceptions as ox

from archive.analysis import TOKENS, MarkedTerms, TextAnalysis, fold
from archive.errors import BadQuery
from archive.explain import explain
from archive.opensearch import filters as fl
from archive.opensearch import ranking
from archive.opensearch.client import out_of_time
from archive.opensearch.compile import Clause, compile_tree
from archive.opensearch.grouping import Grouping, page_window
from archive.opensearch.mapping import from_source
from archive.opensearch.querybody import combined as _query
from archive.opensearch.reading import Reader
from archive.opensearch.spelling import suggestion
from archive.query import parse_query
from archive.ranking import FALLBACK_NOTE, RankSettings, few_note, widened
from archive.records import Facet, Hit, SearchPage, SearchRequest
from archive.requests import FACET_ORDER, HIT_BODY_CHARS, check_request, make_facet, truncate_facet
from archive.snippets import PageSnippets

SEARCH_SECONDS = 2.0  # OpenSearch's own time limit for collecting one page's hits
SOURCE_EXCLUDES = ["story_sig", "story_bands", "story_digest"]


def _out_of_time() -> dict[str, Any]:
    """The answer of a search with a time limit that found nothing before the limit."""
    return {"timed_out": True, "hits": {"hits": []}, "aggregations": {"stories": {"buckets": []}}}


class Search:
    """Runs searches against one archive alias."""

    def __init__(self, client: OpenSearch, alias: str, where: str, settings: RankSettings,
                 seconds: float = SEARCH_SECONDS):
        self.client, self.alias, self.settings, self.seconds = client, alias, settings, seconds
        self.reader = Reader(client, alias, where)

    @property
    def _timeout(self) -> str:
        """OpenSearch's time limit for the searches of a page's hits (the time budget)."""
        return f"{max(1, round(self.seconds * 1e6))}micros"

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = self.client.search(index=self.alias, body=body)
        except ox.RequestError as exc:  # 400: a query OpenSearch cannot run
            raise BadQuery(f"q: the query cannot be run ({_reason(exc)})") from None
        except ox.TransportError as exc:
            if "timeout" in body and out_of_time(exc):
                return _out_of_time()  # the time budget spent before anything was found
            raise
        self.reader.complete(answer)
        return answer

    def count(self, query: Clause | None, clauses: list[Clause]) -> int:
        body = {"size": 0, "track_total_hits": True, "query": _query(query, clauses)}
        return self._search(body)["hits"]["total"]["value"]

    def run(self, request: SearchRequest, today: dt.date, with_facets: bool = True,
            facet_limit: int | None = None) -> SearchPage:
        started = time.perf_counter()
        check_request(request)
        parsed = parse_query(request.query)
        compiled = compile_tree(parsed.tree, self.settings)
        filters = fl.filter_clauses(request, today)
        dates = [fl.date_range(rng) for rng in parsed.dates]
        every = dates + list(filters.values())
        notes = list(compiled.notes)
        tree, query = compiled.tree, compiled.query
        matching = query  # what the facets count (widened when the search widens)
        loose = widened(tree, 0, 1, self.settings)  # only asked when it could widen
        if loose is not None:
            strict = self.count(query, every)
            loose = widened(tree, strict, request.page_size, self.settings)
            if loose is not None:
                loose_query = compile_tree(loose, self.settings).query
                if self.count(loose_query, every) > strict:
                    tree = loose
                    matching = query = loose_query
                    notes.append(FALLBACK_NOTE if strict == 0 else few_note(strict))
        aggs = self._search({"size": 0, "track_total_hits": True,
                             "query": _query(matching, dates),
                             "aggs": fl.aggregations(filters, today, with_facets,
                                                     request.group)})["aggregations"]
        total = aggs["final"]["doc_count"]
        ranked = query
        if query is not None and request.sort == "relevance":
            bonus = ranking.proximity(tree, self.settings)
            if bonus:
                ranked = {"bool": {"must": [query], "should": bonus}}
            ranked = self._with_feedback(tree, ranked, every, total)
        hits, partial = self._hits(request, parsed.tree is not None, ranked, every, aggs, total,
                                   tree, notes)
        if parsed.dates:
            notes.insert(0, "dates: " + ", ".join(r.label() for r in parsed.dates))
        facets: list[Facet] = []
        if with_facets:
            for name in FACET_ORDER:
                facet = make_facet(name, fl.facet_counts(name, aggs["facet_" + name]), request)
                if facet is not None:
                    facets.append(truncate_facet(facet, facet_limit))
        extra: dict[str, Any] = {
            "explanation": explain(parsed, request, TextAnalysis()),
            "histogram": fl.histogram(aggs, today),
        }
        if request.group:
            extra["stories"] = min(total, aggs["final"]["stories"]["value"])
        if parsed.tree is not None:
            extra["suggestion"] = suggestion(self, request.query, total, every[len(dates):])
        return SearchPage(request=request, total=total, hits=tuple(hits), facets=tuple(facets),
                          seconds=time.perf_counter() - started, notes=tuple(notes),
                          partial=partial, **extra)

    def _with_feedback(self, tree, ranked: Clause, every: list[Clause], total: int) -> Clause:
        """The ranking query with RM3-style feedback words of the best articles added."""
        words = ranking.wants_feedback(tree, self.settings)
        if words is None or not total:
            return ranked
        answer = self._search({"size": self.settings.prf_docs, "query": _query(ranked, every),
                               "_source": ["body"], "track_total_hits": False,
                               "timeout": self._timeout})
        top = [(hit["_source"].get("body") or "", hit["_score"] or 0.0)
               for hit in answer["hits"]["hits"]]
        extra = ranking.feedback(words, top, self.settings)
        return {"bool": {"must": [ranked], "should": extra}} if extra else ranked

    def _hits(self, request: SearchRequest, typed: bool, ranked: Clause | None,
              every: list[Clause], aggs: dict[str, Any], total: int, tree,
              notes: list[str]) -> tuple[list[Hit], bool]:
        start, end = page_window(request)
        if start >= total:
            return [], False
        body: dict[str, Any] = {"query": _query(ranked, every), "track_total_hits": False,
                                "_source": {"excludes": SOURCE_EXCLUDES},
                                "timeout": self._timeout}
        scored = request.sort == "relevance" and ranked is not None
        grouping = Grouping(self, request, scored, body, aggs)
        found, timed_out = grouping.page(start, end)
        partial = timed_out
        if timed_out:
            notes.append(f"The search stopped after {self.seconds:g} seconds; some matching "
                         "articles may be missing from this page.")
        marking = MarkedTerms(tree) if typed else None
        terms = marking.expand(f"{s.get('title', '')}\n{s.get('body', '')}" for s, *_ in found) \
            if marking is not None else frozenset()
        snippets_of = PageSnippets(terms, fold, TOKENS)
        hits = []
        for rank, (source, score, story, versions) in enumerate(found, start=start + 1):
            article = from_source(source)
            snippets = snippets_of.snippets(article.body)
            if len(article.body) > HIT_BODY_CHARS:
                article = article.replace(body=article.body[:HIT_BODY_CHARS])
            score = round(score, 4) if scored and score is not None else None
            hits.append(Hit(article, rank, score, snippets, story, max(0, versions)))
        notes.extend(snippets_of.notes())
        return hits, partial or snippets_of.late > 0


def _reason(exc: ox.TransportError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error", {})
    if isinstance(error, dict):
        causes = error.get("root_cause") or [error]
        return str(causes[0].get("reason") or causes[0].get("type") or exc.error)
    return str(error or exc.error)


__all__ = ["SEARCH_SECONDS", "Search"]
