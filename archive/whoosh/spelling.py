""""Did you mean": spelling suggestions from the archive's own vocabulary.

Words of the query that (almost) never occur in the title or body are replaced
by the most frequent index term within two edits. Index terms are stems, so the
suggestion uses the word as it is written in an article containing the term.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from whoosh import query as wq
from whoosh.support.levenshtein import distance

from archive.records import Suggestion
from archive.spelling import FEW_RESULTS, RARE, corrected_query

WRITTEN_FORM_CHARS = 20_000  # how much of an article is read for a stem's written form


def _frequency(reader, text: str) -> int:
    return reader.doc_frequency("body", text) + reader.doc_frequency("title", text)


def vocabulary(reader) -> dict[str, tuple[str, ...]]:
    """The body's index terms by first letter, in index order (cache it per index state)."""
    by_first: dict[str, list[str]] = defaultdict(list)
    for btext in reader.lexicon("body"):
        word = btext.decode("utf-8")
        by_first[word[:1]].append(word)
    return {k: tuple(v) for k, v in by_first.items()}


def _within(reader, text: str, maxdist: int, vocab) -> Iterable[str]:
    """Terms within `maxdist` edits of `text` sharing its first letter, in index order."""
    if vocab is None:  # Whoosh's own scan of the term list
        yield from reader.terms_within("body", text, maxdist, prefix=1)
        return
    found = set()
    for part in vocab():  # one vocabulary per index segment
        for word in part.get(text[:1], ()):
            if abs(len(word) - len(text)) <= maxdist and distance(word, text,
                                                                   limit=maxdist) <= maxdist:
                found.add(word)
    yield from sorted(found)  # index order, as Whoosh's scan gives them


def _best_correction(reader, text: str, vocab=None) -> str | None:
    seen = _frequency(reader, text)
    best, best_n = None, max(seen, RARE)
    for maxdist in (1, 2):
        for candidate in _within(reader, text, maxdist, vocab):
            if candidate == text or not candidate.isalpha():
                continue
            n = _frequency(reader, candidate)
            if n > best_n:
                best, best_n = candidate, n
        if best:
            return best
    return None


def _written_form(searcher, analyzer, term: str) -> str:
    """The word as written in an article for an index term (a stem), lower-cased.

    The openings of the first three articles holding it are read (the whole of
    a long article would take seconds); without the word there, the term
    itself is shown.
    """
    docs = searcher.docs_for_query(wq.Term("body", term))
    for _n, docnum in zip(range(3), docs):
        body = searcher.stored_fields(docnum).get("body", "")[:WRITTEN_FORM_CHARS]
        for token in analyzer(body, chars=True, mode="index"):
            if token.text == term:
                return body[token.startchar:token.endchar].lower()
    return term


def suggest(searcher, query_text: str, total: int, count, vocab=None) -> Suggestion | None:
    """A corrected query when `query_text` finds little; `count(text)` counts its matches.

    `vocab()` returns `vocabulary(segment reader)` of every segment (cached by the
    caller); without it Whoosh scans its term list for every rare word.
    """
    reader = searcher.reader()
    analyzer = searcher.schema["body"].analyzer
    return corrected_query(query_text, total, lambda term: _frequency(reader, term),
                           lambda term: _best_correction(reader, term, vocab),
                           lambda term: _written_form(searcher, analyzer, term), count)


__all__ = ["suggest", "FEW_RESULTS"]
