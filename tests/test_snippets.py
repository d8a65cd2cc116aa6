"""Snippets: the same fragments as the former all-pairs rule, in linear work, within budgets."""

from __future__ import annotations

import re
import tarfile
from html import escape
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import SearchRequest, snippets
from archive.snippets import make_snippets
from archive.whoosh.schema import build_schema
from tests.conftest import shared_path
from tests.growth import operations
from tests.reporter_corpora import build

BODY = build_schema()["body"]
ARCHIVE = Path(snippets.__file__).resolve().parent


def work(func, *args, **kwargs) -> int:
    """Python operations (bytecodes) run in archive/ by one call: a count, not a timing."""
    return operations(ARCHIVE, func, *args, **kwargs)


@pytest.fixture(scope="module")
def bbc_texts():
    with tarfile.open(shared_path("data", "bbc", "bbc-fulltext.tar.gz")) as tar:
        return [tar.extractfile(m).read().decode("latin-1") for m in tar.getmembers()[:400]
                if m.isfile() and m.name.endswith(".txt")]


def _frequent_terms(text: str, n: int = 3) -> frozenset[str]:
    counts: dict[str, int] = {}
    for w in BODY.tokens.findall(text):
        term = BODY.fold(w)
        if term:
            counts[term] = counts.get(term, 0) + 1
    return frozenset(sorted(counts, key=lambda t: (-counts[t], t))[:n])


def test_snippet_work_grows_linearly_with_the_matches(bbc_texts):
    text = "\n\n".join(bbc_texts[:12])
    terms = _frequent_terms(text, 10_000)  # every word of the text is a query word
    half = text[:len(text) // 2]
    spots = len(snippets.find_spots(text, terms, BODY.fold, BODY.tokens))
    assert spots > 2000
    small = work(make_snippets, half, terms, BODY.fold, BODY.tokens)
    large = work(make_snippets, text, terms, BODY.fold, BODY.tokens)
    assert large <= 2.3 * small, (small, large)


def test_snippets_look_at_the_first_scan_characters_only(bbc_texts):
    text = "\n\n".join(bbc_texts[:30])
    terms = _frequent_terms(text)
    n = len(text) // 4
    short = work(make_snippets, text[:n], terms, BODY.fold, BODY.tokens, scan=n)
    long = work(make_snippets, text, terms, BODY.fold, BODY.tokens, scan=n)
    assert long <= 1.05 * short, (short, long)


def test_the_opening_is_read_from_the_start_of_a_text_only():
    text = "Opening words of a transcript. " * 10 + "x " * 5_000_000
    assert work(snippets.lead, text) == work(snippets.lead, text[:100_000])
    assert snippets.lead(text).startswith("Opening words") and snippets.lead(text).endswith("…")


def _all_pairs(text, terms, fold, tokens, top=3, chars=220):
    """The former rule, window against every later match (quadratic): the reference."""
    spots = [(m.start(), m.end(), term) for m in tokens.finditer(text)
             if (term := fold(m.group())) in terms]
    windows = []
    for i, (start, _end, _term) in enumerate(spots):
        lo = max(0, start - 70)
        hi = min(len(text), lo + chars)
        inside = [s for s in spots[i:] if s[1] <= hi]
        if inside:
            windows.append((len({s[2] for s in inside}), len(inside), -lo, lo, hi, inside))
    windows.sort(reverse=True)
    chosen = []
    for _d, _c, _n, lo, hi, inside in windows:
        if all(hi <= c_lo or lo >= c_hi for c_lo, c_hi, _ in chosen):
            chosen.append((lo, hi, inside))
        if len(chosen) == top:
            break
    out = []
    for lo, hi, inside in sorted(chosen):
        lo, hi = snippets._word_start(text, lo), snippets._word_end(text, hi)
        parts, at = [], lo
        for start, end, _term in inside:
            if start < at or end > hi:
                continue
            parts += [escape(text[at:start], quote=False),
                      f"<mark>{escape(text[start:end], quote=False)}</mark>"]
            at = end
        parts.append(escape(text[at:hi], quote=False))
        out.append("".join(parts).strip())
    return tuple(out)


@settings(max_examples=150, deadline=None, database=None)
@given(data=st.data())
def test_fragments_are_the_ones_the_all_pairs_rule_chose(bbc_texts, data):
    text = data.draw(st.sampled_from(bbc_texts), label="text")
    words = [t for t in (BODY.fold(w) for w in BODY.tokens.findall(text)) if t]
    terms = frozenset(data.draw(st.lists(st.sampled_from(words), min_size=1, max_size=4),
                                label="terms"))
    assert make_snippets(text, terms, BODY.fold, BODY.tokens) == \
        _all_pairs(text, terms, BODY.fold, BODY.tokens)


@pytest.fixture
def reuters(tmp_path):
    from tests.reporter_corpora import reuters_corpus

    return build(reuters_corpus(tmp_path, "reut2-000.sgm"))


def _marks(html: str) -> set[str]:
    return {BODY.fold(m.get_text()) for m in BeautifulSoup(html, "html.parser").select("mark")}


def test_feedback_words_are_not_marked(reuters):
    """Long queries rank with feedback words added; snippets mark the words searched for."""
    query = "cocoa crop harvest"
    page = reuters.archive.search(SearchRequest(query, group=False))
    wanted = {BODY.fold(w) for w in query.split()}
    assert page.total and page.hits
    marks = set().union(*(_marks(s) for h in page.hits for s in h.snippets))
    assert marks and marks <= wanted, marks - wanted


def test_a_page_out_of_snippet_time_shows_openings_and_says_so(reuters, monkeypatch):
    monkeypatch.setattr(snippets, "PAGE_SECONDS", 0.0)
    resp = reuters.client.get("/search.json?q=oil&group=off")
    data = resp.get_json()
    assert data["partial"] is True
    assert any("stopped after 0 s" in n for n in data["notes"]), data["notes"]
    assert all("<mark>" not in h["snippet"] for h in data["hits"])
    soup = BeautifulSoup(reuters.client.get("/?q=oil&group=off").data, "html.parser")
    assert any("stopped after" in p.get_text() for p in soup.select("p.note.partial"))


def test_a_long_article_matched_past_the_scanned_part_says_so(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    filler = "The committee heard evidence about harbour dues and pilotage. " * 40
    (corpus / "long.txt").write_text("Title: Long hearing\n\n" + filler
                                     + "\n\nThe zanzibarite shipment was late.\n", "utf-8")
    site = build(corpus)
    monkeypatch.setattr(snippets, "SCAN_CHARS", 1000)
    page = site.archive.search(SearchRequest("zanzibarite"))
    assert [h.article.title for h in page.hits] == ["Long hearing"]
    assert page.hits[0].snippets[0].startswith("The committee heard")
    assert any("first 1,000 characters" in n for n in page.notes), page.notes
    assert not page.partial
    monkeypatch.setattr(snippets, "SCAN_CHARS", 100_000)
    page = site.archive.search(SearchRequest("zanzibarite", page_size=5))  # not the cached one
    assert re.search(r"<mark>zanzibarite</mark>", page.hits[0].snippets[0])
