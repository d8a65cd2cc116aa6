"""Taking an article down and restoring it: the file is kept, never deleted.

A takedown moves the article's corpus file (and its sidecar) into the kept
folder `.taken-down/` inside the corpus, under the same relative path, next to
a record `NAME.takedown.json` (where it was, its sha256, the reason, who and
when), and drops the file's articles from the index in the same step. The kept
folder is hidden, so `reindex` never reads it; `check` lists what it holds.
A restore moves the file back (under a free name if its old one was taken) and
indexes it again. A file that holds several articles (Reuters SGML, JSON Lines,
WARC) is taken down whole.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator

from archive import Archive, Article, CorpusError
from indexer.corpus import SIDECAR, relative_name, replace_json, sha256_file, store_in_corpus
from indexer.edits import extract_file, index_file

KEPT = ".taken-down"
RECORD = ".takedown.json"
REASONS = {"legal": "legal request", "duplicate": "duplicate", "error": "error"}
MAX_NOTE = 1000


@dataclass(frozen=True)
class TakenDown:
    """A file in the kept folder and why it is there."""

    kept: str  # path inside the kept folder
    path: str  # where it was in the corpus
    sha256: str
    reason: str  # a key of REASONS
    note: str
    by: str
    at: str  # ISO 8601, UTC
    articles: list[dict[str, str]] = field(default_factory=list)  # [{id, title}]
    problem: str | None = None  # the kept file is missing or altered

    @property
    def reason_label(self) -> str:
        return REASONS.get(self.reason, self.reason)

    def as_dict(self) -> dict[str, Any]:
        return {"kept": self.kept, "path": self.path, "sha256": self.sha256,
                "reason": self.reason, "reason_label": self.reason_label, "note": self.note,
                "by": self.by, "at": self.at, "articles": self.articles,
                "problem": self.problem}


def kept_folder(corpus: Path) -> Path:
    return Path(corpus).resolve() / KEPT


def _free_name(folder: Path, name: str) -> Path:
    stem, dot, ext = name.partition(".")
    for n in range(1, 10_000):
        candidate = folder / (name if n == 1 else f"{stem}-{n}{dot}{ext}")
        if not candidate.exists() and not candidate.with_name(candidate.name + RECORD).exists():
            return candidate
    raise CorpusError(f"no free name for {name} in {folder}")


def take_down(archive: Archive, corpus: Path, article: Article, reason: str, note: str, by: str,
              lock_wait: float = 30.0,
              on_wait: Callable[[str], None] | None = None) -> TakenDown:
    """Move the article's file into the kept folder with its reason and drop it from the index."""
    if reason not in REASONS:
        raise CorpusError(f"reason: {reason!r} is not one of {', '.join(REASONS)}")
    note = " ".join((note or "").split())[:MAX_NOTE]
    corpus = Path(corpus).resolve()
    lock = archive.lock()
    lock.acquire(wait=lock_wait, on_wait=on_wait)
    try:
        article = archive.get(article.id)
        parts = PurePosixPath(article.path).parts
        source = corpus.joinpath(*parts)
        if not source.is_file():
            raise CorpusError(f"{article.path}: the file is no longer in the corpus")
        folder = kept_folder(corpus).joinpath(*parts[:-1])
        folder.mkdir(parents=True, exist_ok=True)
        target = _free_name(folder, parts[-1])
        record = TakenDown(
            kept=relative_name(target, kept_folder(corpus)), path=article.path,
            sha256=sha256_file(source), reason=reason, note=note, by=by,
            at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            articles=[{"id": article.id, "title": article.title}])
        replace_json(target.with_name(target.name + RECORD), record.as_dict())
        os.rename(source, target)
        side = source.with_name(source.name + SIDECAR)
        if side.exists():
            os.rename(side, target.with_name(target.name + SIDECAR))
        with archive.update() as sink:
            sink.delete_path(article.path)
    finally:
        lock.release()
    return record


def _read_record(record_path: Path, kept_root: Path) -> TakenDown | None:
    try:
        data = json.loads(record_path.read_text(encoding="utf-8"))
        kept_file = record_path.with_name(record_path.name[: -len(RECORD)])
        item = TakenDown(kept=relative_name(kept_file, kept_root), path=str(data["path"]),
                         sha256=str(data.get("sha256", "")), reason=str(data.get("reason", "")),
                         note=str(data.get("note", "")), by=str(data.get("by", "")),
                         at=str(data.get("at", "")), articles=list(data.get("articles") or []))
    except (OSError, ValueError, KeyError, TypeError):
        return TakenDown(kept=relative_name(record_path, kept_root), path="", sha256="",
                         reason="", note="", by="", at="",
                         problem="the takedown record cannot be read")
    if not kept_file.is_file():
        return replace(item, problem="the kept file is missing")
    if item.sha256 and sha256_file(kept_file) != item.sha256:
        return replace(item, problem="the kept file's bytes changed since the takedown")
    return item


def taken_down(corpus: Path) -> Iterator[TakenDown]:
    """Every file in the kept folder, newest takedown first."""
    root = kept_folder(corpus)
    if not root.is_dir():
        return iter(())
    items = [_read_record(p, root) for p in root.rglob("*" + RECORD) if p.is_file()]
    return iter(sorted((i for i in items if i), key=lambda i: i.at, reverse=True))


def find_taken_down(corpus: Path, kept: str) -> TakenDown:
    """The kept file named `kept` (a path inside the kept folder), checked to stay inside it."""
    parts = PurePosixPath(kept).parts
    if not parts or any(p in ("..", "") or "\x00" in p for p in parts) or kept.startswith("/"):
        raise CorpusError(f"{kept!r} is not a file in the kept folder")
    for item in taken_down(corpus):
        if item.kept == kept:
            return item
    raise CorpusError(f"{kept!r} is not a file in the kept folder")


def restore(archive: Archive, corpus: Path, kept: str, lock_wait: float = 30.0,
            on_wait: Callable[[str], None] | None = None) -> tuple[TakenDown, list[Article]]:
    """Move a kept file back into the corpus and index it; (the record, its articles)."""
    corpus = Path(corpus).resolve()
    lock = archive.lock()
    lock.acquire(wait=lock_wait, on_wait=on_wait)
    try:
        item = find_taken_down(corpus, kept)
        if item.problem:
            raise CorpusError(f"{kept}: {item.problem}; restore it by hand")
        source = kept_folder(corpus).joinpath(*PurePosixPath(kept).parts)
        again = archive.ids_for_sha256(item.sha256)
        if again:
            raise CorpusError(f"{kept}: the same file is in the archive again (article "
                              f"{again[0]}); nothing to restore")
        original = PurePosixPath(item.path)
        relpath = store_in_corpus(source.read_bytes(), original.name, corpus,
                                  str(original.parent) if str(original.parent) != "." else "")
        back = corpus.joinpath(*PurePosixPath(relpath).parts)
        side = source.with_name(source.name + SIDECAR)
        if side.exists():
            os.replace(side, back.with_name(back.name + SIDECAR))
        result = extract_file(corpus, relpath)
        articles = index_file(archive, relpath, result) if not result.failed else []
        source.unlink()
        source.with_name(source.name + RECORD).unlink(missing_ok=True)
    finally:
        lock.release()
    return replace(item, path=relpath), articles


__all__ = ["KEPT", "REASONS", "TakenDown", "find_taken_down", "kept_folder", "restore",
           "take_down", "taken_down"]
