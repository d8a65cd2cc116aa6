"""Today's parser and explainer where the neutral tree deliberately differs: named exceptions.

Each predicate says of a query text whether it falls in one exception; its
docstring says what today's code does and what the tree does instead (and
docs/QUERIES.md why). tests/test_qtree_equivalence.py accepts a difference
only where one of these holds, and pins each with examples.
"""

from __future__ import annotations

import re

from archive import qtree_parse as qp
from archive.errors import BadQuery
from tests.whoosh_explain_reference import _surface_words
from archive.qtree import Phrase, Wildcard, Word, leaves
from archive.query import parse_query as parse_tree_query
from archive.whoosh.compile import WhooshAnalysis
from archive.query import FIELD_ALIASES, extract_dates
from archive.whoosh.schema import build_schema

SCHEMA = build_schema()
ANALYSIS = WhooshAnalysis(SCHEMA)


def _tokens(text: str) -> list:
    try:
        rest = extract_dates(text)[0]
    except BadQuery:
        return []
    return qp._lex(qp.normalise_text(rest, FIELD_ALIASES), FIELD_ALIASES)


def _tree(text: str):
    try:
        return parse_tree_query(text).tree
    except BadQuery:
        return None


def _is(item, *kinds) -> bool:
    return isinstance(item, qp._Tok) and item.kind in kinds


def markers_in_brackets(text: str) -> bool:
    """`+`/`-` inside brackets: today "cannot understand the query (Minus)" (Whoosh applies
    them only at the top level); the tree applies them in every group."""
    depth = 0
    for tok in _tokens(text):
        depth += (tok.kind == "open") - (tok.kind == "close" and depth > 0)
        if depth and tok.kind in ("plus", "minus"):
            return True
    return False


def field_before_marker(text: str) -> bool:
    """`title:-word`: today the field name is silently dropped (`-word` in every field)."""
    toks = _tokens(text)
    return any(_is(a, "field") and a.field and _is(b, "plus", "minus")
               for a, b in zip(toks, toks[1:]))


def field_case(text: str) -> bool:
    """`Title:word`: today a field only in lower case (else the words "title" and "word" in
    one field); the tree reads field names in any case."""
    return any(_is(t, "field") and t.field and t.text != t.text.lower() for t in _tokens(text))


_RANGE = re.compile(r"[\[{]([^\]}]*?\b[Tt][Oo]\b[^\]}]*)?[\]}]")


def term_range(text: str) -> bool:
    """`[a TO b]`: today Whoosh's range of index terms in alphabetical order (of stems); not
    part of the language (date ranges are `date:a..b`): the tree reads the words."""
    try:
        return bool(_RANGE.search(extract_dates(text)[0]))
    except BadQuery:
        return False


def single_word_phrase(text: str) -> bool:
    """`"word"` (one word after analysis): Whoosh's Phrase.normalize() made it a Term without
    the title's weight (0.3); the compiler keeps the weight, as for the bare word."""
    return any(isinstance(leaf, Phrase) and leaf.field is None
               and len(ANALYSIS.words(None, leaf.text)) == 1 for leaf in leaves(_tree(text)))


def _sequences(items: list):
    """Each group's item lists after `+`/`-` took theirs out (the parser's own steps)."""
    stack = [items]
    while stack:
        group = stack.pop()
        seq = []
        for item in group:
            if isinstance(item, qp._Bracket):
                stack.append(item.items)
                item = qp._group(item.items)
            seq.append(item)
        seq = [x for x in qp._fields(qp._wildcards(qp._fuzzy(seq))) if not _is(x, "space")]
        lists: tuple[list, list, list] = ([], [], [])
        target = 0
        for item in seq:
            if _is(item, "plus", "minus"):
                target = 1 if _is(item, "plus") else 2
            else:
                lists[target].append(item)
                target = 0
        yield from lists


def operator_next_to_operator(text: str) -> bool:
    """An operator whose operand is another operator (`a OR AND b`, `NOT NOT`, `a ANDNOT -b
    ANDNOT c` once `-b` is out, `(a OR ) AND b`): Whoosh lets each take its neighbour as an
    operand in its own order, or fails ("cannot understand the query ()"); the tree drops the
    operator that has nothing to work on."""
    ops = qp._OPERATORS
    sig = [t for t in _tokens(text) if not _is(t, "space")]
    if any(_is(a, *ops) and _is(b, "close") and _is(c, "and")
           for a, b, c in zip(sig, sig[1:], sig[2:])):
        return True  # Whoosh's AND added the next item into the bracket group
    for seq in _sequences(qp._brackets(_tokens(text))):
        for a, b in zip(seq, seq[1:]):
            if _is(a, *ops) and _is(b, *ops[1:]) or _is(a, "not") and _is(b, *ops):
                return True
    return False


PARSER_EXCEPTIONS = [markers_in_brackets, field_before_marker, field_case, term_range,
                     single_word_phrase, operator_next_to_operator]


def multi_token_word(text: str) -> bool:
    """An unfielded word the analyzer splits ("foo/bar", 'a quoted group'): every part is
    required (in one field), but today's explainer walked the title-or-body OR and said
    "at least one of foo, bar"; the tree's explainer lists them as required words."""
    return any(isinstance(leaf, Word) and leaf.field is None
               and len(ANALYSIS.words(None, leaf.text)) > 1 for leaf in leaves(_tree(text)))


def typed_form(text: str) -> bool:
    """A word shown in another form than typed: today's explainer looked each index term up in
    the body analysis of the whole text (the first word with that stem, or the stem itself
    for a field with its own analyzer: author:Smiths showed "smiths"); the tree keeps what
    each word was typed as."""
    try:
        p = parse_tree_query(text)
    except BadQuery:
        return False
    typed = _surface_words(p.text, SCHEMA)
    return any(typed.get(term, term) != surface for leaf in leaves(p.tree)
               if isinstance(leaf, (Word, Phrase))
               for term, surface in ANALYSIS.words(leaf.field, leaf.text))


def star_wildcard(text: str) -> bool:
    """A bare `*` (Whoosh: every article with that field) drops the other parts of its group
    on that field in Whoosh's normalize() (`title:* title:cat` is every titled article); the
    compiled queries are the same, but the explainer over the tree lists all parts."""
    return any(isinstance(leaf, Wildcard) and ANALYSIS.term(leaf.field, leaf.pattern) == "*"
               for leaf in leaves(_tree(text)))


EXPLAIN_EXCEPTIONS = [multi_token_word, typed_form, star_wildcard]


def exceptions(text: str, which) -> list[str]:
    return [f.__name__ for f in which if f(text)]
