"""Ranking with numpy: the BM25 scores of a whole matched set, read from the posting blocks.

Whoosh scores one posting at a time through a tree of Python matcher objects;
for a common word that is thousands of method calls per search, and a phrase
is matched once to find the set and again to rank it. Here every word of the
query is read once, a block of postings at a time, into arrays, and the scores
are computed for all its articles at once with the same formula, statistics and
field lengths Whoosh uses (our Robertson-IDF BM25, `archive.whoosh.ranking`), so the
scores are Whoosh's own (`tests/test_fast_rank.py` compares them on real
queries). Terms that a large segment has as decoded arrays (`archive.whoosh.postings`)
are read from those instead of the blocks. A phrase is checked once per search,
from its words' positions, only in the articles that have every word, with every
(document, position) pair as one sortable number (`_phrase_docs`).

Queries with other parts (wildcards, fuzzy words, ranges) return None from
`rank()`, and the caller ranks them with Whoosh.
"""

from __future__ import annotations

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

from archive.ranking import robertson_idf
from archive.whoosh.scoring import RobertsonBM25, Weighted

_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class Unsupported(Exception):
    """A query part this module does not score (the caller falls back to Whoosh)."""


def segment_lengths(sub, field: str) -> np.ndarray:
    """One segment's documents' lengths of a field as Whoosh's scorers see them (a byte each)."""
    count = sub.doc_count_all()
    raw = None
    perdoc = getattr(sub, "_perdoc", None)
    if perdoc is not None and hasattr(perdoc, "_cached_reader") and count:
        column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        if column is not None:
            raw = np.fromiter(column, dtype=np.uint8, count=count)
    if raw is None:  # no length column in this segment (no document has the field)
        raw = np.zeros(count, dtype=np.uint8)
    return _BYTE_LENGTHS[raw]



def _leaf(m):
    return m.child if isinstance(m, FilterMatcher) else m


def _blocks(m: W3LeafMatcher):
    """whoosh3's leaf matcher a block at a time: (matcher positioned on the block, its ids)."""
    while m.is_active():
        if m._ids is None:
            m._read_ids()
        yield m, m._ids
        m._next_block()


def no_arrays(_segment: int, _field: str):
    """The `arrays` of a search without decoded posting arrays: every term from Whoosh."""
    return None


def postings(searcher, field: str, text: bytes, arrays=no_arrays
             ) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, weights) of a term across every segment, deleted ones included.

    `arrays(segment number, field)` gives a segment's decoded frequent terms
    (`archive.whoosh.postings.SegmentPostings`) or None; other terms are read from Whoosh's blocks.
    """
    ids, weights = [], []
    for i, (sub, offset) in enumerate(searcher.reader().leaf_readers()):
        kept = arrays(i, field)
        if kept is not None and text in kept:
            got_ids, got_weights = kept.postings(text)
            ids.append(got_ids.astype(np.int64) + offset)
            weights.append(got_weights.astype(np.float64))
            continue
        if (field, text) not in sub:
            continue
        m = _leaf(sub.postings(field, text))
        if isinstance(m, W3LeafMatcher):
            for block, block_ids in _blocks(m):
                if block._weights is None:
                    block._read_weights()
                ids.append(np.asarray(block_ids, dtype=np.int64) + offset)
                weights.append(np.asarray(block._weights, dtype=np.float64))
        else:
            got_ids, got_weights = [], []
            while m.is_active():
                got_ids.append(m.id() + offset)
                got_weights.append(m.weight())
                m.next()
            ids.append(np.asarray(got_ids, dtype=np.int64))
            weights.append(np.asarray(got_weights, dtype=np.float64))
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(ids), np.concatenate(weights)


ARRAYS = "arrays"  # memo key: the `arrays` function of `postings()` for this search


def _postings(searcher, field: str, text, memo: dict | None) -> tuple[np.ndarray, np.ndarray]:
    schema = searcher.schema
    if field not in schema:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    btext = schema[field].to_bytes(text) if not isinstance(text, bytes) else text
    if memo is None:
        return postings(searcher, field, btext)
    key = (field, btext)
    if key not in memo:
        memo[key] = postings(searcher, field, btext, memo.get(ARRAYS, no_arrays))
    return memo[key]


def _phrase_mask(searcher, q: wq.Phrase, size: int, memo: dict | None) -> np.ndarray:
    """The documents containing a phrase (once per search)."""
    key = ("phrase", q.fieldname, tuple(q.words), q.slop)
    if memo is not None and key in memo:
        return memo[key]
    mask = np.zeros(size, dtype=bool)
    found = _phrase_docs(searcher, q, memo)
    if found is None:  # not a whoosh3 posting list: Whoosh's own span matching
        found = list(searcher.docs_for_query(wq.Phrase(q.fieldname, q.words, slop=q.slop)))
    mask[found] = True
    if memo is not None:
        memo[key] = mask
    return mask


def _phrase_docs(searcher, q: wq.Phrase, memo: dict | None) -> np.ndarray | list | None:
    """Documents with the phrase's words in order, each within `slop` positions of the last.

    The same rule as Whoosh's phrase matcher (SpanNear2, ordered, minimum distance 1),
    applied only to the documents that have every word (found with the posting arrays),
    with every (document, position) pair of a word as one sortable number.
    """
    field = searcher.schema[q.fieldname] if q.fieldname in searcher.schema else None
    if field is None or not q.words or not field.format.supports("positions"):
        return None
    words = [field.to_bytes(w) for w in q.words]
    candidates = None
    for word in words:
        ids = _postings(searcher, q.fieldname, word, memo)[0]
        candidates = ids if candidates is None else np.intersect1d(candidates, ids)
        if not len(candidates):
            return []
    candidates = np.unique(candidates)
    arrays = memo.get(ARRAYS, no_arrays) if memo is not None else no_arrays
    keys = {}
    for word in dict.fromkeys(words):
        got = _positions(searcher, field, q.fieldname, word, candidates, arrays)
        if got is None:
            return None
        docs, positions = got
        keys[word] = (docs << 32) | positions  # ascending: by document, then position
    ends = keys[words[0]]
    for word in words[1:]:
        mine = keys[word]
        ok = np.zeros(len(mine), dtype=bool)
        for gap in range(1, q.slop + 1):
            ok |= _in_sorted(mine - gap, ends)
        ends = mine[ok]
        if not len(ends):
            return []
    return np.unique(ends >> 32)


def _in_sorted(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """For each value, whether `sorted_keys` holds it."""
    if not len(sorted_keys):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_keys, values)
    at[at == len(sorted_keys)] = 0
    return sorted_keys[at] == values


def _positions(searcher, field, fieldname: str, word: bytes, docs: np.ndarray, arrays
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """(document, position) of every occurrence of a word in `docs` (sorted numbers)."""
    out_docs, out_pos = [], []
    decode = field.format.decode_positions
    for i, (sub, offset) in enumerate(searcher.reader().leaf_readers()):
        lo, hi = np.searchsorted(docs, [offset, offset + sub.doc_count_all()])
        if lo == hi:
            continue
        local = docs[lo:hi] - offset
        kept = arrays(i, fieldname)
        if kept is not None and kept.has_positions and word in kept:
            got_docs, got_pos = kept.positions_in(word, local)
            out_docs.append(got_docs + offset)
            out_pos.append(got_pos)
            continue
        if (fieldname, word) not in sub:
            continue
        m = _leaf(sub.postings(fieldname, word))
        if not isinstance(m, W3LeafMatcher):
            return None
        for block, block_ids in _blocks(m):
            ids = np.asarray(block_ids, dtype=np.int64)
            hit = np.flatnonzero(np.isin(ids, local, assume_unique=True))
            if len(hit):
                block._read_values()
                lists = [decode(block._values[j]) for j in hit.tolist()]
                out_docs.append(np.repeat(ids[hit] + offset, [len(p) for p in lists]))
                out_pos.append(np.fromiter((p for one in lists for p in one), dtype=np.int64))
    if not out_docs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_docs), np.concatenate(out_pos)


def matches(searcher, q, live: np.ndarray, memo: dict | None = None) -> np.ndarray | None:
    """The live documents a query matches, as a boolean mask; None if unsupported.

    `live` is a boolean array over document numbers (False for deleted ones);
    `memo` keeps the postings read for `rank()` in the same search.
    """
    if isinstance(q, wq.Not) or not supported(q):
        return None
    try:
        mask = _mask_of(searcher, q, len(live), memo)
    except Unsupported:
        return None
    return mask & live


def _mask_of(searcher, q, size: int, memo) -> np.ndarray:
    if isinstance(q, Weighted):
        return _mask_of(searcher, q.child, size, memo)
    if isinstance(q, wq.Term):
        mask = np.zeros(size, dtype=bool)
        mask[_postings(searcher, q.fieldname, q.text, memo)[0]] = True
        return mask
    if isinstance(q, wq.Phrase):
        return _phrase_mask(searcher, q, size, memo)
    if isinstance(q, wq.AndNot):
        return _mask_of(searcher, q.a, size, memo) & ~_mask_of(searcher, q.b, size, memo)
    if isinstance(q, wq.AndMaybe):
        return _mask_of(searcher, q.a, size, memo)
    if isinstance(q, wq.And):
        mask = np.ones(size, dtype=bool)
        for child in q.subqueries:
            if isinstance(child, wq.Not):
                mask &= ~_mask_of(searcher, child.query, size, memo)
            else:
                mask &= _mask_of(searcher, child, size, memo)
        return mask
    if isinstance(q, wq.Or):
        mask = np.zeros(size, dtype=bool)
        for child in q.subqueries:
            mask |= _mask_of(searcher, child, size, memo)
        return mask
    raise Unsupported(type(q).__name__)


class _Scorer:
    def __init__(self, searcher, weighting: RobertsonBM25, lengths, memo: dict | None = None):
        self.searcher = searcher
        self.weighting = weighting
        self.size = searcher.doc_count_all()
        self.lengths = lengths  # field -> array, from the caller's cache
        self.memo = memo

    def term(self, field: str, text, boost: float) -> np.ndarray:
        ids, tf = _postings(self.searcher, field, text, self.memo)
        out = np.zeros(self.size)
        if not len(ids):
            return out
        schema = self.searcher.schema
        if not schema[field].scorable:
            scores = tf
        else:
            btext = schema[field].to_bytes(text) if not isinstance(text, bytes) else text
            idf = robertson_idf(self.searcher.doc_frequency(field, btext),
                                self.searcher.doc_count_all())
            avgfl = self.searcher.avg_field_length(field) or 1
            B = self.weighting._field_B.get(field, self.weighting.B)
            K1 = self.weighting.K1
            fl = self.lengths(field)[ids]
            scores = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
        if boost != 1.0:
            scores = scores * boost
        out[ids] = scores
        return out

    def node(self, q, need_mask: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """(scores, matches) of a query part; `matches` is None when scores > 0 says it."""
        if isinstance(q, Weighted):
            return self.node(q.child, need_mask)
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text, q.boost), None
        if isinstance(q, wq.Phrase):
            scores = np.zeros(self.size)
            for word in q.words:
                scores += self.term(q.fieldname, word, 1.0)
            if q.boost != 1.0:
                scores *= q.boost
            if not need_mask:
                return scores, None
            mask = _phrase_mask(self.searcher, q, self.size, self.memo)
            return scores * mask, mask
        if isinstance(q, wq.AndNot):
            scores, mask = self.node(q.a, True)
            mask = _mask(scores, mask) & ~self._mask(q.b)
            return scores * mask, mask
        if isinstance(q, wq.AndMaybe):
            scores, mask = self.node(q.a, need_mask)
            extra, extra_mask = self.node(q.b, True)
            base = _mask(scores, mask)
            return scores + extra * base, mask if mask is not None else base
        if isinstance(q, wq.And):
            scores = np.zeros(self.size)
            mask = np.ones(self.size, dtype=bool) if need_mask else None
            for child in q.subqueries:
                if isinstance(child, wq.Not):
                    if need_mask:
                        mask &= ~self._mask(child.query)
                    continue
                s, m = self.node(child, need_mask)
                scores += s
                if need_mask:
                    mask &= _mask(s, m)
            return (scores * mask, mask) if need_mask else (scores, None)
        if isinstance(q, wq.Or) and not getattr(q, "minmatch", 0):
            scores = np.zeros(self.size)
            mask = np.zeros(self.size, dtype=bool)
            for child in q.subqueries:
                s, m = self.node(child, True)
                scores += s
                mask |= _mask(s, m)
            return scores, mask
        raise Unsupported(type(q).__name__)

    def _mask(self, q) -> np.ndarray:
        scores, mask = self.node(q, True)
        return _mask(scores, mask)


def _mask(scores: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    return mask if mask is not None else scores > 0


def supported(q) -> bool:
    """Whether `rank` can score this query (without running it)."""
    if isinstance(q, Weighted):
        return supported(q.child)
    if isinstance(q, (wq.Term, wq.Phrase)):
        return True
    if isinstance(q, wq.Not):
        return supported(q.query)
    if isinstance(q, (wq.AndNot, wq.AndMaybe)):
        return supported(q.a) and supported(q.b)
    if isinstance(q, wq.Or) and getattr(q, "minmatch", 0):
        return False
    if isinstance(q, (wq.And, wq.Or)):
        return all(supported(c) for c in q.subqueries)
    return False


def rank(searcher, q, final, lengths, memo: dict | None = None
         ) -> tuple[np.ndarray, np.ndarray] | None:
    """The matched articles best first: (document numbers, scores), or None if unsupported.

    `final` is the set of document numbers the query matched (after filters); equal
    scores are ordered by document number, as Whoosh orders them. `lengths(field)`
    returns every document's length of a field (`segment_lengths` of each segment, cached
    by the caller).
    """
    weighting = q.weighting if isinstance(q, Weighted) else None
    if not isinstance(weighting, RobertsonBM25) or not supported(q):
        return None
    docs = (final if isinstance(final, np.ndarray) else getattr(final, "ids", None))
    if docs is None:
        docs = np.fromiter(final, dtype=np.int64, count=len(final))
    if not len(docs):
        return docs, np.zeros(0)
    try:
        scores, _ = _Scorer(searcher, weighting, lengths, memo).node(q, False)
    except Unsupported:
        return None
    mine = scores[docs]
    order = np.lexsort((docs, -mine))
    return docs[order], mine[order]


__all__ = ["segment_lengths", "matches", "postings", "rank", "supported"]
