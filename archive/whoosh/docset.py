"""A set of document numbers kept as numpy arrays, for the whole of one search.

A search intersects the matched set with filter sets, counts facets over it,
builds the date histogram from it and ranks it. With Python sets each of those
steps builds or walks a set element by element; at a million articles a common
word matches hundreds of thousands of them and that alone costs tens of
milliseconds a step. A DocSet is a boolean mask over the document numbers of
one index state, or the sorted numbers themselves (whichever it was made from;
the other form is computed once, when asked for), so the set operations are
array operations.

It is a whoosh `DocIdSet`, so it can be passed as Whoosh's `filter=` where a
query is still ranked by Whoosh; membership and iteration behave like a set.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np
from whoosh.idsets import DocIdSet


class DocSet(DocIdSet):
    """Document numbers of one index state (all below `size`)."""

    __slots__ = ("size", "_mask", "_ids", "_len")

    def __init__(self, size: int, mask: np.ndarray | None = None, ids: np.ndarray | None = None):
        if (mask is None) == (ids is None):
            raise ValueError("a DocSet is made from a mask or from document numbers")
        self.size = int(size)
        self._mask = mask
        self._ids = ids
        self._len = None

    # -- making ----------------------------------------------------------------
    @classmethod
    def from_mask(cls, mask: np.ndarray) -> "DocSet":
        return cls(len(mask), mask=np.asarray(mask, dtype=bool))

    @classmethod
    def from_ids(cls, ids, size: int) -> "DocSet":
        """From document numbers in any order, repeats allowed."""
        arr = np.asarray(ids, dtype=np.int64)
        if len(arr) > 1 and not bool(np.all(arr[1:] > arr[:-1])):
            arr = np.unique(arr)
        return cls(size, ids=arr)

    @classmethod
    def of(cls, docs, size: int) -> "DocSet":
        """`docs` (a DocSet, a mask, an array or any iterable of numbers) as a DocSet."""
        if isinstance(docs, DocSet):
            return docs
        if isinstance(docs, np.ndarray):
            return cls.from_mask(docs) if docs.dtype == bool else cls.from_ids(docs, size)
        return cls.from_ids(np.fromiter(docs, dtype=np.int64), size)

    # -- the two forms -----------------------------------------------------------
    @property
    def mask(self) -> np.ndarray:
        """True at each member's number (do not modify)."""
        if self._mask is None:
            mask = np.zeros(self.size, dtype=bool)
            mask[self._ids] = True
            self._mask = mask
        return self._mask

    @property
    def ids(self) -> np.ndarray:
        """The members, ascending (do not modify)."""
        if self._ids is None:
            self._ids = np.flatnonzero(self._mask)
        return self._ids

    # -- set operations ----------------------------------------------------------
    def _other_mask(self, other) -> np.ndarray:
        return DocSet.of(other, self.size).mask

    def __and__(self, other) -> "DocSet":
        if isinstance(other, DocSet) and self._mask is None and other._mask is None:
            return DocSet(self.size, ids=np.intersect1d(self._ids, other._ids,
                                                        assume_unique=True))
        if self._mask is None and isinstance(other, DocSet):  # few numbers, look them up
            return DocSet(self.size, ids=self._ids[other.mask[self._ids]])
        if isinstance(other, DocSet) and other._mask is None:
            return DocSet(self.size, ids=other._ids[self.mask[other._ids]])
        return DocSet(self.size, mask=self.mask & self._other_mask(other))

    def __or__(self, other) -> "DocSet":
        return DocSet(self.size, mask=self.mask | self._other_mask(other))

    def __sub__(self, other) -> "DocSet":
        return DocSet(self.size, mask=self.mask & ~self._other_mask(other))

    def difference(self, *others) -> "DocSet":
        out = self
        for other in others:
            out = out - other
        return out

    # -- a set's behaviour -------------------------------------------------------
    def __len__(self) -> int:
        if self._len is None:
            self._len = (len(self._ids) if self._ids is not None
                         else int(np.count_nonzero(self._mask)))
        return self._len

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids.tolist())

    def __contains__(self, docnum) -> bool:
        try:
            d = int(docnum)
        except (TypeError, ValueError):
            return False
        return 0 <= d < self.size and bool(self.mask[d])

    def __eq__(self, other) -> bool:
        if isinstance(other, DocSet):
            return np.array_equal(self.ids, other.ids)
        if isinstance(other, (set, frozenset)):
            return len(other) == len(self) and all(d in self for d in other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  (mutable-looking, like set)

    def __repr__(self) -> str:
        return f"DocSet({len(self)} of {self.size})"

    # the rest of whoosh's DocIdSet interface (its collectors only test membership)
    def first(self) -> int:
        return int(self.ids[0])

    def last(self) -> int:
        return int(self.ids[-1])

    def copy(self) -> "DocSet":
        return self

    def union(self, other) -> "DocSet":
        return self | other

    def intersection(self, other) -> "DocSet":
        return self & other


def union_all(parts: Iterable["DocSet"], size: int) -> "DocSet":
    """The union of DocSets (empty for none)."""
    mask = np.zeros(size, dtype=bool)
    for part in parts:
        if part._mask is None:
            mask[part._ids] = True
        else:
            mask |= part._mask
    return DocSet(size, mask=mask)


__all__ = ["DocSet", "union_all"]
