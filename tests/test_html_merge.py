"""The second-opinion merge of two extractions of one page, paragraph by paragraph."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.html_merge import _best_overlap, _shingles, merge

STORY = [
    "The council voted on Tuesday to close the old bridge after engineers found cracks in two of its supports.",
    "Commuters will have to take the ring road, which adds about twenty minutes to a trip across town.",
    "The mayor said repairs would start in the spring and that the bridge could reopen by the end of next year.",
    "Shop owners near the bridge said they feared losing customers while the crossing stays closed to traffic.",
]
MISSED = ("An engineer who inspected the supports said the cracks had probably grown over several winters "
          "of freezing and thawing, and that the steel inside had begun to rust.")


def test_edge_junk_the_second_lacks_is_trimmed():
    junk = "Most read today: five recipes for a rainy weekend and a quiz about famous bridges of the world"
    assert merge([junk] + STORY, STORY) == STORY


def test_long_paragraph_only_the_second_has_is_added_where_it_belongs():
    second = STORY[:2] + [MISSED] + STORY[2:]
    assert merge(STORY, second) == second


def test_primary_stands_when_the_second_disagrees():
    other = ["An entirely different text about the weather, the harvest and the price of bread in the "
             "villages along the river, written for another page altogether."] * 3
    assert merge(STORY, other) == STORY


def test_second_wins_when_the_primary_is_a_fragment():
    long_second = STORY * 3 + [MISSED] * 3
    assert merge(STORY[:1], long_second) == long_second


def test_no_second_opinion_keeps_the_primary():
    assert merge(STORY, []) == STORY


def test_shingles_are_runs_of_four_words():
    assert _shingles(["a", "b", "c", "d", "e"]) == {("a", "b", "c", "d"), ("b", "c", "d", "e")}
    assert _shingles(["a", "b"]) == {("a", "b")}
    assert _shingles([]) == set()


WORDS = st.lists(st.sampled_from("abcdef"), max_size=9)


@settings(max_examples=500, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=6), WORDS)
def test_best_overlap_is_the_first_paragraph_sharing_most(paras, toks):
    """The inverted-index lookup picks what comparing with every paragraph in turn picks."""
    each = [_shingles(p) for p in paras]
    where: dict = {}
    for i, own in enumerate(each):
        for shingle in own:
            where.setdefault(shingle, []).append(i)
    own = _shingles(toks)
    expected = max(range(len(each)), key=lambda i: len(own & each[i]))
    assert _best_overlap(own, where) == expected
