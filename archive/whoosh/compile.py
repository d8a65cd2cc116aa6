"""The neutral query tree compiled to Whoosh queries, and Whoosh's analysis of query words.

`compile_query(tree, schema)` gives the query Whoosh's own parser, configured as
the search box used it, gave for the same text (tests/test_qtree_equivalence.py
compares them with tests/whoosh_parser_reference.py): a leaf
without a field searches title OR body, weighted by `fieldboosts` (the ranking's); each field's
own analyzer turns the typed words into index terms; a word the analyzer drops
compiles to nothing, and Whoosh's `normalize()` then removes what became empty.

One deliberate difference: a one-word phrase ("word") keeps its field weights
(Whoosh's Phrase.normalize made it a Term with weight 1 in the title).
"""

from __future__ import annotations

from whoosh import query as wq

from archive.qtree import (BINARY, And, AndMaybe, AndNot, Everything, Fuzzy, Node, Not, Or, Phrase,
                           Prefix, Require, Wildcard, Word, parts)
import dataclasses
from collections.abc import Mapping

from archive.query import SEARCH_FIELDS, DateRange, ParsedQuery
from archive.query import parse_query as parse_neutral

_BINARY = {AndNot: wq.AndNot, AndMaybe: wq.AndMaybe, Require: wq.Require}
_PATTERN = {Prefix: wq.Prefix, Wildcard: wq.Wildcard, Fuzzy: wq.FuzzyTerm}


def compile_query(tree: Node | None, schema, fieldboosts: Mapping[str, float] | None = None
                  ) -> wq.Query | None:
    """The Whoosh query for a tree (None: every article; NullQuery: nothing left to search)."""
    if tree is None:
        return None
    q = _Compiler(schema, fieldboosts).node(tree)
    if not q:
        q = wq.NullQuery
    return q.normalize()


@dataclasses.dataclass(frozen=True)
class WhooshQuery:
    """A parsed query and its Whoosh form (ranking may rewrite `query`; `parsed` stays)."""

    parsed: ParsedQuery  # the engine-neutral query: its text, tree and dates
    query: wq.Query | None  # None: match every article

    @property
    def text(self) -> str:
        return self.parsed.text

    @property
    def dates(self) -> tuple[DateRange, ...]:
        return self.parsed.dates


def parse_query(text: str, schema, fieldboosts: Mapping[str, float] | None = None
                ) -> WhooshQuery:
    """What a person typed, parsed (`archive.query.parse_query`) and compiled for Whoosh."""
    parsed = parse_neutral(text)
    return WhooshQuery(parsed, compile_query(parsed.tree, schema, fieldboosts))


class WhooshAnalysis:
    """`archive.qtree.Analysis` by the schema's analyzers (the default fields share one)."""

    def __init__(self, schema):
        self.schema = schema

    def _field(self, field: str | None):
        return self.schema[field if field is not None else SEARCH_FIELDS[-1]]

    def words(self, field: str | None, text: str) -> list[tuple[str, str]]:
        """(index term, typed text) of each word kept, stop words dropped."""
        tokens = self._field(field).tokenize(text, mode="query", chars=True)
        return [(t.text, text[t.startchar:t.endchar]) for t in tokens]

    def term(self, field: str | None, text: str) -> str:
        """The index form of a whole pattern or fuzzy word."""
        terms = list(self._field(field).process_text(text, mode="query", tokenize=False,
                                                     removestops=False))
        return terms[0] if terms else text


class _Compiler:
    """Builds the query as Whoosh's parser does before `normalize()`: a leaf the analyzer
    empties is None, a group is always a query (possibly empty)."""

    def __init__(self, schema, fieldboosts: Mapping[str, float] | None = None):
        self.schema = schema
        self.boosts = dict(fieldboosts or {})

    def node(self, node: Node) -> wq.Query | None:
        if isinstance(node, (And, Or)):
            subs = []
            for child in node.children:  # a loop: one stack frame a bracket level
                q = self.node(child)
                if q is not None:
                    subs.append(q)
            return wq.And(subs) if isinstance(node, And) else wq.Or(subs)
        if isinstance(node, Not):
            q = self.node(node.child)
            return wq.Not(q) if q else None
        if isinstance(node, BINARY):
            a, b = (self.node(p) for p in parts(node))
            if a is None and b is None:
                return wq.NullQuery
            if a is None or b is None:
                return b if a is None else a
            return _BINARY[type(node)](a, b)
        if isinstance(node, Everything):
            return wq.Every()
        if node.field is not None:
            return self.leaf(node, node.field, 1.0)
        subs = [self.leaf(node, name, self.boosts.get(name, 1.0)) for name in SEARCH_FIELDS]
        return wq.Or([q for q in subs if q is not None])

    def leaf(self, node, name: str, boost: float) -> wq.Query | None:
        field = self.schema[name]
        if isinstance(node, Phrase):
            words = [t.text for t in field.tokenize(node.text, mode="query")]
            if len(words) == 1:
                return wq.Term(name, words[0], boost=boost)
            return wq.Phrase(name, words, slop=node.slop, boost=boost)
        pattern = not isinstance(node, Word)  # patterns and fuzzy words are not split
        text = node.pattern if isinstance(node, Wildcard) else node.text
        terms = list(field.process_text(text, mode="query", tokenize=not pattern,
                                        removestops=not pattern))
        if not terms:
            return None
        if isinstance(node, Fuzzy):
            return wq.FuzzyTerm(name, terms[0], boost=boost, maxdist=node.maxdist,
                                prefixlength=node.prefix)
        cls = _PATTERN.get(type(node), wq.Term)
        if len(terms) == 1:
            return cls(name, terms[0], boost=boost)
        return wq.And([cls(name, term, boost=boost) for term in terms])  # "foo/bar": both


__all__ = ["WhooshAnalysis", "WhooshQuery", "compile_query", "parse_query"]
