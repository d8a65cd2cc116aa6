"""Exact and near duplicates: the same story in several versions gets one cluster key.

At index time every article gets a fingerprint: a digest of its normalised
text and a MinHash signature over its word shingles, cut into bands. An article
whose band matches an earlier article's (and whose estimated Jaccard similarity
is at least `THRESHOLD`) joins that article's cluster; an article with the same
digest always joins. The index stores the cluster key with each article, so
grouping search results by story costs one dict pass.

Fingerprints are plain data (`Fingerprint`), computed wherever the text is at
hand: the indexer computes them in its extraction worker processes, so the one
process that writes the index only looks them up. The lookup table
(`StoryTable`) is a small SQLite file beside the index: digest and band keys
of every article written, with its cluster key and signature. It is derived
data, rebuilt with the index, and stale rows (of deleted articles) only name a
cluster key, which is a label.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import re
import sqlite3
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

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
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier combining the words of a shingle
_WORD = re.compile(r"\w+")


_COMBINING: dict[int, None] | None = None


def _combining() -> dict[int, None]:
    """A str.translate table deleting every combining character (built once, about 0.2 s)."""
    global _COMBINING
    if _COMBINING is None:
        _COMBINING = {cp: None for cp in range(0x110000) if unicodedata.combining(chr(cp))}
    return _COMBINING


def normalise(text: str) -> str:
    """Lower-cased words of a text, accents and punctuation dropped, single-spaced."""
    text = text.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).translate(_combining())
    return " ".join(_WORD.findall(text))


def story_text(title: str, body: str) -> str:
    """What two versions of a story must share: the body, or the title when there is none."""
    return normalise(body) or normalise(title)


CHUNK = 1 << 15  # shingle hashes permuted at a time (a CHUNK x PERMUTATIONS array, 16 MB)


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature of a normalised text (None when it is too short to compare).

    Linear in the text, in bounded memory: the shingle hashes are permuted a
    chunk at a time, keeping the running minimum (a repeated shingle changes no
    minimum, so they need no de-duplication).
    """
    words = text.split()
    if len(words) < MIN_WORDS:
        return None
    # Each distinct word hashed once; a shingle's hash combines its words' hashes (mod 2**64).
    crc = {w: zlib.crc32(w.encode("utf-8")) for w in dict.fromkeys(words)}
    word_hashes = np.fromiter(map(crc.__getitem__, words), dtype=np.uint64, count=len(words))
    n = len(words) - SHINGLE + 1
    hashes = np.zeros(n, dtype=np.uint64)
    for i in range(SHINGLE):
        hashes = hashes * _MIX + word_hashes[i:i + n]
    low = np.full(PERMUTATIONS, np.iinfo(np.uint64).max, dtype=np.uint64)
    for at in range(0, n, CHUNK):
        values = hashes[at:at + CHUNK, None] * _A[None, :]  # wraps mod 2**64
        values += _B[None, :]
        values >>= _SHIFT
        np.minimum(low, values.min(axis=0), out=low)
    return low.astype(np.uint32)


def _int64(raw: bytes) -> int:
    return int.from_bytes(raw, "little", signed=True)


def band_keys(sig: np.ndarray) -> list[int]:
    """One 64-bit key per band of the signature (looked up to find candidates)."""
    return [_int64(hashlib.blake2b(bytes([b]) + sig[b * ROWS:(b + 1) * ROWS].tobytes(),
                                   digest_size=8).digest())
            for b in range(BANDS)]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


@dataclass(frozen=True)
class Fingerprint:
    """What the story clustering needs of one article (picklable, about 400 bytes)."""

    digest: int  # of the normalised story text; equal digests are the same text
    signature: bytes | None  # MinHash values (uint32), None for texts under MIN_WORDS words
    bands: tuple[int, ...]

    def values(self) -> np.ndarray | None:
        return None if self.signature is None else np.frombuffer(self.signature, np.uint32)


def fingerprint(title: str, body: str) -> Fingerprint | None:
    """The fingerprint of an article's story text; None when it has no text at all."""
    text = story_text(title, body)
    if not text:
        return None
    digest = _int64(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest())
    sig = signature(text)
    if sig is None:
        return Fingerprint(digest, None, ())
    return Fingerprint(digest, sig.tobytes(), tuple(band_keys(sig)))


TABLE_FILE = "stories.sqlite"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS prints (ref INTEGER PRIMARY KEY, story TEXT NOT NULL, "
    "digest INTEGER NOT NULL, sig BLOB)",
    "CREATE INDEX IF NOT EXISTS prints_digest ON prints (digest)",
    "CREATE TABLE IF NOT EXISTS bands (band INTEGER NOT NULL, ref INTEGER NOT NULL, "
    "PRIMARY KEY (band, ref)) WITHOUT ROWID",
)
MAX_CANDIDATES = 50


def first_similar(candidates, fp: Fingerprint) -> str | None:
    """The key of the first (story, signature bytes) candidate similar enough to `fp`."""
    mine = fp.values()
    for story, sig in candidates:
        if sig is not None and similarity(np.frombuffer(sig, np.uint32), mine) >= THRESHOLD:
            return story
    return None


class StoryTable:
    """Cluster keys by fingerprint, in SQLite; one writer (the archive lock holder) at a time.

    `bulk=True` is for a new index that is thrown away if the build fails: no
    journal and no syncs until `commit()`.
    """

    def __init__(self, path: Path | str = ":memory:", bulk: bool = False):
        self.path = path
        self._conn = sqlite3.connect(str(path), timeout=30, isolation_level="DEFERRED")
        if bulk:
            self._conn.execute("PRAGMA journal_mode=OFF")
            self._conn.execute("PRAGMA synchronous=OFF")
        self._conn.execute("PRAGMA cache_size=-65536")  # 64 MB of pages
        for statement in _SCHEMA:
            self._conn.execute(statement)

    def assign(self, article_id: str, fp: Fingerprint | None) -> str:
        """The cluster key of an article (an earlier article's key, or its own id)."""
        if fp is None:  # no text: a story of its own
            return article_id
        with _disk_errors():
            return self._assign(article_id, fp)

    def _assign(self, article_id: str, fp: Fingerprint) -> str:
        key = self._find(fp) or article_id
        self._insert(key, fp)
        return key

    def find(self, fp: Fingerprint) -> str | None:
        """The cluster key of an earlier article this one is a version of, if any."""
        with _disk_errors():
            return self._find(fp)

    def insert(self, key: str, fp: Fingerprint) -> None:
        """Record an article's fingerprint under its cluster key."""
        with _disk_errors():
            self._insert(key, fp)

    def _find(self, fp: Fingerprint) -> str | None:
        conn = self._conn
        row = conn.execute("SELECT story FROM prints WHERE digest = ? ORDER BY ref LIMIT 1",
                           (fp.digest,)).fetchone()
        if row:
            return row[0]
        if fp.signature is None:
            return None
        marks = ",".join("?" * len(fp.bands))
        rows = conn.execute(
            "SELECT p.story, p.sig FROM prints p WHERE p.ref IN (SELECT DISTINCT ref FROM "
            f"bands WHERE band IN ({marks})) ORDER BY p.ref LIMIT {MAX_CANDIDATES}",
            fp.bands).fetchall()
        return first_similar(rows, fp)

    def _insert(self, key: str, fp: Fingerprint) -> None:
        conn = self._conn
        ref = conn.execute("INSERT INTO prints (story, digest, sig) VALUES (?, ?, ?)",
                           (key, fp.digest, fp.signature)).lastrowid
        if fp.bands:
            conn.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)",
                             [(band, ref) for band in fp.bands])

    def commit(self) -> None:
        with _disk_errors():
            self._conn.commit()

    def close(self) -> None:
        self._conn.close()


@contextlib.contextmanager
def _disk_errors():
    """SQLite's "disk is full" and I/O errors as OSError, which the writer reports as such."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "full" in text:
            raise OSError(errno.ENOSPC, f"story table: {exc}") from None
        if "i/o" in text or "readonly" in text or "read-only" in text:
            raise OSError(errno.EIO, f"story table: {exc}") from None
        raise


class Clusterer:
    """Assigns cluster keys to articles as they are written, earliest writer's key winning."""

    def __init__(self, table: StoryTable | None = None):
        self.table = table or StoryTable()

    def assign(self, article_id: str, title: str, body: str,
               fp: Fingerprint | None = None) -> str:
        """The cluster key for an article (its fingerprint is computed when not given)."""
        if fp is None:
            fp = fingerprint(title, body)
        return self.table.assign(article_id, fp)


__all__ = ["Clusterer", "Fingerprint", "StoryTable", "TABLE_FILE", "fingerprint", "normalise",
           "first_similar", "MAX_CANDIDATES",
           "story_text", "signature", "band_keys", "similarity", "THRESHOLD"]
