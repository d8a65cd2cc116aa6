"""The marking promise, as a property over real articles.

For a query made from a random article (a word, two words, a phrase, a field,
a wildcard, a fuzzy word, words near each other, a word left out of the
title), that article is found; its snippets mark at least one word the index
matched in it, and only such words; and its article page (the real Flask
client, parsed with BeautifulSoup) marks exactly the words of its title and
text that the index matched: Whoosh's own record of the terms it matched in
that article is the reference.

One real index per module, in a temporary folder: BBC News texts, Reuters-21578
articles and news pages of the extraction set.
"""

from __future__ import annotations

import re
import tarfile
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from whoosh.support.levenshtein import distance

from archive import SearchRequest
from archive.whoosh.compile import parse_query
from archive.snippets import SCAN_CHARS
from archive.whoosh.schema import build_schema
from tests.conftest import shared_path
from tests.reporter_corpora import build

BODY = build_schema()["body"]
PROPS = settings(max_examples=40, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])
REUTERS_ARTICLES = 150
BBC_EVERY = 40  # one BBC text in 40 (56 texts over the five sections)
PAGES = 12


def _reuters_subset(source, count: int) -> bytes:
    """The first `count` articles of a Reuters-21578 file, as a file of its own."""
    text = source.read_bytes().decode("latin-1")
    ends = [m.end() for m in re.finditer(r"</REUTERS>\n?", text)]
    return text[:ends[count - 1]].encode("latin-1")


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    bbc = shared_path("data", "bbc", "bbc-fulltext.tar.gz")
    reuters = shared_path("data", "reuters21578", "reut2-000.sgm")
    pages = sorted(shared_path("data", "extraction", "html").glob("*.html.gz"))[:PAGES]
    corpus = tmp_path_factory.mktemp("marking") / "corpus"
    corpus.mkdir()
    with tarfile.open(bbc) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and m.name.endswith(".txt")]
        for m in members[::BBC_EVERY]:
            (corpus / m.name.replace("/", "_")).write_bytes(tar.extractfile(m).read())
    (corpus / "reut2-000-part.sgm").write_bytes(_reuters_subset(reuters, REUTERS_ARTICLES))
    for page in pages:
        (corpus / page.name).write_bytes(page.read_bytes())
    site = build(corpus)
    articles = [row.article for row in site.archive.export(SearchRequest("", group=False)).rows
                if _kept(row.article.body)]
    assert len(articles) > 150
    return SimpleNamespace(site=site, articles=articles)


def _tokens(text: str) -> list[tuple[str, str | None]]:
    return [(w, BODY.fold(w)) for w in BODY.tokens.findall(text)]


def _kept(text: str) -> list[str]:
    """The words of a text the index keeps, in order, as written."""
    return [w for w, term in _tokens(text) if term is not None and "_" not in w]


def _matched_terms(site, query: str, article_id: str) -> set[str] | None:
    """What Whoosh itself records as matched in the article (title and body terms)."""
    searcher = site.archive._searcher()
    parsed = parse_query(query, searcher.schema)
    for hit in searcher.search(parsed.query, terms=True, limit=None):
        if hit["id"] == article_id:
            return {text.decode("utf-8") for field, text in hit.matched_terms()
                    if field in ("title", "body")}
    return None


def _marked_words(element) -> list[tuple[str, bool]]:
    """(word, marked) for every word shown in an element, in order."""
    for link in element.select("a.next-match"):
        link.decompose()
    words = []
    for piece in element.descendants:
        if isinstance(piece, str) and piece.parent is not None:
            marked = piece.parent.name == "mark"
            words.extend((w, marked) for w in BODY.tokens.findall(str(piece)))
    return words


def _article_pages(site, article, query: str):
    """The article page's title and every part's text, parsed, for one query."""
    number, parts = 1, 1
    while number <= parts:
        params = {"q": query} | ({"part": number} if number > 1 else {})
        resp = site.client.get(f"/article/{article.id}?{urlencode(params)}")
        assert resp.status_code == 200, (query, resp.status_code)
        soup = BeautifulSoup(resp.data, "html.parser")
        nav = soup.select_one("nav.parts p")
        parts = int(re.search(r"of (\d+)", nav.get_text()).group(1)) if nav else 1
        yield soup
        number += 1


def _hit(site, query: str, article_id: str):
    """The article's hit among the search's pages (ungrouped), with the page it is on."""
    number = 1
    while True:
        page = site.archive.search(SearchRequest(query, page=number, page_size=100,
                                                 group=False))
        for hit in page.hits:
            if hit.article.id == article_id:
                return page, hit
        if number >= page.pages:
            return page, None
        number += 1


def check_marking(collection, article, query: str) -> None:
    """The promise for one query made from one article."""
    site = collection.site
    stream = site.archive.export(SearchRequest(query, group=False))
    capped = bool(stream.notes)  # an expansion cut to its most common words (told to the reader)
    found = article.id in {row.article.id for row in stream.rows}
    matched = _matched_terms(site, query, article.id)
    assert found == (matched is not None), query  # the archive and Whoosh agree
    if not capped:
        assert found, query
    if not found:
        return
    page, hit = _hit(site, query, article.id)
    assert hit is not None, query
    snippet_marks = [w for s in hit.snippets
                     for w, marked in _marked_words(BeautifulSoup(s, "html.parser")) if marked]
    assert {BODY.fold(w) for w in snippet_marks} <= matched, (query, snippet_marks)
    if any(term in matched for _w, term in _tokens(article.body[:SCAN_CHARS])):
        assert snippet_marks, (query, hit.snippets)
    shown: list[tuple[str, bool]] = []
    for soup in _article_pages(site, article, query):
        title = _marked_words(soup.select_one("h1"))
        assert title == [(w, term in matched) for w, term in _tokens(article.title)], query
        shown.extend(_marked_words(soup.select_one("div.body")))
    expected = [(w, term in matched) for w, term in _tokens(article.body)]
    assert shown == expected, (query, [w for (w, m), (_, e) in zip(shown, expected) if m != e])


def _draw_article(data, collection):
    return data.draw(st.sampled_from(collection.articles), label="article")


def _word(data, words: list[str], label: str = "word") -> str:
    return data.draw(st.sampled_from(words), label=label)


@PROPS
@given(data=st.data(), kind=st.sampled_from(["word", "two words", "phrase", "near"]))
def test_words_and_phrases_of_an_article_find_it_and_are_marked(collection, data, kind):
    article = _draw_article(data, collection)
    words = _kept(article.body)
    at = data.draw(st.integers(0, len(words) - 1), label="position")
    if kind == "word":
        query = words[at]
    elif kind == "two words":
        query = f"{words[at]} {_word(data, words, 'second word')}"
    else:
        assume(at + 1 < len(words))
        gap = 1 if kind == "phrase" else data.draw(st.integers(1, 4), label="gap")
        second = words[min(at + gap, len(words) - 1)]
        query = f'"{words[at]} {second}"' + ("~5" if kind == "near" else "")
    check_marking(collection, article, query)


@PROPS
@given(data=st.data(),
       kind=st.sampled_from(["title", "body field", "wildcard", "fuzzy", "not in title"]))
def test_fields_wildcards_and_fuzzy_words_find_an_article_and_are_marked(collection, data,
                                                                         kind):
    article = _draw_article(data, collection)
    words = _kept(article.body)
    word = _word(data, words)
    term = BODY.fold(word)
    if kind == "title":
        title_words = _kept(article.title)
        assume(title_words)
        query = f"title:{_word(data, title_words, 'title word')}"
    elif kind == "body field":
        query = f"text:{word} body:{_word(data, words, 'second word')}"
    elif kind == "wildcard":
        cut = data.draw(st.integers(3, 8), label="prefix length")
        prefix = term[:cut]
        assume(prefix.isalpha() and len(prefix) >= 3 and term.startswith(BODY.fold(prefix) or "-"))
        query = f"{prefix}*"
    elif kind == "fuzzy":
        assume(term.isalpha() and len(term) >= 4)
        at = data.draw(st.integers(0, len(term) - 1), label="typo at")
        letter = data.draw(st.sampled_from("aeiourstnl"), label="letter")
        typo = term[:at] + letter + term[at + 1:]
        assume(BODY.fold(typo) and distance(BODY.fold(typo), term) <= 1)
        query = f"{typo}~1"
    else:  # a word of the text that is not in the title, excluded from the title only
        in_title = {t for _w, t in _tokens(article.title)}
        others = [w for w in words if BODY.fold(w) not in in_title | {term}]
        assume(others)
        query = f"{word} -title:{_word(data, others, 'excluded word')}"
    check_marking(collection, article, query)
