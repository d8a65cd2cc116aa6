"""Reconcile two extractions of one page paragraph by paragraph (a second opinion)."""

from __future__ import annotations

from indexer.html_clean import is_furniture, words

SHINGLE = 4
COMMON = 0.6  # share of a paragraph's shingles found in the other text for it to be shared
MIN_AGREEMENT = 0.5  # share of the primary's words in shared paragraphs before trusting the second
MAX_TRIM = 0.2  # at most this share of the primary's words is trimmed from its edges
MIN_ADDED_WORDS = 20  # a paragraph only the second opinion has must be this long to be added


def _shingles(toks: list[str]) -> set[tuple[str, ...]]:
    if len(toks) < SHINGLE:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i:i + SHINGLE]) for i in range(len(toks) - SHINGLE + 1)}


def _coverage(toks: list[str], other: set[tuple[str, ...]]) -> float:
    own = _shingles(toks)
    return len(own & other) / len(own) if own else 0.0


def _all_shingles(paras: list[list[str]]) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for toks in paras:
        out |= _shingles(toks)
    flat = [t for toks in paras for t in toks]  # shingles across paragraph breaks too
    out |= _shingles(flat)
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
    s_sh, p_sh = _all_shingles(stoks), _all_shingles(ptoks)
    shared = [_coverage(t, s_sh) >= COMMON for t in ptoks]
    agreed = sum(len(t) for t, ok in zip(ptoks, shared) if ok)
    if not p_total or agreed / p_total < MIN_AGREEMENT:
        return primary
    first = shared.index(True)
    last = len(shared) - 1 - shared[::-1].index(True)
    trimmed = sum(map(len, ptoks[:first])) + sum(map(len, ptoks[last + 1:]))
    if trimmed > MAX_TRIM * p_total:
        first, last = 0, len(primary) - 1
    # Where each shared paragraph of the second opinion sits in the primary.
    p_index = [_shingles(t) for t in ptoks]
    before: list[str] = []
    after: dict[int, list[str]] = {}
    anchor = -1
    for toks, para in zip(stoks, second):
        own = _shingles(toks)
        if not own:
            continue
        if _coverage(toks, p_sh) >= COMMON:
            best = max(range(len(p_index)), key=lambda i: len(own & p_index[i]))
            anchor = max(anchor, best)
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
