"""The neutral query tree: its parser's decisions on edge cases, its messages, its layering."""

from __future__ import annotations

import subprocess
import sys

import pytest

from archive.errors import BadQuery
from archive.qtree import (And, AndMaybe, AndNot, Everything, Fuzzy, Not, Or, Phrase, Prefix,
                           Require, Wildcard, Word, leaves)
from archive.qtree_parse import parse_tree
from archive.query import parse_query
from archive.qtree_simplify import simplify
from tests.conftest import REPO

ALIASES = {"title": "title", "headline": "title", "body": "body", "text": "body",
           "author": "author", "by": "author"}


def tree(text: str):
    return parse_tree(text, ALIASES)[1]


def test_the_tree_and_parser_load_no_search_engine():
    code = ("import sys, archive.qtree, archive.qtree_parse\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'whoosh'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


@pytest.mark.parametrize("text, expected", [
    # words are kept as typed; every one is required
    ("Weapons Iraq", And((Word("Weapons"), Word("Iraq")))),
    ('"heat transfer"~5 title:slab', And((Phrase("heat transfer", None, 5), Word("slab", "title")))),
    ("headline:(cat OR by:dog)",
     And((And((Or((Word("cat", "title"), Word("dog", "author"))),)),))),
    ("econom* wi?d* cat~2/1", And((Prefix("econom"), Wildcard("wi?d*"), Fuzzy("cat", None, 2, 1)))),
    ("cat~", And((Fuzzy("cat"),))),
    # precedence, loosest first: side by side, OR, AND, NOT
    ("a b OR c", And((Word("a"), Or((Word("b"), Word("c")))))),
    ("a AND b OR c", And((Or((And((Word("a"), Word("b"))), Word("c"))),))),
    ("NOT a OR b", And((Or((Not(Word("a")), Word("b"))),))),
    # -item leaves its group's sequence first, so OR joins what is around it
    ("a -b OR c", AndNot(And((Or((Word("a"), Word("c"))),)), Or((Word("b"),)))),
    # +item makes the rest optional (Whoosh's AndMaybe)
    ("+a b", AndMaybe(And((Word("a"),)), And((Word("b"),)))),
    ("a REQUIRE b", And((Require(Word("a"), Word("b")),))),
    # an inner hyphen joins; a field name that is not a field is a word
    ("navier-stokes", And((Word("navier"), Word("stokes")))),
    ("Note: this", And((Word("Note"), Word("this")))),
    ("title: slab", And((Word("title:"), Word("slab")))),  # a field name must touch its value
    # capitals only: AND, OR and NOT are words
    ("IRAQ AND OIL", And((Word("iraq"), Word("and"), Word("oil")))),
    ("*:*", And((Everything(),))),
])
def test_parse(text, expected):
    assert tree(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("()", And((And(()),))),  # empty brackets: an empty group (nothing to search)
    ("cat ()", And((Word("cat"), And(())))),
    ("cat OR ", And((Word("cat"),))),  # an operator with nothing on one side is dropped
    ("cat OR", And((Word("cat"), Word("OR")))),  # not between spaces: a word (a stop word)
    (" OR cat", And((Word("cat"),))),
    ("OR", And((Word("or"),))),  # alone it is typed in capitals: the word "or" (a stop word)
    ("NOT cat", And((Not(Word("cat")),))),  # every article without "cat"
    ("-", And(())),  # a lone minus excludes nothing
    ("-cat", AndNot(And(()), Or((Word("cat"),)))),  # nothing left to exclude from: no articles
    (")cat(", And((Word("cat"),))),  # brackets in the wrong order are ignored
    ("café 北京 naïve", And((Word("café"), Word("北京"), Word("naïve")))),
    ("ما هو؟", And((Word("ما"), Wildcard("هو؟")))),  # a question mark: a pattern leaf
])
def test_edge_cases(text, expected):
    assert tree(text) == expected


def test_words_the_analyzer_drops_vanish_in_simplify():
    from archive.whoosh.compile import WhooshAnalysis
    from archive.whoosh.schema import build_schema

    analysis = WhooshAnalysis(build_schema())
    assert simplify(tree("the cat"), analysis) == Word("cat")
    assert simplify(tree("the"), analysis) is None  # a query of stop words searches nothing
    assert simplify(tree("-cat"), analysis) is None
    assert simplify(tree("cat () dog dogs"), analysis) == And((Word("cat"), Word("dog")))
    assert simplify(tree("(a OR b) cat"), analysis) == Word("cat")  # one-letter words drop too
    assert simplify(tree("title:foo/bar"), analysis) == And((Word("foo", "title"),
                                                              Word("bar", "title")))


@pytest.mark.parametrize("text, message", [
    ('"open phrase', 'q: a quotation mark is not closed; phrases need a pair: "exact words"'),
    ("(cat", "q: the brackets do not pair up"),
    ("*", "q: a wildcard needs at least one letter (econom*, not *)"),
    (" ? * ", "q: a wildcard needs at least one letter (econom*, not *)"),
    ("x" * 1001, "q: the query is 1001 characters long; the limit is 1000"),
    ("date:2020-13", "date: '2020-13' is not a valid date (use YYYY, YYYY-MM or YYYY-MM-DD)"),
    ("date:soon (", "q: the brackets do not pair up"),  # checked before the dates, as today
])
def test_messages_are_todays(text, message):
    from tests.whoosh_parser_reference import parse_query as todays
    from archive.whoosh.schema import build_schema

    with pytest.raises(BadQuery) as new:
        parse_query(text)
    with pytest.raises(BadQuery) as old:
        todays(text, build_schema())
    assert str(new.value) == str(old.value) == message


def test_date_clauses_are_taken_out():
    parsed = parse_query("oil date:2015..2018 -opec")
    assert parsed.text == "oil   -opec"
    assert [d.label() for d in parsed.dates] == ["2015-01-01..2018-12-31"]
    assert [leaf.text for leaf in leaves(parsed.tree)] == ["oil", "opec"]
    assert parse_query("date:2003").tree is None  # dates only: every article of those dates


def test_deep_brackets_parse_without_running_out_of_stack():
    deep = "(" * 400 + "cat" + ")" * 400
    node = tree(deep)
    for _ in range(401):
        assert isinstance(node, And) and len(node.children) == 1
        node = node.children[0]
    assert node == Word("cat")
    nested = "(a " * 300 + ")" * 300
    assert [leaf.text for leaf in leaves(tree(nested))] == ["a"] * 300
