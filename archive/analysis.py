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
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

import Stemmer

from archive.qtree import (
    LEAVES,
    AndNot,
    Everything,
    Fuzzy,
    Node,
    Not,
    Phrase,
    Prefix,
    Wildcard,
    Word,
    parts,
)
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


class MarkedTerms:
    """The title and body terms a query's words match, for marking them (NOT clauses left out).

    Words and phrases give their terms; prefixes, wildcards and fuzzy words are matched
    against the words of the texts being marked (`expand`), as an engine expands them
    against its index.
    """

    def __init__(self, tree: Node | None):
        self.terms: set[str] = set()
        self.patterns: list[Callable[[str], bool]] = []
        analysis = TextAnalysis()
        for leaf in _positive_leaves(tree):
            if isinstance(leaf, Everything) or leaf.field not in (None, *TEXT_FIELDS):
                continue
            if isinstance(leaf, (Word, Phrase)):
                self.terms.update(term for term, _ in analysis.words(leaf.field, leaf.text))
            elif isinstance(leaf, Prefix):
                start = analysis.term(leaf.field, leaf.text)
                self.patterns.append(lambda t, start=start: t.startswith(start))
            elif isinstance(leaf, Wildcard):
                pattern = analysis.term(leaf.field, leaf.pattern)
                regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                                           for c in pattern), re.DOTALL)
                self.patterns.append(lambda t, regex=regex: regex.fullmatch(t) is not None)
            elif isinstance(leaf, Fuzzy):
                word = analysis.term(leaf.field, leaf.text)
                self.patterns.append(lambda t, w=word, n=leaf.maxdist, p=leaf.prefix:
                                     t[:p] == w[:p] and within_edits(t, w, n))

    def expand(self, texts: Iterable[str], scan: int = 500_000) -> frozenset[str]:
        """The terms to mark in these texts: the query's own, and its patterns' matches there."""
        if not self.patterns:
            return frozenset(self.terms)
        found = set(self.terms)
        for text in texts:
            for word in TOKENS.findall(text[:scan]):
                term = fold(word)
                if term is not None and term not in found and any(p(term) for p in self.patterns):
                    found.add(term)
        return frozenset(found)


def _positive_leaves(node: Node | None) -> Iterator[Node]:
    if node is None or isinstance(node, Not):
        return
    if isinstance(node, AndNot):
        yield from _positive_leaves(node.positive)
    elif isinstance(node, LEAVES):
        yield node
    else:
        for child in parts(node):
            yield from _positive_leaves(child)


def within_edits(a: str, b: str, limit: int) -> bool:
    """Whether `a` is at most `limit` insertions, deletions or substitutions from `b`."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


__all__ = ["FOLDING_FILE", "MarkedTerms", "NAME_FIELDS", "TEXT_FIELDS", "TOKENS", "TextAnalysis",
           "fold", "lower_fold", "stem", "text_terms", "within_edits"]
