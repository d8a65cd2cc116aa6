"""Reconcile two extractions of one page paragraph by paragraph (a second opinion)."""

from __future__ import annotations

from collections import Counter
from itertools import chain

from indexer.html_clean import is_furniture, words

SHINGLE = 4
COMMON = 0.6  # share of a paragraph's shingles found in the other text for it to be shared
MIN_AGREEMENT = 0.5  # share of the primary's words in shared paragraphs before trusting the second
MAX_TRIM = 0.2  # at most this share of the primary's words is trimmed from its edges
MIN_ADDED_WORDS = 20  # a paragraph only the second opinion has must be this long to be added


def _shingles(toks: list[str]) -> set[tuple[str, ...]]:
    """Every run of SHINGLE consecutive words (the whole list when it is shorter)."""
    if len(toks) < SHINGLE:
        return {tuple(toks)} if toks else set()
    return set(zip(*(toks[i:] for i in range(SHINGLE))))


def _best_overlap(own: set[tuple[str, ...]], where: dict[tuple[str, ...], list[int]]) -> int:
    """The primary paragraph sharing most shingles with `own` (the first of equals; 0 if none)."""
    counts = Counter(chain.from_iterable(map(where.__getitem__, own & where.keys())))
    if not counts:
        return 0
    most = max(counts.values())
    return min(i for i, n in counts.items() if n == most)


def _coverage(own: set[tuple[str, ...]], other: set[tuple[str, ...]]) -> float:
    return len(own & other) / len(own) if own else 0.0


def _all_shingles(paras: list[list[str]], each: list[set[tuple[str, ...]]]) -> set[tuple[str, ...]]:
    """The shingles of every paragraph (`each`) and those across paragraph breaks."""
    out: set[tuple[str, ...]] = set().union(*each)
    out |= _shingles([t for toks in paras for t in toks])
    return out


def merge(primary: list[str], second: list[str]) -> list[str]:
    """The primary paragraphs, edge junk the second lacks trimmed, long paragraphs it missed added."""
    if not second:
        return primary
    ptoks = [words(p) for p in primary]
    stoks = [words(p) for p in second]
    p_total = sum(map(len, ptoks))
    s_total = sum(map(len, stoks))
    if not primary or p_total < 0.25 * s_total and s_total >= 100:
        return second
    p_each, s_each = [_shingles(t) for t in ptoks], [_shingles(t) for t in stoks]
    s_sh, p_sh = _all_shingles(stoks, s_each), _all_shingles(ptoks, p_each)
    shared = [_coverage(own, s_sh) >= COMMON for own in p_each]
    agreed = sum(len(t) for t, ok in zip(ptoks, shared) if ok)
    if not p_total or agreed / p_total < MIN_AGREEMENT:
        return primary
    first = shared.index(True)
    last = len(shared) - 1 - shared[::-1].index(True)
    trimmed = sum(map(len, ptoks[:first])) + sum(map(len, ptoks[last + 1:]))
    if trimmed > MAX_TRIM * p_total:
        first, last = 0, len(primary) - 1
    # Where each shared paragraph of the second opinion sits in the primary.
    where: dict[tuple[str, ...], list[int]] = {}
    for i, own in enumerate(p_each):
        for shingle in own:
            where.setdefault(shingle, []).append(i)
    before: list[str] = []
    after: dict[int, list[str]] = {}
    anchor = -1
    for toks, own, para in zip(stoks, s_each, second):
        if not own:
            continue
        if _coverage(own, p_sh) >= COMMON:
            anchor = max(anchor, _best_overlap(own, where))
            continue
        if len(toks) >= MIN_ADDED_WORDS and not is_furniture(para):
            if anchor < first:
                before.append(para)
            else:
                after.setdefault(min(anchor, last), []).append(para)
    out = list(before)
    for i in range(first, last + 1):
        out.append(primary[i])
        out.extend(after.get(i, []))
    return out
