"""Corrections to whoosh3's own code, applied when `archive` loads Whoosh.

Each fix names the fault, how it shows and the test that fails without it.
"""

from __future__ import annotations

from whoosh.matching import binary
from whoosh.query import qcore


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


def _existing_terms(self, ixreader, phrases: bool = True, expand: bool = False,
                    fieldname: str | None = None) -> set[tuple[str, bytes]]:
    """whoosh3's `Query.existing_terms`, with the terms of every leaf, whatever its field.

    whoosh3 (3.54.0, and Whoosh 2.7.4 before it) reused its `fieldname` parameter
    as the name of the loop variable over each leaf's terms. After the first leaf
    had given a term, `fieldname` named that term's field, and every later leaf
    of another field was skipped as if the caller had asked for that field only.
    A word searched as `title:w OR body:w` gave its title term alone, so
    `archive.whoosh.terms.query_terms` had no body terms: a word that is in no title
    of the archive was found but never marked (the snippet showed the article's
    opening, the article page no marks). `tests/test_whoosh_fixes.py` fails
    without this.
    """
    schema = ixreader.schema
    found: set[tuple[str, bytes]] = set()
    for leaf in self.leaves():
        if fieldname and fieldname != leaf.field():
            continue
        terms = (leaf.expanded_terms(ixreader, phrases=phrases) if expand
                 else leaf.terms(phrases=phrases))
        for name, text in terms:
            if name not in schema:
                continue
            try:
                btext = schema[name].to_bytes(text)
            except ValueError:
                continue
            if (name, btext) not in found and (name, btext) in ixreader:
                found.add((name, btext))
    return found


qcore.Query.existing_terms = _existing_terms

__all__: list[str] = []
