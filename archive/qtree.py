"""The engine-neutral query tree: what a query asks for, before an engine analyses its words.

`archive.qtree_parse` builds it from the query text; each engine compiles it
(`archive.whoosh.compile` to Whoosh queries) and `archive.explain` explains
it. Leaves keep the words as typed (`Word("weapons")`); stemming and folding
are the engine's analysis, asked through the `Analysis` protocol. A leaf's
`field` is an index field ("title", "body", "author", ...) or None for the
default search (title and body).

`archive.qtree_simplify` applies what analysis does to the structure (words
the analyzer drops vanish, empty groups go). See docs/QUERIES.md.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterator, Protocol, Union


@dataclass(frozen=True)
class Word:
    """A word as typed; all of it must be found. Analysis may drop it ("the") or split it into
    words that must all be in one field ("foo/bar", 'a quoted group')."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Phrase:
    """Words in this order, next to each other (slop 1) or within `slop` positions ("a b"~5)."""

    text: str
    field: str | None = None
    slop: int = 1


@dataclass(frozen=True)
class Prefix:
    """Any word starting with `text` (econom*)."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Wildcard:
    """Any word matching `pattern`: * any letters, ? one letter (wi?d*)."""

    pattern: str
    field: str | None = None


@dataclass(frozen=True)
class Fuzzy:
    """The word or one up to `maxdist` edits away (word~2); the first `prefix` letters fixed."""

    text: str
    field: str | None = None
    maxdist: int = 1
    prefix: int = 0


@dataclass(frozen=True)
class Everything:
    """Every article (*:*)."""


@dataclass(frozen=True)
class And:
    """All children must match."""

    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    """At least one child must match."""

    children: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    """Articles the child does not match (NOT word)."""

    child: "Node"


@dataclass(frozen=True)
class AndNot:
    """Articles `positive` matches and `negative` does not, scored by `positive` (-word)."""

    positive: "Node"
    negative: "Node"


@dataclass(frozen=True)
class AndMaybe:
    """Articles `required` matches; `optional` only adds to the score (+word makes the rest
    optional)."""

    required: "Node"
    optional: "Node"


@dataclass(frozen=True)
class Require:
    """Articles both match, scored by `positive` alone (a REQUIRE b)."""

    positive: "Node"
    required: "Node"


Leaf = Union[Word, Phrase, Prefix, Wildcard, Fuzzy, Everything]
Node = Union[Leaf, And, Or, Not, AndNot, AndMaybe, Require]
LEAVES = (Word, Phrase, Prefix, Wildcard, Fuzzy, Everything)
BINARY = (AndNot, AndMaybe, Require)  # their two parts, in order: the first scores
WILDCARDS = "*?\u055e\u061f\u1367"  # * and the question marks (Latin, Armenian, Arabic, Ethiopic)


class Analysis(Protocol):
    """An engine's analysis of query words (field None: the default search fields)."""

    def words(self, field: str | None, text: str) -> list[tuple[str, str]]:
        """(index term, the text it came from) for each word kept, stop words dropped."""

    def term(self, field: str | None, text: str) -> str:
        """The index form of a whole pattern or fuzzy word (not split, nothing dropped)."""


def parts(node: Node) -> tuple[Node, ...]:
    """The direct sub-queries of a node (none for a leaf)."""
    if isinstance(node, (And, Or)):
        return node.children
    if isinstance(node, Not):
        return (node.child,)
    if isinstance(node, BINARY):
        return tuple(getattr(node, f.name) for f in dataclasses.fields(node))
    return ()


def leaves(node: Node | None) -> Iterator[Leaf]:
    """Every leaf of a tree, in the order typed."""
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, LEAVES):
            yield current
        else:
            stack.extend(reversed(parts(current)))


def with_field(node: Node, field: str) -> Node:
    """The tree with `field` on every leaf that has none (field:(a OR b))."""
    if isinstance(node, Everything):
        return node
    if isinstance(node, LEAVES):
        return node if node.field is not None else dataclasses.replace(node, field=field)
    if isinstance(node, (And, Or)):  # a loop, not a generator: one stack frame a bracket level
        children = []
        for child in node.children:
            children.append(with_field(child, field))
        return type(node)(tuple(children))
    if isinstance(node, Not):
        return Not(with_field(node.child, field))
    a, b = parts(node)
    return type(node)(with_field(a, field), with_field(b, field))


__all__ = ["Analysis", "And", "AndMaybe", "AndNot", "BINARY", "Everything", "Fuzzy", "LEAVES",
           "Leaf", "Node", "Not", "Or", "Phrase", "Prefix", "Require", "WILDCARDS", "Wildcard",
           "Word", "leaves", "parts", "with_field"]
