"""The search's promises, checked on every engine over one corpus (tests/behaviour/conftest.py).

Words, fields, phrases, NOT, wildcards, fuzzy words, filters and facets (each facet
ignores its own filter), sorts with undated articles last, date clauses, the "most of
your words" fallback, story grouping, snippets with <mark>, the explainer, bad requests,
paging, the JSON of /search.json and `manage.py search`.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from archive.analysis import TOKENS, fold
from archive.errors import BadQuery
from archive.ranking import FALLBACK_NOTE, few_note
from archive.records import SearchRequest
from tests.behaviour.conftest import TODAY, run_cli, web_client

MARK = re.compile(r"<mark>(.*?)</mark>")


def search(engine, query="", **options):
    return engine.archive.search(SearchRequest(query, page_size=100, **options), TODAY)


def terms_of(article) -> set[str]:
    return {fold(w) for w in TOKENS.findall(f"{article.title}\n{article.body}")} - {None}


def test_words_fields_and_phrases(engine):
    page = search(engine, "harbour strike", group=False)
    assert page.total == 3 and all({"harbour", "strike"} <= terms_of(h.article) for h in page.hits)
    titled = search(engine, "title:strike", group=False)
    assert titled.total and all("strike" in h.article.title.lower() for h in titled.hits)
    assert {h.article.title for h in search(engine, '"swing bridge"').hits} == {
        "Swing bridge shut for repairs"}
    assert search(engine, '"bridge swing"').total == 0  # a phrase keeps its order
    assert [h.article.authors for h in search(engine, 'author:"ann lee"').hits] == [("Ann Lee",)]
    assert search(engine, "outlet:planet", group=False).total == 2
    assert search(engine, "the").total == 0  # only a stop word: nothing to search


def test_not_excludes_and_negation_alone(engine):
    everything = search(engine).total
    harbour = search(engine, "harbour", group=False)
    without = search(engine, "harbour -strike", group=False)
    assert without.total == harbour.total - 3
    assert all("strike" not in terms_of(h.article) for h in without.hits)
    assert search(engine, "NOT harbour", group=False).total == everything - harbour.total


def test_wildcards_and_fuzzy_words(engine):
    prefix = search(engine, "harb*", group=False)
    assert prefix.total and all(any(t.startswith("harb") for t in terms_of(h.article))
                                for h in prefix.hits)
    fuzzy = search(engine, "strik~1", group=False)  # "strike", one letter away
    assert {h.article.id for h in fuzzy.hits} >= {h.article.id for h in
                                                  search(engine, "strike", group=False).hits}
    assert all(MARK.search(" ".join(h.snippets)) for h in fuzzy.hits)
    assert search(engine, "wi?d*", group=False).total == search(engine, "wind OR windi OR "
                                                                "wild OR wide", group=False).total \
        or search(engine, "wi?d*").total > 0


def test_each_facet_ignores_its_own_filter(engine):
    everything = search(engine)
    chosen = search(engine, filters=(("outlet", "Daily Planet"),))
    outlets = {v.value: v.count for v in next(f for f in everything.facets if f.name == "outlet")
               .values}
    facet = next(f for f in chosen.facets if f.name == "outlet")
    assert {v.value: v.count for v in facet.values} == outlets
    assert [v.value for v in facet.values if v.selected] == ["Daily Planet"]
    assert chosen.total == outlets["Daily Planet"] == 2
    years = next(f for f in chosen.facets if f.name == "year")
    assert sum(v.count for v in years.values) == chosen.total  # other facets follow the filter
    undated = search(engine, filters=(("year", "unknown"),), group=False)
    assert undated.total and all(h.article.published is None for h in undated.hits)
    old = search(engine, filters=(("age", "gt20"),), group=False)
    assert old.total and all(h.article.published.year <= 2004 for h in old.hits)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_sorts_put_undated_articles_last(engine, sort):
    page = search(engine, sort=sort, group=False)
    dates = [h.article.published for h in page.hits]
    known = [d for d in dates if d is not None]
    assert dates[:len(known)] == known and len(known) < len(dates)
    assert known == sorted(known, reverse=sort == "newest")


def test_date_clauses(engine):
    page = search(engine, "date:2001 strike", group=False)
    assert page.total == 3 and all(h.article.published.year == 2001 for h in page.hits)
    assert page.notes[0] == "dates: 2001-01-01..2001-12-31"
    later = search(engine, "date:>=2010", group=False)
    assert later.total and all(h.article.published >= dt.date(2010, 1, 1) for h in later.hits)


def test_most_of_your_words_when_few_have_them_all(engine):
    none = search(engine, "harbour lighthouse regatta")
    assert FALLBACK_NOTE in none.notes and none.total > 0
    few = engine.archive.search(SearchRequest("harbour strike closes port"), TODAY)
    assert few_note(2) in few.notes and few.total > 2
    assert search(engine, "harbour strike").notes == ()  # two words are never widened


def test_story_versions_are_grouped(engine):
    grouped = search(engine, "strike port")
    assert grouped.total == 3 and grouped.stories == 1 and len(grouped.hits) == 1
    hit = grouped.hits[0]
    assert hit.versions == 2 and hit.article.published == dt.date(2001, 5, 2)  # the earliest
    assert hit.story
    apart = search(engine, "strike port", group=False)
    assert len(apart.hits) == 3 and all(h.versions == 0 and h.story is None for h in apart.hits)
    newest = search(engine, sort="newest")
    assert newest.stories == newest.total - 2 and len(newest.hits) == newest.stories


def test_snippets_mark_the_matched_words(engine):
    page = search(engine, "harbour dredging", group=False)
    for hit in page.hits:
        marked = [fold(m) for s in hit.snippets for m in MARK.findall(s)]
        assert marked and set(marked) <= {"harbour", "dredg"}


def test_the_explainer(engine):
    page = search(engine, 'harbour -strike "swing bridge" date:2001')
    kinds = [(c.role, c.kind, c.text) for c in page.explanation]
    assert ("required", "word", "harbour") in kinds
    assert any(c.kind == "phrase" and c.text == "swing bridge" for c in page.explanation)
    assert any(c.role == "excluded" and c.text == "strike" for c in page.explanation)


@pytest.mark.parametrize("request_,message", [
    (SearchRequest(sort="best"), "sort: 'best' is not one of relevance, newest, oldest"),
    (SearchRequest(page=1001), "page: must be between 1 and 1000"),
    (SearchRequest(page_size=101), "page size: must be between 1 and 100"),
    (SearchRequest(filters=(("colour", "red"),)), "filter: 'colour' is not a facet"),
    (SearchRequest(filters=(("year", "20x1"),)), "filter year: '20x1' is not a year"),
    (SearchRequest(filters=(("age", "old"),)), "filter age: 'old' is not one of"),
    (SearchRequest(filters=(("date", "soon"),)), "filter date: 'soon' is not a date"),
    (SearchRequest('"open'), "q: a quotation mark is not closed"),
])
def test_bad_requests_get_the_same_messages(engine, request_, message):
    with pytest.raises(BadQuery, match=re.escape(message)):
        engine.archive.search(request_, TODAY)


def test_paging_shows_every_article_once(engine):
    seen = []
    for number in range(1, 20):
        page = engine.archive.search(SearchRequest("", sort="oldest", page=number, page_size=7,
                                                   group=False), TODAY)
        seen += [h.article.id for h in page.hits]
        assert [h.rank for h in page.hits] == list(range(7 * number - 6, 7 * number - 6
                                                         + len(page.hits)))
        if not page.hits:
            break
    assert len(seen) == len(set(seen)) == search(engine).total


def test_search_json_of_the_web_app(engine):
    client = web_client(engine)
    data = client.get("/search.json?q=harbour+strike&group=off").get_json()
    assert data["total"] == 3 and all("<mark>" in h["snippet"] for h in data["hits"])
    bad = client.get("/search.json?q=harbour&sort=best")
    assert bad.status_code == 400 and "sort" in bad.get_data(as_text=True)
    article = engine.archive.get(data["hits"][0]["id"])
    part = engine.archive.marked_part(article, "harbour strike")
    assert part.marks and "<mark" in part.title and "<mark" in "".join(part.paragraphs)


def test_manage_search(engine):
    result = run_cli(engine, "search", "--json", "--no-group", "harbour strike")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total"] == 3
    plain = run_cli(engine, "search", "strike port")
    assert plain.exit_code == 0 and plain.output.startswith("3 articles in 1 stories")
