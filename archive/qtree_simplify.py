"""What analysis does to a query tree's structure, by Whoosh's rules, for any engine.

`simplify(tree, analysis)` removes the words the analyzer drops ("the"), the
groups left empty, and repeated clauses, and merges nested groups of one kind.
Its rules are those of Whoosh's parser and `Query.normalize()`, so an engine
that compiles the simplified tree searches what the Whoosh engine searches
(tests/test_qtree_equivalence.py compiles both to Whoosh and compares), and
needs no empty groups of its own (an empty OpenSearch `bool` matches every
document). The explainer (`archive.explain`) walks the simplified tree.
"""

from __future__ import annotations

from archive.qtree import (BINARY, Analysis, And, Everything, Fuzzy, Node, Not, Or, Phrase, Prefix,
                           Require, Wildcard, Word, parts)


class _Null:
    """A part that matches nothing (Whoosh's NullQuery); it is true, unlike an empty group."""

    def __repr__(self) -> str:
        return "NULL"


NULL = _Null()


def simplify(node: Node | None, analysis: Analysis) -> Node | None:
    """The tree as it is searched: what the analyzer drops gone; None if nothing is left.

    Two steps, as Whoosh builds a parsed query and then normalises it: a leaf the
    analyzer empties is absent from its group (but an unfielded one leaves an
    empty group, and a NOT of nothing is absent); then empty parts go (a group of
    nothing is nothing, `a -b` without `a` is nothing, without `b` it is `a`),
    groups inside groups of their kind merge, repeats go (by what they search),
    a group of one is that one, and `*:*` in a group makes it every article. A
    fielded word that analyses to several words becomes a group of them.
    """
    if node is None:
        return None
    built = _Build(analysis).node(node)
    if not _true(built):
        return None
    normal = _normal(built, analysis)
    return None if normal is NULL else normal


class _Build:
    def __init__(self, analysis: Analysis):
        self.analysis = analysis

    def node(self, node: Node):
        """The node, None (absent), NULL, or an And/Or that may be empty (and then false)."""
        if isinstance(node, (And, Or)):
            children = []
            for child in node.children:
                built = self.node(child)
                if built is not None:
                    children.append(built)
            return type(node)(tuple(children))
        if isinstance(node, Not):
            child = self.node(node.child)
            return Not(child) if _true(child) else None
        if isinstance(node, BINARY):
            a, b = (self.node(p) for p in parts(node))
            if a is None and b is None:
                return NULL
            if a is None or b is None:
                return b if a is None else a
            return type(node)(a, b)
        if isinstance(node, Word):  # (an empty phrase is a query until normalised)
            words = self.analysis.words(node.field, node.text)
            if not words:  # unfielded, it was a title-or-body group, now empty
                return None if node.field is not None else Or(())
            if node.field is not None and len(words) > 1:
                return And(tuple(Word(typed, node.field) for _, typed in words))
        return node


def _true(built) -> bool:
    """Whoosh's truth of a built part: an empty group is false."""
    if built is None:
        return False
    if isinstance(built, (And, Or)):
        return bool(built.children)
    return True


def _normal(node, analysis: Analysis):
    """Whoosh's `normalize()` on a built tree: a node or NULL."""
    if node is NULL:
        return NULL
    if isinstance(node, (And, Or)):
        return _normal_group(node, analysis)
    if isinstance(node, Not):
        child = _normal(node.child, analysis)
        return NULL if child is NULL else Not(child)
    if isinstance(node, BINARY):
        a, b = (_normal(p, analysis) for p in parts(node))
        if a is NULL or (b is NULL and isinstance(node, Require)):
            return NULL
        return a if b is NULL else type(node)(a, b)
    if isinstance(node, Phrase) and not analysis.words(node.field, node.text):
        return NULL
    return node


def _normal_group(node, analysis: Analysis):
    kind = type(node)
    children = []
    for child in node.children:
        child = _normal(child, analysis)
        if isinstance(child, kind):
            children.extend(child.children)
        else:
            children.append(child)
    if any(isinstance(c, Everything) for c in children):
        return Everything()
    kept, seen = [], set()
    for child in children:
        if child is NULL:
            continue
        key = _key(child, analysis)
        if key not in seen:
            seen.add(key)
            kept.append(child)
    if not kept:
        return NULL
    return kept[0] if len(kept) == 1 else kind(tuple(kept))


def _key(node, analysis: Analysis) -> tuple:
    """What a part searches, as Whoosh compares queries (repeats in a group are dropped)."""
    if isinstance(node, (Word, Phrase)):
        terms = tuple(term for term, _ in analysis.words(node.field, node.text))
        if isinstance(node, Phrase) and len(terms) > 1:
            return ("phrase", node.field, terms, node.slop)
        return ("word", node.field, terms)
    if isinstance(node, Fuzzy):
        return ("fuzzy", node.field, analysis.term(node.field, node.text), node.maxdist,
                node.prefix)
    if isinstance(node, Prefix):
        return ("prefix", node.field, analysis.term(node.field, node.text))
    if isinstance(node, Wildcard):
        return ("wildcard", node.field, analysis.term(node.field, node.pattern))
    if isinstance(node, Everything):
        return ("everything",)
    keys = []
    for child in parts(node):
        keys.append(_key(child, analysis))
    return (type(node).__name__, tuple(keys))


__all__ = ["NULL", "simplify"]
