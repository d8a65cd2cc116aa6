"""The quick page check for age banners finds what the banner regex finds.

The check lower-cases the page, so it is blind to the case of the hint words'
own letters; Unicode look-alikes that only a case-insensitive regex equates with
them (the long s, the dotted capital I) are not banner text and are left out.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.html_body import _BANNER_HINT, _may_hold_banner

PIECES = ["year", "years", "Year", "YEARS", " ", "  ", "\n", "\t", "old", "OLD", "Old", "from",
          "the", "archive", "Archives", "archived", "article", "story", "content", "this",
          "This", "is", "was", "<b>", "</b>", "5", "-", "bold", "gold", "é", "’", "ü", "ß"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_same_answer_as_the_regex(parts):
    text = "".join(parts)
    assert _may_hold_banner(text) == bool(_BANNER_HINT.search(text))


def test_examples():
    assert _may_hold_banner("<p>This story is over 5 YEARS OLD</p>")
    assert _may_hold_banner("From the archives: 1998")
    assert _may_hold_banner("this article was  archived")
    assert not _may_hold_banner("<b>old</b> news from this year")
    assert not _may_hold_banner("yearsold")
