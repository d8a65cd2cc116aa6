"""The second-opinion merge of two extractions of one page, paragraph by paragraph."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.html_merge import MergeSettings, _best_overlap, _shingles, align, merge, merge_aligned

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


LEAD = ("The city council met late on Monday to settle a dispute that had split the town for months, and "
        "by midnight it had agreed to close the old bridge until repairs are done.")
TEASER = "Five things to know about bridges"
TAIL = ["Related: bridges of the world", "More from the city desk"]


def test_a_long_lead_the_second_lacks_stays():
    assert merge([LEAD] + STORY, STORY, MergeSettings(lead_keep_words=20)) == [LEAD] + STORY
    assert merge([LEAD] + STORY, STORY, MergeSettings(lead_keep_words=None, lead_trim=0.5)) == STORY


def test_a_short_lead_the_second_lacks_goes_even_when_a_long_one_stays():
    got = merge([TEASER, LEAD] + STORY, STORY, MergeSettings(lead_keep_words=20))
    assert got == [LEAD] + STORY


def test_tail_trimmed_up_to_its_share():
    primary = STORY + TAIL
    assert merge(primary, STORY, MergeSettings(tail_trim=0.3)) == STORY
    assert merge(primary, STORY, MergeSettings(tail_trim=0.05)) == primary  # too much to trim: kept


def test_merge_is_align_then_merge_aligned():
    second = STORY[:2] + [MISSED] + STORY[2:]
    for settings in (MergeSettings(), MergeSettings(min_added_words=40), MergeSettings(lead_keep_words=None)):
        assert merge([LEAD] + STORY + TAIL, second, settings) == merge_aligned(
            align([LEAD] + STORY + TAIL, second), settings)


PARAS = st.lists(st.sampled_from(STORY + [MISSED, LEAD, TEASER] + TAIL), max_size=8)


@settings(max_examples=300, deadline=None)
@given(PARAS, PARAS, st.sampled_from([None, 10, 20, 40]), st.sampled_from([0.0, 0.2, 0.5]))
def test_merge_only_reorders_nothing_and_invents_nothing(primary, second, keep, trim):
    """The merge keeps the primary's order and takes every paragraph from one of the two."""
    got = merge(primary, second, MergeSettings(lead_keep_words=keep, lead_trim=trim, tail_trim=trim))
    assert set(got) <= set(primary) | set(second)
    if got is not second:
        from_primary = [p for p in got if p in primary]
        positions = [primary.index(p) for p in from_primary]
        assert positions == sorted(positions) or len(set(primary)) < len(primary)
