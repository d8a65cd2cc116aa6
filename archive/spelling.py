""""Did you mean": the rules every engine follows, with the engine's counts and word lists.

A query that finds fewer than `FEW_RESULTS` articles has each rare word (in at most
`RARE` titles and bodies) replaced by a correction the engine finds (its most frequent
index term one edit away, else two), shown as an article writes it; the suggestion is
made only when the corrected query finds more articles.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from archive.analysis import text_terms
from archive.records import Suggestion

FEW_RESULTS = 3  # suggest only when a query finds fewer articles than this
RARE = 2  # a query word found in at most this many articles may be a misspelling
_WORD = re.compile(r"\w+", re.UNICODE)


def corrected_query(query_text: str, total: int, frequency: Callable[[str], int],
                    correction: Callable[[str], str | None], written: Callable[[str], str],
                    count: Callable[[str], int]) -> Suggestion | None:
    """The suggestion for a query, or None.

    `frequency(term)`: articles with the index term in title or body (counted twice
    when in both); `correction(term)`: a better term or None; `written(term)`: the
    word as an article writes it; `count(text)`: how many articles a query finds.
    """
    if total >= FEW_RESULTS or not query_text.strip():
        return None
    pieces: list[str] = []
    changed = False
    pos = 0
    for m in _WORD.finditer(query_text):
        word = m.group(0)
        before = query_text[max(0, m.start() - 1):m.start()]
        after = query_text[m.end():m.end() + 1]
        if before == ":" or after in (":", "*", "?", "~") or word.isupper() and word in (
                "AND", "OR", "NOT"):
            continue  # field names, values after a colon, wildcards, fuzzy words, operators
        tokens = text_terms(word)
        if len(tokens) != 1 or not tokens[0].isalpha() or frequency(tokens[0]) > RARE:
            continue  # numbers (a year of a date range, an amount) are never misspellings
        fixed = correction(tokens[0])
        if fixed is None:
            continue
        pieces.append(query_text[pos:m.start()])
        pieces.append(written(fixed))
        pos = m.end()
        changed = True
    if not changed:
        return None
    corrected = "".join(pieces) + query_text[pos:]
    found = count(corrected)
    if found <= total:
        return None
    return Suggestion(corrected, found)


__all__ = ["FEW_RESULTS", "RARE", "corrected_query"]
