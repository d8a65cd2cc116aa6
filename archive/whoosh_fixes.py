"""Corrections to whoosh3's own code, applied when `archive` loads Whoosh.

Each fix names the fault, how it shows and the test that fails without it.
"""

from __future__ import annotations

from whoosh.matching import binary


def _and_not_find_first(self) -> None:
    """whoosh3's `AndNotMatcher` start, checking the first document against the excluded words.

    whoosh3 only skipped an excluded document at the start when both sub-matchers
    began on the same document. When the excluded side began earlier (its first
    document is a lower number) and also held the first wanted document, that
    document matched: `wheat -corn` found an article with both words whenever an
    article with "corn" alone came before it in the segment. `_find_next` moves
    the excluded side up to the wanted document first, so it is always right to
    call it. `tests/test_whoosh_fixes.py` fails without this.
    """
    if self.a.is_active() and self.b.is_active():
        self._find_next()


binary.AndNotMatcher._find_first = _and_not_find_first

__all__: list[str] = []
