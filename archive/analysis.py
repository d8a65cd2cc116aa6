"""The analysis of words in plain Python: the index terms every engine makes of a text.

The same rules as the Whoosh schema's analyzers (archive.whoosh.schema) and the
OpenSearch index settings (archive.opensearch.mapping), without either library:
words as `archive.words.TOKEN_PATTERN` finds them, lower-cased and folded by Whoosh's
accent table (folding.txt), a final 's and other apostrophes cut, stop words and
one-letter words dropped, stemmed by the Snowball English stemmer (PyStemmer). Names
(authors, outlets, places) are `\\w+` words, lower-cased and folded, never stemmed.

An engine that does not analyse in Python (OpenSearch) uses it to mark the matched
words in snippets and on article pages (`fold`, `TOKENS`), to explain a query
(`TextAnalysis`, an `archive.qtree.Analysis`) and to compile term-level queries;
tests/test_analysis.py checks it against the Whoosh schema on real articles.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import Stemmer

from archive.words import MIN_LENGTH, STOP_WORDS, TOKEN_PATTERN

FOLDING_FILE = Path(__file__).with_name("folding.txt")  # code point -> folded lower case
TOKENS = re.compile(TOKEN_PATTERN)  # the words of titles and bodies
NAME_TOKENS = re.compile(r"\w+")  # the words of authors, outlets and places
TEXT_FIELDS = ("title", "body")
NAME_FIELDS = ("author", "outlet", "place")
_STEMMER = Stemmer.Stemmer("english")
_CACHE: dict[str, str | None] = {}


@cache
def _folding() -> dict[int, str]:
    table = {}
    for line in FOLDING_FILE.read_text(encoding="utf-8").splitlines():
        code, target = line.split("\t")
        table[int(code, 16)] = target
    return table


def lower_fold(text: str) -> str:
    """Lower-cased, accents folded (Whoosh's LowercaseFilter then CharsetFilter)."""
    return text.lower().translate(_folding())


def _cut_apostrophes(text: str) -> str:
    text = text.replace("’", "'")
    if "'" in text:
        if text.endswith("'s"):
            text = text[:-2]
        text = text.replace("'", "")
    return text


def stem(word: str) -> str:
    """A word's English stem (the Snowball project's stemmer)."""
    return _STEMMER.stemWord(word)


def fold(word: str) -> str | None:
    """One title or body word as the index holds it, or None when the index drops it."""
    term = _CACHE.get(word, "")
    if term != "":
        return term
    text = _cut_apostrophes(lower_fold(word))
    term = None if len(text) < MIN_LENGTH or text in STOP_WORDS else stem(text)
    if len(_CACHE) < 500_000:
        _CACHE[word] = term
    return term


def text_terms(text: str) -> list[str]:
    """The index terms of a title or body text, in order."""
    return [term for term in map(fold, TOKENS.findall(text)) if term is not None]


class TextAnalysis:
    """`archive.qtree.Analysis` by these rules: a field's words, and a pattern's index form."""

    def words(self, field: str | None, text: str) -> list[tuple[str, str]]:
        """(index term, typed text) of each word kept, stop words dropped."""
        if field is None or field in TEXT_FIELDS:
            return [(term, m.group()) for m in TOKENS.finditer(text)
                    if (term := fold(m.group())) is not None]
        if field in NAME_FIELDS:
            return [(lower_fold(m.group()), m.group()) for m in NAME_TOKENS.finditer(text)]
        if field == "topic":  # comma-separated keywords, lower-cased
            return [(part.strip().lower(), part) for part in text.split(",") if part.strip()]
        return [(text, text)] if text else []  # identifiers (url): the whole value

    def term(self, field: str | None, text: str) -> str:
        """The index form of a whole pattern or fuzzy word (not split, nothing dropped)."""
        if field is None or field in TEXT_FIELDS:  # a stop word is kept, not stemmed
            text = _cut_apostrophes(lower_fold(text))
            return text if len(text) < MIN_LENGTH or text in STOP_WORDS else stem(text)
        if field in NAME_FIELDS:
            return lower_fold(text)
        if field == "topic":
            return text.strip().lower()
        return text


__all__ = ["FOLDING_FILE", "NAME_FIELDS", "TEXT_FIELDS", "TOKENS", "TextAnalysis", "fold",
           "lower_fold", "stem", "text_terms"]
