"""Exact and near duplicates: the same story in several versions gets one cluster key.

At index time every article gets a MinHash signature over word shingles of its
normalised text; the signature is cut into bands, and an article whose band
matches an earlier article's (and whose estimated Jaccard similarity is at least
`THRESHOLD`) joins that article's cluster. Exact duplicates (same normalised
text) have the same signature, so they always join. The cluster key is stored
in a column so that grouping search results by story costs one dict pass.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from typing import Callable, Iterable

import numpy as np

SHINGLE = 3  # words per shingle
PERMUTATIONS = 64
BANDS = 16  # 16 bands of 4 rows: pairs above ~0.5 Jaccard usually share a band...
ROWS = PERMUTATIONS // BANDS
THRESHOLD = 0.7  # ...and a candidate joins only when the signatures agree this much
MIN_WORDS = 8  # shorter texts (briefs, empty bodies) are grouped only when identical

_rng = np.random.default_rng(20240521)  # fixed: keys must be the same in every process
# Multiply-shift hashing: (a * x + b) mod 2**64, top 32 bits; a odd.
_A = _rng.integers(0, 1 << 63, PERMUTATIONS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _rng.integers(0, 1 << 63, PERMUTATIONS, dtype=np.uint64)
_SHIFT = np.uint64(32)
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Lower-cased words of a text, accents and punctuation dropped, single-spaced."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_WORD.findall(text))


def story_text(title: str, body: str) -> str:
    """What two versions of a story must share: the body, or the title when there is none."""
    return normalise(body) or normalise(title)


def exact_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature of a normalised text (None when it is too short to compare)."""
    words = text.split()
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    hashes = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingles), dtype=np.uint64,
                         count=len(shingles))
    values = (hashes[:, None] * _A[None, :] + _B[None, :]) >> _SHIFT  # wraps mod 2**64
    return values.min(axis=0)


def band_keys(sig: np.ndarray) -> list[str]:
    """One short key per band of the signature (indexed, to find candidates)."""
    keys = []
    for b in range(BANDS):
        chunk = sig[b * ROWS:(b + 1) * ROWS].tobytes()
        keys.append(f"{b:x}{hashlib.blake2b(chunk, digest_size=6).hexdigest()}")
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


class Clusterer:
    """Assigns cluster keys to articles as they are written, earliest writer's key winning.

    `lookup(band_keys)` returns (cluster key, title, body) of already-indexed
    articles sharing a band (the articles of earlier commits); articles written
    in this transaction are remembered here.
    """

    def __init__(self, lookup: Callable[[list[str]], Iterable[tuple[str, str, str]]] | None = None):
        self._lookup = lookup
        self._bands: dict[str, tuple[str, np.ndarray]] = {}
        self._exact: dict[str, str] = {}

    def assign(self, article_id: str, title: str, body: str) -> tuple[str, list[str]]:
        """The cluster key for an article, and the band keys to index with it."""
        text = story_text(title, body)
        if not text:
            return article_id, []
        digest = "x" + exact_digest(text)
        sig = signature(text)
        if sig is None:  # too short for shingles: identical texts only
            key = self._exact.get(digest) or self._known(digest, [digest], None, text)
            key = key or article_id
            self._exact.setdefault(digest, key)
            return key, [digest]
        bands = band_keys(sig)
        key = self._exact.get(digest)
        if key is None:
            for band in bands:
                found = self._bands.get(band)
                if found is not None and similarity(found[1], sig) >= THRESHOLD:
                    key = found[0]
                    break
        if key is None:
            key = self._known(digest, bands, sig, text)
        key = key or article_id
        self._exact.setdefault(digest, key)
        for band in bands:
            self._bands.setdefault(band, (key, sig))
        return key, bands + [digest]

    def _known(self, digest: str, bands: list[str], sig, text: str) -> str | None:
        """The cluster of an article indexed in an earlier commit, if one matches."""
        if self._lookup is None:
            return None
        for key, title, body in self._lookup(bands + [digest]):
            other = story_text(title, body)
            if other == text:
                return key
            if sig is not None:
                other_sig = signature(other)
                if other_sig is not None and similarity(other_sig, sig) >= THRESHOLD:
                    return key
        return None


__all__ = ["Clusterer", "normalise", "story_text", "signature", "band_keys", "similarity",
           "THRESHOLD"]
