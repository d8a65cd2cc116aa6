"""Reconcile two extractions of one page paragraph by paragraph (a second opinion)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import chain

from indexer.html_clean import words
from indexer.html_furniture import is_furniture

SHINGLE = 4
COMMON = 0.6  # share of a paragraph's shingles found in the other text for it to be shared
MIN_AGREEMENT = 0.5  # share of the primary's words in shared paragraphs before trusting the second


@dataclass(frozen=True)
class MergeSettings:
    """How far the second opinion may trim and extend the primary extraction.

    The defaults are the ones `bench.varied` chose by cross-validation over
    sites; docs/BENCHMARKS.md gives the figures.
    """

    lead_trim: float = 0.2  # at most this share of the primary's words is trimmed before the shared part
    tail_trim: float = 0.3  # ... and after it
    lead_keep_words: int | None = 20  # a lead paragraph this long stays even if the second lacks it
    min_added_words: int = 20  # a paragraph only the second opinion has must be this long to be added
    takeover: float = 0.25  # the second replaces a primary with less than this share of its words


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


def _kept_edges(ptoks: list[list[str]], shared: list[bool], settings: MergeSettings) -> list[bool]:
    """Which primary paragraphs stay: the shared span, and edges too large or too long to trim."""
    first = shared.index(True)
    last = len(shared) - 1 - shared[::-1].index(True)
    total = sum(map(len, ptoks))
    keep = [first <= i <= last for i in range(len(ptoks))]
    lead = range(first)
    if settings.lead_keep_words is not None:
        lead = [i for i in lead if len(ptoks[i]) < settings.lead_keep_words]
        for i in range(first):
            keep[i] = i not in lead
    if sum(len(ptoks[i]) for i in lead) > settings.lead_trim * total:
        keep[:first] = [True] * first
    if sum(map(len, ptoks[last + 1:])) > settings.tail_trim * total:
        keep[last + 1:] = [True] * (len(ptoks) - last - 1)
    return keep


@dataclass
class Alignment:
    """How two extractions of a page line up; `merge_aligned` applies settings to it."""

    primary: list[str]
    second: list[str]
    ptoks: list[list[str]]
    p_total: int
    s_total: int
    shared: list[bool] | None = None  # primary paragraphs the second also has (None: too few agree)
    missed: list[tuple[int, int, str]] = field(default_factory=list)  # (anchor, words, paragraph)


def align(primary: list[str], second: list[str]) -> Alignment:
    """Which primary paragraphs the second shares, and where each paragraph it alone has would go."""
    ptoks = [words(p) for p in primary]
    stoks = [words(p) for p in second]
    out = Alignment(primary, second, ptoks, sum(map(len, ptoks)), sum(map(len, stoks)))
    if not primary or not second:
        return out
    p_each, s_each = [_shingles(t) for t in ptoks], [_shingles(t) for t in stoks]
    s_sh, p_sh = _all_shingles(stoks, s_each), _all_shingles(ptoks, p_each)
    shared = [_coverage(own, s_sh) >= COMMON for own in p_each]
    agreed = sum(len(t) for t, ok in zip(ptoks, shared) if ok)
    if not out.p_total or agreed / out.p_total < MIN_AGREEMENT:
        return out
    out.shared = shared
    # Where each shared paragraph of the second opinion sits in the primary.
    where: dict[tuple[str, ...], list[int]] = {}
    for i, own in enumerate(p_each):
        for shingle in own:
            where.setdefault(shingle, []).append(i)
    anchor = -1
    for toks, own, para in zip(stoks, s_each, second):
        if not own:
            continue
        if _coverage(own, p_sh) >= COMMON:
            anchor = max(anchor, _best_overlap(own, where))
        elif not is_furniture(para):
            out.missed.append((anchor, len(toks), para))
    return out


def merge_aligned(al: Alignment, settings: MergeSettings = MergeSettings()) -> list[str]:
    """The primary paragraphs, edge junk the second lacks trimmed, long paragraphs it missed added."""
    if not al.second:
        return al.primary
    if not al.primary or al.p_total < settings.takeover * al.s_total and al.s_total >= 100:
        return al.second
    if al.shared is None:
        return al.primary
    keep = _kept_edges(al.ptoks, al.shared, settings)
    first, last = keep.index(True), len(keep) - 1 - keep[::-1].index(True)
    before: list[str] = []
    after: dict[int, list[str]] = {}
    for anchor, n_words, para in al.missed:
        if n_words >= settings.min_added_words:
            if anchor < first:
                before.append(para)
            else:
                after.setdefault(min(anchor, last), []).append(para)
    out = list(before)
    for i in range(first, last + 1):
        if keep[i]:
            out.append(al.primary[i])
        out.extend(after.get(i, []))
    return out


def merge(primary: list[str], second: list[str], settings: MergeSettings = MergeSettings()) -> list[str]:
    """The primary paragraphs, edge junk the second lacks trimmed, long paragraphs it missed added."""
    return merge_aligned(align(primary, second), settings)
