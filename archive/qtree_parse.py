"""The query language, parsed by hand into the neutral tree of `archive.qtree` (no engine needed).

What a person types (date clauses already taken out, see `archive.query.parse_query`):

    words            all required                  title:word, by:smith  a field (aliases)
    "a phrase"       words in order                "a b"~5               within 5 positions
    a OR b           either                        (a b) OR c            brackets group
    a AND b          both (binds tighter than OR)  NOT a, a -b           not a, without b
    +a b             a required, b optional        econom*, wi?d*        prefixes, wildcards
    word~ word~2     or 1 (2) letters different    word~2/3              the first 3 fixed

It reads like Whoosh's query parser as Morgue configured it (words required,
the OR group per word over title and body), in four steps: the text
(`normalise_text`: an unknown `word:` is a word, an inner hyphen joins two
words, a query typed in capitals has no operators), tokens (`_lex`: at each
position the first rule that matches, Whoosh's tagger order), brackets (a
stack; an unpaired `)` is ignored, an unclosed `(` ends with the text), and in
each bracket group: `word~` and `*` glue to their neighbours, a field name to
the item after it, `+`/`-` take the item after them out of the group's
sequence, and the rest is read by recursive descent. Precedence, loosest
first: items side by side (all required), REQUIRE, ANDMAYBE, ANDNOT, OR, AND,
NOT. An operator with nothing to work on is dropped.

Deliberate differences from Whoosh's parser (docs/QUERIES.md): `+`/`-` work
inside brackets, a field name before `-`/`+` is kept, field names ignore case,
`[a TO b]` is not a term range, and an operator next to another operator is
dropped rather than taking the other as its operand.
"""

from __future__ import annotations

import re
from typing import Mapping

from archive.errors import BadQuery
from archive.qtree import (And, AndMaybe, AndNot, Everything, Fuzzy, Node, Not, Or, Phrase,
                           Prefix, Require, WILDCARDS, Wildcard, Word, with_field)

QUOTE_MESSAGE = 'q: a quotation mark is not closed; phrases need a pair: "exact words"'
BRACKET_MESSAGE = "q: the brackets do not pair up"
WILDCARD_MESSAGE = "q: a wildcard needs at least one letter (econom*, not *)"

_FIELD_NAME = re.compile(r"(?<!\w)(\w+):")
_INNER_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_OPERATOR_WORD = re.compile(r"\b(?:AND|OR|NOT)\b")

# One alternative a token kind, in the order they are tried at each position.
_TOKEN = re.compile("|".join([
    r"(?P<andnot>(?<=\s)ANDNOT(?=\s))",
    r"(?P<andmaybe>(?<=\s)ANDMAYBE(?=\s))",
    r"(?P<every>\*:\*)",
    r"(?P<squote>(?:^|(?<=\W))'(?P<sq>.*?)'(?=\s|\]|[)}]|$))",  # 'a b': one word, in one field
    r"(?P<field>(?P<name>\w+|\*):)",
    f"(?P<wild>[{WILDCARDS}])",
    r'(?P<phrase>"(?P<words>.*?)"(?:~(?P<slop>[1-9][0-9]*))?)',
    r"(?P<open>\()",
    r"(?P<close>\))",
    r"(?P<not>(?:^|(?<=\s|[()]))NOT(?=\s))",
    r"(?P<and>(?<=\s)AND(?=\s))",
    r"(?P<or>(?<=\s)OR(?=\s))",
    r"(?P<require>(?:^|(?<=\s))REQUIRE(?=\s))",
    r"(?P<plus>\+)",
    r"(?P<minus>-)",
    r"(?P<fuzzy>(?<=\S)~(?P<maxdist>[0-9])?(?:/(?P<prefix>[1-9][0-9]*))?)",
    r"(?P<space>\s+)",
]))
_TEXT = ("word", "phrase", "wild", "prefix", "fuzzyword")  # tokens a wildcard glues to
_OPERATORS = ("not", "and", "or", "andnot", "andmaybe", "require")
_LEVELS = ("require", "andmaybe", "andnot", "or", "and")  # infix operators, loosest first
_BINARY = {"require": Require, "andmaybe": AndMaybe, "andnot": AndNot}


class _Tok:
    """A token; text tokens become leaves once their field is known."""

    __slots__ = ("kind", "text", "original", "field", "slop", "maxdist", "prefix")

    def __init__(self, kind: str, text: str = "", original: str = "", field: str | None = None):
        self.kind, self.text, self.original, self.field = kind, text, original or text, field
        self.slop, self.maxdist, self.prefix = 1, 1, 0

    def __repr__(self) -> str:
        return f"<{self.kind} {self.text!r}>"


class _Bracket:
    """The items of one bracket group, before it is parsed."""

    __slots__ = ("items",)

    def __init__(self, items: list):
        self.items = items


def normalise_text(text: str, fields: Mapping[str, str]) -> str:
    """The text as the parser reads it: unknown `name:` as a word, inner hyphens as spaces,
    capitals-only queries in lower case (so AND, OR, NOT are words)."""
    text = _FIELD_NAME.sub(lambda m: m.group(0) if m.group(1).lower() in fields
                           else m.group(1) + " ", text)
    text = _INNER_HYPHEN.sub(" ", text)
    if _OPERATOR_WORD.search(text) and not any(c.islower() for c in text):
        text = text.lower()
    return text


def parse_tree(text: str, fields: Mapping[str, str]) -> tuple[str, Node | None]:
    """(the text as read, its tree) for query text without date clauses; None: no query.

    `fields` maps the field names people type (lower case) to index fields.
    Raises BadQuery with today's messages for unpaired quotes or brackets and a bare `*`.
    """
    if text.count('"') % 2:
        raise BadQuery(QUOTE_MESSAGE)
    if text.count("(") != text.count(")"):
        raise BadQuery(BRACKET_MESSAGE)
    text = normalise_text(text, fields)
    if not text.strip():
        return "", None
    if re.fullmatch(r"[\s*?]+", text):
        raise BadQuery(WILDCARD_MESSAGE)
    return text.strip(), _group(_brackets(_lex(text, fields)))


def _lex(text: str, fields: Mapping[str, str]) -> list[_Tok]:
    """Tokens; the text between two tokens is a word (as Whoosh's tagger loop splits it)."""
    tokens: list[_Tok] = []
    pos = start = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            pos += 1
            continue
        if start < pos:
            tokens.append(_Tok("word", text[start:pos]))
        tokens.append(_token(m, fields))
        pos = start = m.end()
    if start < len(text):
        tokens.append(_Tok("word", text[start:]))
    return tokens


def _token(m: re.Match, fields: Mapping[str, str]) -> _Tok:
    kind, whole = m.lastgroup, m.group(0)
    if kind == "squote":
        return _Tok("word", m.group("sq"), whole)
    if kind == "phrase":
        tok = _Tok("phrase", m.group("words"), whole)
        tok.slop = int(m.group("slop") or 1)
        return tok
    if kind == "field":  # field None: not a field ("*:")
        return _Tok("field", m.group("name"), whole, fields.get(m.group("name").lower()))
    if kind == "fuzzy":
        tok = _Tok("fuzzy", whole)
        tok.maxdist, tok.prefix = int(m.group("maxdist") or 1), int(m.group("prefix") or 0)
        return tok
    return _Tok(kind, whole)


def _brackets(tokens: list[_Tok]) -> list:
    """Nested bracket groups; an unpaired `)` is ignored and an unclosed `(` runs to the end."""
    stack: list[list] = [[]]
    for tok in tokens:
        if tok.kind == "open":
            stack.append([])
        elif tok.kind == "close":
            if len(stack) > 1:
                inner = stack.pop()
                stack[-1].append(_Bracket(inner))
        else:
            stack[-1].append(tok)
    top = stack[0]
    for unclosed in stack[1:]:
        top.extend(unclosed)
    return top


def _group(items: list) -> Node:
    """The tree of one bracket group (its inner groups first)."""
    seq: list = []
    for item in items:
        seq.append(_group(item.items) if isinstance(item, _Bracket) else item)
    seq = _fields(_wildcards(_fuzzy(seq)))
    return _plus_minus([item for item in seq if not _is(item, "space")])


def _is(item, *kinds: str) -> bool:
    return isinstance(item, _Tok) and item.kind in kinds


def _fuzzy(seq: list) -> list:
    """`word~N/M` right after a word makes it fuzzy; a stray `~` is a word."""
    out: list = []
    i = 0
    while i < len(seq):
        item = seq[i]
        if _is(item, "word") and i + 1 < len(seq) and _is(seq[i + 1], "fuzzy"):
            marker = seq[i + 1]
            item = _Tok("fuzzyword", item.text)
            item.maxdist, item.prefix = marker.maxdist, marker.prefix
            i += 1
        elif _is(item, "fuzzy"):
            item = _Tok("word", item.original)
        out.append(item)
        i += 1
    return out


def _wildcards(seq: list) -> list:
    """`*` and `?` glue to the text tokens beside them; a single final `*` is a prefix."""
    i = 0
    while i < len(seq):
        item = seq[i]
        if not _is(item, "wild"):
            i += 1
            continue
        if i + 1 < len(seq) and _is(seq[i + 1], *_TEXT):
            item.text += seq.pop(i + 1).text
        if i > 0 and _is(seq[i - 1], *_TEXT):
            item.text = seq.pop(i - 1).text + item.text
        else:
            i += 1
    for item in seq:
        text = item.text if _is(item, "wild") else ""
        if len(text) > 1 and "[" not in text and not any(q in text for q in WILDCARDS[1:]) \
                and text.find("*") == len(text) - 1:
            item.kind, item.text = "prefix", text[:-1]
    return seq


def _fields(seq: list) -> list:
    """A field name applies to the item right after it; otherwise it is a word ("title:")."""
    merged: list = []
    unknown = ""
    for item in seq:  # "*:" names no field: its text joins the next text token
        if _is(item, "field") and item.field is None:
            unknown += item.original
            continue
        if unknown:
            if _is(item, *_TEXT):
                item.text = unknown + item.text
            else:
                merged.append(_Tok("word", unknown))
            unknown = ""
        merged.append(item)
    if unknown:
        merged.append(_Tok("word", unknown))
    out: list = []
    i = len(merged)
    while i > 0:
        i -= 1
        item = merged[i]
        if _is(item, "field"):
            item = _Tok("word", item.original)
        if i > 0 and not _is(item, "space") and _is(merged[i - 1], "field"):
            field = merged[i - 1].field
            if _is(item, "plus", "minus"):  # title:-word excludes title:word
                j = len(out) - 1
                while j >= 0 and _is(out[j], "space", "plus", "minus"):
                    j -= 1
                if j >= 0:
                    out[j] = _set_field(out[j], field)
            else:
                item = _set_field(item, field)
            i -= 1
        out.append(item)
    out.reverse()
    return [_leaf(item) if _is(item, *_TEXT) else item for item in out]


def _set_field(item, field: str):
    if isinstance(item, _Tok):
        if item.kind in _TEXT and item.field is None:
            item.field = field
        return item
    return with_field(item, field)


def _leaf(tok: _Tok) -> Node:
    if tok.kind == "phrase":
        return Phrase(tok.text, tok.field, tok.slop)
    if tok.kind == "wild":
        return Wildcard(tok.text, tok.field)
    if tok.kind == "prefix":
        return Prefix(tok.text, tok.field)
    if tok.kind == "fuzzyword":
        return Fuzzy(tok.text, tok.field, tok.maxdist, tok.prefix)
    return Word(tok.text, tok.field)


def _plus_minus(seq: list) -> Node:
    """`+item` required (the rest then optional), `-item` excluded, the rest all required."""
    required: list = []
    optional: list = []
    excluded: list = []
    target = optional
    for item in seq:
        if _is(item, "plus"):
            target = required
        elif _is(item, "minus"):
            target = excluded
        else:
            target.append(_EVERY if _is(item, "every") else item)
            target = optional
    node: Node = And(_Operators(optional).sequence())
    if required:
        node = AndMaybe(And(_Operators(required).sequence()), node)
    if excluded:
        node = AndNot(node, Or(_Operators(excluded).sequence()))
    return node


_EVERY = Everything()


class _Operators:
    """Recursive descent over one group's items and operators."""

    def __init__(self, items: list):
        self.items, self.i = items, 0

    def sequence(self) -> tuple[Node, ...]:
        out = []
        while self.i < len(self.items):
            node = self.level(0)
            if node is not None:
                out.append(node)
        return tuple(out)

    def _next_is(self, kind: str) -> bool:
        return self.i < len(self.items) and _is(self.items[self.i], kind)

    def level(self, k: int) -> Node | None:
        if k == len(_LEVELS):
            return self.unary()
        op = _LEVELS[k]
        members = [self.level(k + 1)]
        while self._next_is(op):
            self.i += 1
            if self.i == len(self.items):
                break  # an operator at the end is dropped
            members.append(self.level(k + 1))
        if len(members) == 1:
            return members[0]
        if op in _BINARY:  # left to right: (a ANDNOT b) ANDNOT c
            node = members[0]
            for right in members[1:]:
                node = right if node is None else node if right is None else \
                    _BINARY[op](node, right)
            return node
        kept = tuple(m for m in members if m is not None)
        return And(kept) if op == "and" else Or(kept)

    def unary(self) -> Node | None:
        item = self.items[self.i]
        self.i += 1
        if not _is(item, *_OPERATORS):
            return item
        if item.kind == "not" and self.i < len(self.items):
            operand = self.items[self.i]
            self.i += 1
            return None if _is(operand, *_OPERATORS) else Not(operand)
        return None  # an operator with no operand


__all__ = ["BRACKET_MESSAGE", "QUOTE_MESSAGE", "WILDCARD_MESSAGE", "normalise_text", "parse_tree"]
