""""Did you mean" on OpenSearch: the Whoosh engine's rules (archive.spelling).

The rules are archive.spelling's; a rare word's correction is the most frequent index
term one edit away (else two), sharing its first letter, among the candidates of
OpenSearch's term suggester, counted in title and body.
"""

from __future__ import annotations

from archive.analysis import TOKENS, fold, within_edits
from archive.errors import ArchiveError
from archive.opensearch.compile import Clause, compile_tree
from archive.opensearch.filters import date_range
from archive.query import parse_query
from archive.records import Suggestion
from archive.spelling import RARE, corrected_query

CANDIDATES = 20  # suggester candidates looked at per word
WRITTEN_FORM_CHARS = 20_000


def _frequencies(search, terms: list[str]) -> dict[str, int]:
    """Articles with each term in the body plus those with it in the title (Whoosh's count)."""
    if not terms:
        return {}
    aggs = {f"{f}{i}": {"filter": {"term": {f: term}}} for i, term in enumerate(terms)
            for f in ("body", "title")}
    answer = search._search({"size": 0, "track_total_hits": False, "aggs": aggs})["aggregations"]
    return {term: answer[f"body{i}"]["doc_count"] + answer[f"title{i}"]["doc_count"]
            for i, term in enumerate(terms)}


def _candidates(search, term: str) -> list[str]:
    body = {"size": 0, "track_total_hits": False, "suggest": {"w": {"text": term, "term": {
        "field": "body", "analyzer": "keyword", "suggest_mode": "always", "max_edits": 2,
        "prefix_length": 1, "min_word_length": 2, "size": CANDIDATES,
        "string_distance": "levenshtein", "accuracy": 0.1, "max_term_freq": max(RARE, 1)}}}}
    options = search._search(body)["suggest"]["w"]
    return sorted({o["text"] for entry in options for o in entry["options"]})


def _best_correction(search, term: str, seen: int) -> str | None:
    found = [c for c in _candidates(search, term) if c != term and c.isalpha()]
    counts = _frequencies(search, found)
    best, best_n = None, max(seen, RARE)
    for edits in (1, 2):
        for candidate in found:
            if within_edits(candidate, term, edits) and counts[candidate] > best_n:
                best, best_n = candidate, counts[candidate]
        if best:
            return best
    return None


def _written_form(search, term: str) -> str:
    hits = search._search({"size": 3, "query": {"term": {"body": term}}, "_source": ["body"],
                           "track_total_hits": False})["hits"]["hits"]
    for hit in hits:
        body = (hit["_source"].get("body") or "")[:WRITTEN_FORM_CHARS]
        for m in TOKENS.finditer(body):
            if fold(m.group()) == term:
                return m.group().lower()
    return term


def _count(search, text: str, filters: list[Clause]) -> int:
    parsed = parse_query(text)
    compiled = compile_tree(parsed.tree, search.settings)
    if parsed.tree is None:
        return 0
    return search.count(compiled.query, [date_range(r) for r in parsed.dates] + filters)


def suggestion(search, query_text: str, total: int, filters: list[Clause]) -> Suggestion | None:
    """A corrected query when `query_text` finds little (None: none, or it finds no more)."""
    try:
        return corrected_query(
            query_text, total, lambda term: _frequencies(search, [term])[term],
            lambda term: _best_correction(search, term, _frequencies(search, [term])[term]),
            lambda term: _written_form(search, term),
            lambda text: _count(search, text, filters))
    except ArchiveError:  # a suggestion is a courtesy; it never fails a search
        return None


__all__ = ["suggestion"]
