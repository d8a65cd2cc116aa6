"""Whoosh and OpenSearch give the same answers: totals, order, facets, snippets, notes, JSON.

Each request runs on both engines over one corpus (tests/behaviour/conftest.py); the
pages must agree field by field. Scores come from two BM25 implementations (OpenSearch
weighs the title clause where Whoosh boosts the title's term frequency), so hits are
compared in runs of near-equal scores: the same articles in each run, in run order.
"""

from __future__ import annotations

import pytest

from archive.records import SearchRequest
from tests.behaviour.conftest import TODAY, run_cli, web_client

pytestmark = pytest.mark.opensearch

QUERIES = ("harbour", "strike port", '"swing bridge"', "harbour -strike", "NOT harbour",
           "harb*", "wi?d*", "strik~1", "title:strike", "author:lee", "outlet:planet",
           "harbour lighthouse regatta", "date:2001 strike", "date:>=2010", "", "*:*",
           "profit OR loss", "+harbour strike", "haarbour", "the", "oil prices",
           "Ebbers WorldCom fraud trial", "economy growth rates inflation", '"interest rates"',
           "mobile phone", "Labour election Blair", "film award", "harbour strike closes port")
FILTERS = ((("outlet", "Daily Planet"),), (("year", "2001"),), (("year", "unknown"),),
           (("age", "gt20"),), (("age", "unknown"),), (("date", "2001..2003"),),
           (("author", "Ann Lee"), ("outlet", "Evening Star")), (("outlet", "Harbour Gazette"),
                                                                 ("year", "2020")))
SCORE_RUN = 0.08  # hits whose scores are this close (relative) may come in either order


def runs(page) -> list[frozenset[str]]:
    """The hits' ids in runs of near-equal scores (one run per hit when unscored)."""
    out: list[list] = []
    previous = None
    for hit in page.hits:
        score = hit.score
        if out and score is not None and previous is not None and \
                abs(score - previous) <= SCORE_RUN * max(abs(previous), 1e-9):
            out[-1].append(hit.article.id)
        else:
            out.append([hit.article.id])
        previous = score
    return [frozenset(r) for r in out]


def comparable(page) -> dict:
    """What both engines must agree on."""
    return {
        "total": page.total, "stories": page.stories, "notes": page.notes,
        "partial": page.partial, "explanation": page.explanation,
        "histogram": page.histogram, "suggestion": page.suggestion, "facets": page.facets,
        "hits": {h.article.id: (h.snippets, h.versions, h.story is None,
                                h.article.replace(body="")) for h in page.hits},
    }


def assert_same(whoosh_page, os_page, scored_alike: bool = True) -> None:
    """Equal pages; hits in the same order up to near ties (`scored_alike`: scores within 25%).

    Prefixes, wildcards, fuzzy words and name fields are scored differently by the two
    engines' BM25 (and by Whoosh itself, by code path): they must find the same articles.
    """
    a, b = comparable(whoosh_page), comparable(os_page)
    for key in a:
        assert a[key] == b[key], key
    if not scored_alike:
        return
    w_order = [h.article.id for h in whoosh_page.hits]
    o_order = [h.article.id for h in os_page.hits]
    for run in runs(whoosh_page) + runs(os_page):
        low, high = min(w_order.index(i) for i in run), max(w_order.index(i) for i in run)
        low_o, high_o = min(o_order.index(i) for i in run), max(o_order.index(i) for i in run)
        low, high = min(low, low_o), max(high, high_o)
        assert set(o_order[low:high + 1]) == set(w_order[low:high + 1]), (low, high)
    for w_hit, o_hit in zip(whoosh_page.hits, os_page.hits, strict=True):
        if w_hit.score is None or o_hit.score is None:
            assert w_hit.score == o_hit.score
    for hit in os_page.hits:
        w_score = next(h.score for h in whoosh_page.hits if h.article.id == hit.article.id)
        if w_score is not None:
            assert hit.score == pytest.approx(w_score, rel=0.25)


def scored_alike(query: str) -> bool:
    return not any(c in query for c in "*?~:") and "NOT" not in query


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("sort,group", [("relevance", True), ("newest", True),
                                        ("oldest", False)])
def test_same_page_for_queries(both, query, sort, group):
    whoosh, opensearch = both
    request = SearchRequest(query, sort=sort, group=group, page_size=100)
    assert_same(whoosh.search(request, TODAY), opensearch.search(request, TODAY),
                scored_alike(query) or sort != "relevance")


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("query", ["", "harbour", "strike"])
def test_same_page_with_filters(both, query, filters):
    whoosh, opensearch = both
    for sort in ("relevance", "newest"):
        request = SearchRequest(query, filters=filters, sort=sort, page_size=100)
        assert_same(whoosh.search(request, TODAY), opensearch.search(request, TODAY))


@pytest.mark.parametrize("page,size,group", [(1, 3, True), (2, 3, True), (2, 4, False),
                                             (2, 5, True), (3, 5, False)])
def test_same_pages(both, page, size, group):
    """Paging through the dated articles: the same slice of the same order."""
    whoosh, opensearch = both
    for sort in ("newest", "oldest"):
        request = SearchRequest("", sort=sort, page=page, page_size=size, group=group)
        w, o = whoosh.search(request, TODAY), opensearch.search(request, TODAY)
        assert comparable(w) == comparable(o)
        assert [h.article.id for h in w.hits] == [h.article.id for h in o.hits]
        assert [h.rank for h in w.hits] == [h.rank for h in o.hits]


def test_same_json_from_the_web_app(whoosh_engine, opensearch_engine):
    answers = []
    for engine in (whoosh_engine, opensearch_engine):
        response = web_client(engine).get("/search.json?q=harbour+strike&sort=newest")
        assert response.status_code == 200
        data = response.get_json()
        data.pop("seconds")
        answers.append(data)
    assert answers[0] == answers[1]


def test_same_json_from_the_cli(whoosh_engine, opensearch_engine):
    answers = []
    for engine in (whoosh_engine, opensearch_engine):
        result = run_cli(engine, "search", "--json", "--sort", "oldest", "port")
        assert result.exit_code == 0, result.output
        import json

        data = json.loads(result.output)
        data.pop("seconds")
        answers.append(data)
    assert answers[0] == answers[1]


def test_same_marked_article_parts(both):
    whoosh, opensearch = both
    page = whoosh.search(SearchRequest("harbour strike", page_size=100), TODAY)
    assert page.hits
    for hit in page.hits:
        article = whoosh.get(hit.article.id)
        assert opensearch.get(hit.article.id) == article
        for query in ("harbour strike", "harb*", "strik~1 -bridge", ""):
            assert opensearch.marked_part(article, query) == whoosh.marked_part(article, query)


def test_pages_past_the_result_window(both, monkeypatch):
    """Past OpenSearch's result window (shrunk here to 4 hits) pages come by search_after hops."""
    from archive.errors import BadQuery
    from archive.opensearch import grouping

    whoosh, opensearch = both
    monkeypatch.setattr(grouping, "MAX_WINDOW", 4)
    for page, size in ((2, 3), (3, 5), (2, 4)):
        request = SearchRequest("", sort="oldest", page=page, page_size=size, group=False)
        w, o = whoosh.search(request, TODAY), opensearch.search(request, TODAY)
        assert [h.article.id for h in o.hits] == [h.article.id for h in w.hits]
    with pytest.raises(BadQuery, match="grouped results reach the first 4 stories"):
        opensearch.search(SearchRequest("", page=2, page_size=3), TODAY)
