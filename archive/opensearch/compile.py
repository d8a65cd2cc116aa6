"""The neutral query tree compiled to OpenSearch's query DSL, as the Whoosh compiler builds it.

The tree is first simplified (`archive.qtree_simplify`: what the analyzer drops gone,
by Whoosh's rules), then each node becomes a clause of term-level queries on terms
analysed in Python (`archive.analysis`, the index's own rules), so both engines
search the same terms:

    word                   term (a word the analyzer splits: every part, in one field)
    unfielded leaf         bool should [title^(w * 2.5), body] (the ranking's field weights)
    "a b"~N                its words' terms, filtered by span_near in order; slop (N-1) per
                           gap, plus the stop words typed (Whoosh scores a phrase's words)
    econom*                prefix: a constant score (the boost), as Whoosh's in the body
    wi?d*, word~N/P        wildcard, fuzzy (N edits, at most 2; P letters fixed; no
                           transpositions): BM25 of the 32 best terms matched
    a b / a OR b           bool must / should; NOT a: every article but those (scoring 1)
    a -b, +a b, a REQUIRE b   must + must_not, must + should, must + filter
    *:*                    match_all

The title's words count 2.5 times in Whoosh's index (its field boost, applied to their
term frequency); OpenSearch weighs the title clause by what that adds to one title
word under BM25's saturation (`title_factor`, about 1.5). The ranking's parts (the
"most of your words" OR form, proximity pairs, feedback) are archive.opensearch.ranking.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from archive.analysis import TEXT_FIELDS, TOKENS, TextAnalysis, fold
from archive.qtree import (And, AndMaybe, AndNot, Everything, Fuzzy, Node, Not, Or, Phrase, Prefix,
                           Require, Wildcard, Word)
from archive.qtree_simplify import simplify
from archive.query import SEARCH_FIELDS
from archive.ranking import RankSettings

Clause = dict[str, Any]
TITLE_SCHEMA_BOOST = 2.5  # the title's field boost in the Whoosh schema
EXPANSIONS = 32  # index terms per prefix, wildcard or fuzzy word (archive.whoosh.budget's cap)
MAX_EDITS = 2  # the most OpenSearch's fuzzy query allows
REWRITE = "constant_score"  # a prefix match scores the clause's boost once, as in Whoosh
SCORED = f"top_terms_{EXPANSIONS}"  # wildcards and fuzzy words: BM25 of each term matched
# Query field names -> index fields (archive.opensearch.mapping).
FIELDS = {"title": "title", "body": "body", "author": "authors.words", "outlet": "outlet.words",
          "place": "place_words", "topic": "topics", "url": "url"}
ANALYSIS = TextAnalysis()
MATCH_NONE: Clause = {"match_none": {}}


@dataclasses.dataclass(frozen=True)
class Compiled:
    """A query compiled: the tree as searched, its DSL (None: every article), notes."""

    tree: Node | None
    query: Clause | None
    notes: tuple[str, ...] = ()


def simplified(tree: Node | None) -> tuple[Node | None, bool]:
    """The tree as searched, and whether anything is left of a query that was typed."""
    if tree is None:
        return None, True
    tree = simplify(tree, ANALYSIS)
    return tree, tree is not None


def compile_tree(tree: Node | None, settings: RankSettings) -> Compiled:
    """The DSL of a query tree (None: every article; match_none: nothing left to search)."""
    searched, anything = simplified(tree)
    if not anything:
        return Compiled(None, MATCH_NONE)
    if searched is None:
        return Compiled(None, None)
    compiler = _Compiler(settings)
    return Compiled(searched, compiler.node(searched), tuple(compiler.notes))


def _bool(**parts: list[Clause]) -> Clause:
    body: dict[str, Any] = {k: v for k, v in parts.items() if v}
    if "should" in body and "must" not in body:
        body["minimum_should_match"] = 1
    return {"bool": body}


class _Compiler:
    def __init__(self, settings: RankSettings):
        self.boosts = settings.field_boosts()
        self.title_factor = title_factor(settings.k1)
        self.notes: list[str] = []

    def node(self, node: Node) -> Clause:
        if isinstance(node, And):
            must = [self.node(c) for c in node.children if not isinstance(c, Not)]
            must_not = [self.node(c.child) for c in node.children if isinstance(c, Not)]
            return _bool(must=must, must_not=must_not)
        if isinstance(node, Or):
            return _bool(should=[self.node(c) for c in node.children])
        if isinstance(node, Not):  # every article but these, scoring 1 (as Whoosh's)
            return _bool(must=[{"match_all": {}}], must_not=[self.node(node.child)])
        if isinstance(node, AndNot):
            return _bool(must=[self.node(node.positive)], must_not=[self.node(node.negative)])
        if isinstance(node, AndMaybe):
            return _bool(must=[self.node(node.required)], should=[self.node(node.optional)])
        if isinstance(node, Require):
            return _bool(must=[self.node(node.positive)], filter=[self.node(node.required)])
        if isinstance(node, Everything):
            return {"match_all": {}}
        if node.field is not None:
            return self.leaf(node, node.field, 1.0) or MATCH_NONE
        subs = [self.leaf(node, name, self.boosts.get(name, 1.0)) for name in SEARCH_FIELDS]
        subs = [q for q in subs if q is not None]
        return _bool(should=subs) if subs else MATCH_NONE

    def leaf(self, node: Node, name: str, boost: float) -> Clause | None:
        field = FIELDS.get(name, name)
        if isinstance(node, (Word, Phrase)):
            terms = [term for term, _ in ANALYSIS.words(name, node.text)]
            if not terms:
                return None
            if name == "title":  # scored words: the title's words count 2.5 times in Whoosh
                boost *= self.title_factor
            clauses = [_term(field, t, boost, name == "topic") for t in terms]
            if isinstance(node, Phrase) and len(terms) > 1:
                slop = (node.slop - 1) * (len(terms) - 1) + _dropped_inside(name, node.text)
                return phrase(field, terms, slop, boost)
            return clauses[0] if len(clauses) == 1 else _bool(must=clauses)
        if isinstance(node, Prefix):
            return {"prefix": {field: {"value": ANALYSIS.term(name, node.text), "boost": boost,
                                       "rewrite": REWRITE}}}
        if isinstance(node, Wildcard):
            pattern = ANALYSIS.term(name, node.pattern)
            if "*" not in pattern and "?" not in pattern:
                return _term(field, pattern, boost, name == "topic")
            return {"wildcard": {field: {"value": pattern.replace("\\", "\\\\"), "boost": boost,
                                         "rewrite": SCORED}}}
        if isinstance(node, Fuzzy):
            edits = min(node.maxdist, MAX_EDITS)
            if node.maxdist > MAX_EDITS:
                note = (f"{node.text}~{node.maxdist}: this archive finds words at most "
                        f"{MAX_EDITS} letters different; searched as {node.text}~{MAX_EDITS}.")
                if note not in self.notes:
                    self.notes.append(note)
            return {"fuzzy": {field: {"value": ANALYSIS.term(name, node.text), "boost": boost,
                                      "fuzziness": edits, "prefix_length": node.prefix,
                                      "transpositions": False, "max_expansions": EXPANSIONS,
                                      "rewrite": SCORED}}}
        raise TypeError(f"not a query leaf: {node!r}")


def phrase(field: str, terms: list[str], slop: int, boost: float) -> Clause:
    """Words within `slop` positions, in order, scored as Whoosh scores a phrase: its words."""
    near = {"span_near": {"clauses": [{"span_term": {field: t}} for t in terms],
                          "in_order": True, "slop": slop}}
    return _bool(must=[_term(field, t, boost) for t in dict.fromkeys(terms)], filter=[near])


def title_factor(k1: float) -> float:
    """The weight a title word's 2.5-fold term frequency (Whoosh's title field boost) adds to
    one occurrence in a title of average length, under BM25's saturation."""
    tf = TITLE_SCHEMA_BOOST
    return tf * (1 + k1) / (tf + k1)


def _term(field: str, term: str, boost: float, any_case: bool = False) -> Clause:
    spec: dict[str, Any] = {"value": term, "boost": boost}
    if any_case:  # topics are kept as written; Whoosh's topic field lower-cases them
        spec["case_insensitive"] = True
    return {"term": {field: spec}}


def _dropped_inside(name: str, text: str) -> int:
    """Words a phrase's analysis drops between its first and last kept word (stop words).

    Whoosh closes the gap a stop word leaves; OpenSearch keeps it, so the phrase may
    stretch by as many positions as the text typed has dropped words inside it.
    """
    if name not in TEXT_FIELDS:
        return 0
    kept = [fold(word) is not None for word in TOKENS.findall(text)]
    if True not in kept:
        return 0
    first, last = kept.index(True), len(kept) - 1 - kept[::-1].index(True)
    return kept[first:last + 1].count(False)


__all__ = ["ANALYSIS", "Clause", "Compiled", "FIELDS", "MATCH_NONE", "TITLE_SCHEMA_BOOST",
           "compile_tree", "phrase", "simplified", "title_factor"]
