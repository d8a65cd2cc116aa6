"""The neutral query tree against today's parser: the same Whoosh queries, the same explanations.

For every query text, `archive.whoosh.compile.parse_query` (text -> tree -> Whoosh)
must give what `archive.query.parse_query` gives (the same text, Whoosh query
compared with ==, dates, or BadQuery message), and `archive.explain` the
records the explainer before the tree (tests/whoosh_explain_reference.py) gives. No shapes are normalised: the trees compile to
equal objects. The query sets: TIME and Cranfield, the benchmark's query mix,
the queries written in tests/, a hand list of edge cases, and generated queries
from real Reuters and BBC words.

A difference is accepted only where a named exception of tests/qtree_exceptions.py
holds (today's bugs, Whoosh syntax the language does not keep, explanations that
were wrong; docs/QUERIES.md), and each exception is pinned by examples here.
"""

from __future__ import annotations

import ast
import re
import tarfile
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from archive.errors import BadQuery
from tests.whoosh_explain_reference import explain as todays_explain
from archive.explain import explain as tree_explain
from archive.query import parse_query as parse_tree_query
from archive.ranking import DEFAULT as RANKING
from archive.qtree_simplify import simplify
from archive.whoosh.compile import compile_query
from archive.whoosh.compile import parse_query as tree_parse
from tests.whoosh_parser_reference import parse_query as todays_parse
from archive.records import QueryClause, SearchRequest
from tests.conftest import REPO, shared_path
from tests.qtree_exceptions import (ANALYSIS, EXPLAIN_EXCEPTIONS, PARSER_EXCEPTIONS, SCHEMA,
                                    exceptions, field_before_marker, field_case,
                                    markers_in_brackets, multi_token_word,
                                    operator_next_to_operator, single_word_phrase,
                                    star_wildcard, term_range, typed_form)

REQUEST = SearchRequest("x", filters=(("outlet", "Reuters"),))
PROPS = settings(max_examples=400, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow])


BOOSTS = RANKING.field_boosts()  # the search box's title and body weights


def parsed(parse, text: str):
    """What a parser made of a text, comparable across parsers."""
    try:
        p = parse(text, SCHEMA, BOOSTS)
    except BadQuery as exc:
        return ("BadQuery", str(exc))
    return (p.text, p.query, p.dates)


def explained(text: str):
    """(today's explanation, the tree's), or the BadQuery messages."""
    try:
        old = todays_explain(todays_parse(text, SCHEMA, BOOSTS), REQUEST, SCHEMA)
    except BadQuery as exc:
        old = ("BadQuery", str(exc))
    try:
        new = tree_explain(parse_tree_query(text), REQUEST, ANALYSIS)
    except BadQuery as exc:
        new = ("BadQuery", str(exc))
    return old, new


# -- examples that pin each exception ----------------------------------------------------

def W(text: str, boost: float = 0.3) -> wq.Or:  # noqa: N802 (a word in title or body)
    return wq.Or([wq.Term("title", text, boost=boost), wq.Term("body", text)])


EXAMPLES = [
    # (text, the exception, today's result, the tree's Whoosh query or tree)
    ("fish (cat -dog)", markers_in_brackets,
     ("BadQuery", "q: cannot understand the query (Minus)"),
     wq.And([W("fish"), wq.AndNot(W("cat"), W("dog"))])),
    ("title:(cat +dog)", markers_in_brackets,
     ("BadQuery", "q: cannot understand the query (Plus)"),
     wq.AndMaybe(wq.Term("title", "dog"), wq.Term("title", "cat"))),
    ("dog title:-cat", field_before_marker,
     ("dog title:-cat", wq.AndNot(W("dog"), W("cat")), ()),
     wq.AndNot(W("dog"), wq.Term("title", "cat"))),
    ("Title:cat", field_case,
     ("Title:cat", wq.Or([wq.And([wq.Term("title", "titl", boost=0.3),
                                  wq.Term("title", "cat", boost=0.3)]),
                          wq.And([wq.Term("body", "titl"), wq.Term("body", "cat")])]), ()),
     wq.Term("title", "cat")),
    ("[cat TO dog]", term_range,
     ("[cat TO dog]", wq.Or([wq.TermRange("title", "cat", "dog", boost=0.3),
                             wq.TermRange("body", "cat", "dog")]), ()),
     wq.And([W("cat"), W("dog")])),
    ('"the period"', single_word_phrase,
     ('"the period"', W("period", boost=1.0), ()), W("period")),
    ("cat ANDNOT ANDNOT dog", operator_next_to_operator,
     ("BadQuery", "q: cannot understand the query ()"), wq.And([W("cat"), W("dog")])),
    ("(cat OR ) AND dog", operator_next_to_operator,
     ("(cat OR ) AND dog", wq.Or([W("cat"), W("dog")]).normalize(), ()),
     wq.And([W("cat"), W("dog")])),
    ("(NOT ) AND dog", operator_next_to_operator,
     ("(NOT ) AND dog", wq.Not(W("dog")), ()), W("dog")),
]


@pytest.mark.parametrize("text, exception, today, tree", EXAMPLES)
def test_parser_exceptions_are_pinned(text, exception, today, tree):
    assert exceptions(text, PARSER_EXCEPTIONS) == [exception.__name__]
    assert parsed(todays_parse, text) == today
    assert compile_query(parse_tree_query(text).tree, SCHEMA, BOOSTS) == tree


def clause(role, kind, text, fields=("title", "text"), detail=None, children=()):
    return QueryClause(role, kind, text, fields, detail, children)


FILTER = QueryClause("filter", "facet", "Reuters", ("outlet",))
EXPLAIN_EXAMPLES = [
    ("foo/bar", multi_token_word,
     (clause("required", "any-of", "foo OR bar", (), "at least one of these",
             (clause("optional", "word", "foo"), clause("optional", "word", "bar"))), FILTER),
     (clause("required", "word", "foo"), clause("required", "word", "bar"), FILTER)),
    ("author:Smiths", typed_form,
     (clause("required", "word", "smiths", ("author",)), FILTER),
     (clause("required", "word", "Smiths", ("author",)), FILTER)),
    ("weapons (weapon OR gun)", typed_form,
     (clause("required", "word", "weapons", detail="any form of the word (searched as weapon)"),
      clause("required", "any-of", "weapons OR gun", (), "at least one of these", (
          clause("optional", "word", "weapons",
                 detail="any form of the word (searched as weapon)"),
          clause("optional", "word", "gun"))), FILTER),
     (clause("required", "word", "weapons", detail="any form of the word (searched as weapon)"),
      clause("required", "any-of", "weapon OR gun", (), "at least one of these", (
          clause("optional", "word", "weapon"), clause("optional", "word", "gun"))), FILTER)),
    ("title:* title:cat", star_wildcard,
     (clause("required", "everything", "every article", ()), FILTER),
     (clause("required", "everything", "every article", ()),
      clause("required", "word", "cat", ("title",)), FILTER)),
]


@pytest.mark.parametrize("text, exception, today, tree", EXPLAIN_EXAMPLES)
def test_explainer_exceptions_are_pinned(text, exception, today, tree):
    assert exceptions(text, PARSER_EXCEPTIONS) == []
    assert exception.__name__ in exceptions(text, EXPLAIN_EXCEPTIONS)
    assert explained(text) == (today, tree)


# -- the query sets ------------------------------------------------------------------------

EDGE_CASES = [
    "", "   ", "the", "a b", "()", "( )", "cat ()", "((cat))", ")cat(", "cat)(dog", "-", "+",
    "--cat", "++cat", "dog -", "dog +", "-cat", "+cat", "NOT cat", "NOT NOT cat", "cat NOT",
    "OR", "AND", "NOT", "cat OR", "cat OR ", " OR cat", "AND cat", "cat AND AND dog",
    "cat OR OR dog", "IRAQ AND OIL", "Iraq AND oil", "ANDNOT", "cat ANDNOT dog",
    "cat ANDMAYBE dog", "cat REQUIRE dog", "title:the REQUIRE cat", "(the) ANDNOT cat",
    "title:the ANDNOT cat", "+the cat", "*:*", "cat *:*", "cat -*:*", "*:cat", "*: cat",
    "cat *", "*cat", "?at", "cat?", "c*", "wi?d*", "econom*", "Running*", "Cafés*", "cat~",
    "cats~", "cat~2", "cat~0", "cat~1/2", "cat~/2", "cat~9/12", "cat ~2", "~2", "cat~~",
    "cat~*", "cat~2dog", '"cat dog"', '"cat dog"~1', '"cat dog"~0', '"cat dog"~12',
    '"cat dog"*', '"cat dog" -"cat fish"', '"a"', '""', '"cat dog"~2title:fish',
    "'hello world'", "'cat'", "rock 'n' roll", "it's 'quoted phrase' here", "'it's'",
    "'cat dog'~", "Kennedy's", "O'Brien", "U.S. policy", "3.5 percent", "cat, dog.", "cat!",
    "what?", "why? because", "cat/dog", "@cat", "#cat", "cat & dog", "cat || dog", "!cat",
    "cat^2", "cat^", "café", "naïve", "Müller", "北京", "ما هو؟", "navier-stokes", "e-mail",
    "cat-", "3-4", "title:cat", "headline:cat", "text:cat", "by:smith", "source:reuters",
    "place:london", "topic:grain", "url:http://x.com", "author:\"john smith\"",
    "title:(cat OR dog)", "title:(cat OR body:dog)", "title:cat~", "title:econom*",
    "title:wi?d", "title: cat", "cat title:", "title:", "title:title:cat", "x.title:cat",
    "cat:dog", "note: this", "-title:cat dog", "dog NOT title:cat", "fish title:NOT cat",
    "(cat -dog)", "(+cat dog)", "cat -dog OR fish", "cat OR -dog", "-cat OR dog",
    "cat AND NOT dog", "cat OR NOT dog", "NOT cat OR dog", "cat -(dog fish)",
    "(cat OR dog) OR fish", "cat AND dog OR fish", "date:2003 iraq", "-date:2003 iraq",
    "date:2003 OR cat", "date:1990..1995 oil", "year:>=2001 war", "date:[2001 TO 2003] x",
    "(" * 400 + "cat" + ")" * 400, "(cat " * 300 + ")" * 300,
]


def test_queries_in_tests_are_found():
    assert {"Taliban", "harbour port zzzunknown -strike", '"oil prices"~5',
            "wheat -corn"} <= set(_test_queries())


def _test_queries() -> list[str]:
    """Query texts written in tests/: SearchRequest/parse_query arguments, `q=` in URLs and
    dicts, the helper `search(page, site, "words")`, and QUERIES lists."""
    found: list[str] = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                args = [a.value for a in node.args if isinstance(a, ast.Constant)
                        and isinstance(a.value, str)]
                kws = [k.value.value for k in node.keywords if k.arg == "query"
                       and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)]
                if name in ("SearchRequest", "parse_query") and node.args and \
                        isinstance(node.args[0], ast.Constant):
                    found.append(node.args[0].value)
                if name == "search" and len(node.args) >= 3:
                    found.extend(args)
                found.extend(kws)
            elif isinstance(node, ast.Dict):
                found.extend(v.value for k, v in zip(node.keys, node.values)
                             if isinstance(k, ast.Constant) and k.value == "q"
                             and isinstance(v, ast.Constant) and isinstance(v.value, str))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.search(r"[?&]q=", node.value):
                found.extend(parse_qs(urlsplit(node.value).query).get("q", []))
            elif isinstance(node, ast.Assign) and any(
                    getattr(t, "id", "").endswith("QUERIES") for t in node.targets) \
                    and isinstance(node.value, (ast.List, ast.Tuple)):
                found.extend(e.value for e in node.value.elts if isinstance(e, ast.Constant))
    return [q for q in dict.fromkeys(found) if isinstance(q, str)]


def _collection_queries(name: str) -> list[str]:
    lines = shared_path("data", "ir", name, "queries.tsv").read_text(encoding="utf-8")
    return [line.split("\t", 1)[1] for line in lines.splitlines() if "\t" in line]


def _bench_queries() -> list[str]:
    lines = (REPO / "bench" / "queries.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[2] for line in lines if line and not line.startswith("#")]


QUERY_SETS = {
    "time": lambda: _collection_queries("time"),
    "cranfield": lambda: _collection_queries("cranfield"),
    "bench": _bench_queries,
    "tests": _test_queries,
    "edge cases": lambda: EDGE_CASES,
}
# The real queries that compile or explain otherwise than today, and why.
EXCLUDED = {'"same period"': ["single_word_phrase"]}


def compare(text: str, counts: Counter) -> list[str]:
    """Compare the two parsers and explainers on a text; a difference must be an exception.

    Returns the exceptions that explain the differences (none when all is alike).
    """
    if parsed(tree_parse, text) != parsed(todays_parse, text):
        names = exceptions(text, PARSER_EXCEPTIONS)
        assert names, f"{text!r} compiles otherwise than today"
        counts.update(names)
        return names
    counts["compiled alike"] += 1
    old, new = explained(text)
    if old != new:
        names = exceptions(text, EXPLAIN_EXCEPTIONS)
        assert names, f"{text!r} is explained otherwise than today"
        counts.update(names)
        return names
    counts["explained alike"] += 1
    return []


@pytest.mark.parametrize("name", list(QUERY_SETS))
def test_query_sets_compile_and_explain_as_today(name, capsys):
    texts = QUERY_SETS[name]()
    counts: Counter = Counter()
    for text in texts:
        differs = compare(text, counts)
        if name in ("time", "cranfield", "bench"):
            assert differs == EXCLUDED.get(text, []), text
    with capsys.disabled():
        print(f"\n{name}: {len(texts)} queries, {dict(counts)}")
    assert counts["compiled alike"] >= 0.7 * len(texts)


# -- generated queries ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def vocabulary() -> list[str]:
    """Words of real news text: two Reuters files and BBC articles of each section."""
    sgm = shared_path("data", "reuters21578", "reut2-000.sgm").read_text(encoding="latin-1")
    text = re.sub(r"<[^>]+>", " ", sgm[:200_000])
    with tarfile.open(shared_path("data", "bbc", "bbc-fulltext.tar.gz")) as tar:
        for section in ("business", "entertainment", "politics", "sport", "tech"):
            member = tar.extractfile(f"bbc/{section}/010.txt")
            text += " " + member.read().decode("latin-1")
    words = sorted(set(re.findall(r"\w+(?:['’.]\w+)*", text)))
    return words + ["café", "Müller", "北京", "the", "and", "or", "not"]


@pytest.fixture(scope="module")
def grammar(vocabulary):
    return queries(vocabulary)


FIELDS = ["title", "headline", "body", "text", "author", "by", "outlet", "source", "place",
          "topic", "url", "nosuch"]


def queries(words: list[str]):
    """Query texts from a grammar of real words, phrases, fields, operators and brackets."""
    cases = {"as is": str, "lower": str.lower, "upper": str.upper, "title": str.title}
    word = st.tuples(st.sampled_from(words), st.sampled_from(["as is"] * 3 + list(cases)),
                     st.sampled_from([""] * 12 + [",", ".", "?", "'s", "-"]),
                     st.sampled_from(words)).map(
        lambda t: cases[t[1]](t[0]) + (t[2] + t[3] if t[2] == "-" else t[2]))
    phrase = st.tuples(st.lists(word, min_size=2, max_size=4),
                       st.sampled_from([""] * 4 + ["~1", "~2", "~5", "~12"])).map(
        lambda t: '"' + " ".join(t[0]) + '"' + t[1])
    pattern = st.tuples(word, st.integers(1, 6), st.sampled_from(["*", "?", "mid"])).map(
        lambda t: t[0][:t[1]] + "*" if t[2] == "*" else
        (t[0][:t[1]] + "?" + t[0][t[1] + 1:] if t[2] == "?" else t[0][:t[1]] + "*" + t[0][-1]))
    fuzzy = st.tuples(word, st.sampled_from(["~", "~1", "~2", "~2/1"])).map("".join)
    rare = st.sampled_from(["*:*", "'two words'", "date:2003", "year:1990..1995", "the",
                            "()", "-", "*"])
    leaf = st.one_of(word, word, word, word, phrase, pattern, fuzzy, rare)
    field = st.one_of(st.just(""), st.just(""), st.just(""),
                      st.sampled_from(FIELDS).map(lambda f: f + ":"))

    def item(inner):
        return st.tuples(field, st.one_of(leaf, leaf, leaf, inner.map(lambda e: f"({e})"))
                         ).map("".join)

    def sequence(items, marks):
        joint = st.sampled_from([" "] * 8 + [" OR "] * 4 + [" AND ", " AND ", " NOT ", "  ",
                                                             " ANDNOT ", " ANDMAYBE ", " REQUIRE "])
        marked = st.tuples(st.sampled_from(marks), items).map("".join)
        return st.tuples(marked, st.lists(st.tuples(joint, marked), max_size=5)).map(
            lambda t: t[0] + "".join(j + m for j, m in t[1]))

    inner = st.recursive(leaf, lambda e: sequence(item(e), [""] * 8 + ["NOT "]), max_leaves=8)
    top = sequence(item(inner), [""] * 6 + ["-", "+", "NOT "])
    noise = st.sampled_from([""] * 10 + [" OR", " -", "AND ", " OR ", "NOT "])
    return st.tuples(noise, top, noise).map("".join)


@PROPS
@given(data=st.data())
def test_generated_queries_compile_as_today(grammar, data):
    text = data.draw(grammar, label="query")
    counts: Counter = Counter()
    for name in compare(text, counts) or ["alike"]:
        event(name)
    if counts["compiled alike"] and parsed(tree_parse, text)[0] != "BadQuery":
        tree = parse_tree_query(text).tree  # the simplified tree searches the same
        simple = simplify(tree, ANALYSIS)
        assert (compile_query(simple, SCHEMA, BOOSTS) if simple is not None else
                (wq.NullQuery if tree is not None else None)) == compile_query(tree, SCHEMA,
                                                                               BOOSTS)


def test_generated_queries_are_mostly_compared(grammar):
    """The grammar's queries fall in an exception rarely, so the comparison means something."""
    @settings(max_examples=200, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def draw(data):
        text = data.draw(grammar)
        counts["all"] += 1
        counts["left out"] += parsed(tree_parse, text) != parsed(todays_parse, text)
        counts["ops"] += bool(re.search(r" (OR|AND|NOT) ", text))
        counts["brackets"] += "(" in text
        counts["fields"] += ":" in text
        counts["phrases"] += '"' in text

    counts: Counter = Counter()
    draw()
    assert counts["left out"] <= 0.25 * counts["all"], counts
    for feature in ("ops", "brackets", "fields", "phrases"):
        assert counts[feature] >= 0.15 * counts["all"], counts
