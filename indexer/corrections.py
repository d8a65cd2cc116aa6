"""Editors' corrections of an article's metadata, kept in the sidecar next to its corpus file.

A sidecar (`NAME.meta.json`, see indexer.corpus) may hold a `corrections`
object: one entry per article of the file (its item key, or "" for a file that
holds one article), with the corrected fields (title, date, outlet, authors),
who made the correction and when. Extraction applies them after the file's own
`add` options, so a reindex gives the corrected article again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from archive import Article, CorpusError
from indexer.corpus import SIDECAR, read_sidecar, replace_json
from indexer.draft import Draft, ExtractionError
from indexer.text import parse_header_date

FIELDS = ("title", "date", "outlet", "authors")
EDITOR_SOURCE = "editor"  # date_source and outlet_source of a value an editor set
MAX_TITLE = 500
MAX_OUTLET = 200
MAX_AUTHORS = 50
MAX_AUTHOR = 200


@dataclass(frozen=True)
class Correction:
    """Who corrected an article, when, and the fields' old and new values."""

    article_id: str
    path: str
    item: str | None
    by: str
    at: str  # ISO 8601, UTC
    old: dict[str, Any]
    new: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"article_id": self.article_id, "path": self.path, "item": self.item,
                "by": self.by, "at": self.at, "old": self.old, "new": self.new}


def _item_key(item: str | None) -> str:
    return item or ""


def current_values(article: Article) -> dict[str, Any]:
    """The correctable fields of an article as a correction records them."""
    return {"title": article.title,
            "date": article.published.isoformat()[: {"year": 4, "month": 7}.get(
                article.date_precision or "day", 10)] if article.published else "",
            "outlet": article.outlet or "",
            "authors": list(article.authors)}


def clean_values(values: dict[str, Any]) -> dict[str, Any]:
    """Check and tidy submitted values; raises CorpusError naming the field and the reason."""
    out: dict[str, Any] = {}
    for name in FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name == "authors":
            if isinstance(value, str):
                value = value.replace(";", "\n").splitlines()
            authors = [" ".join(str(a).split()) for a in value if str(a).strip()]
            if len(authors) > MAX_AUTHORS or any(len(a) > MAX_AUTHOR for a in authors):
                raise CorpusError(f"authors: at most {MAX_AUTHORS} names of at most "
                                  f"{MAX_AUTHOR} characters")
            out[name] = list(dict.fromkeys(authors))
            continue
        text = " ".join(str(value or "").split())
        if name == "title":
            if not text:
                raise CorpusError("title: an article needs a title")
            if len(text) > MAX_TITLE:
                raise CorpusError(f"title: at most {MAX_TITLE} characters")
        elif name == "outlet" and len(text) > MAX_OUTLET:
            raise CorpusError(f"outlet: at most {MAX_OUTLET} characters")
        elif name == "date" and text and parse_header_date(text)[0] is None:
            raise CorpusError(f"date: {text!r} is not a past date as YYYY-MM-DD, YYYY-MM or "
                              f"YYYY (leave it empty for 'date unknown')")
        out[name] = text
    return out


def apply_corrections(draft: Draft, meta: dict[str, Any]) -> None:
    """Apply the sidecar's corrections for this draft's article (if any) to the draft."""
    corrections = meta.get("corrections")
    if not isinstance(corrections, dict):
        return
    fix = corrections.get(_item_key(draft.item))
    if not isinstance(fix, dict):
        return
    if fix.get("title"):
        draft.title = str(fix["title"])
    if "outlet" in fix:
        outlet = str(fix["outlet"] or "").strip() or None
        draft.outlet, draft.outlet_source = outlet, EDITOR_SOURCE if outlet else None
    if isinstance(fix.get("authors"), list):
        draft.authors = [str(a) for a in fix["authors"]]
    if "date" in fix:
        if fix["date"]:
            published, precision = parse_header_date(str(fix["date"]))
            if published is None:
                raise ExtractionError(f"the corrected date {fix['date']!r} is not a usable date")
            draft.published, draft.date_precision = published, precision
            draft.date_source = EDITOR_SOURCE
        else:
            draft.published = draft.date_precision = draft.date_source = None
        draft.date_confidence = None  # set by a person, not weighed


def sidecar_path(corpus: Path, relpath: str) -> Path:
    path = corpus.joinpath(*PurePosixPath(relpath).parts)
    return path.with_name(path.name + SIDECAR)


def correction_of(corpus: Path, relpath: str, item: str | None) -> dict[str, Any] | None:
    """The correction recorded for one article ({by, at, fields...}), or None."""
    try:
        meta = read_sidecar(corpus.joinpath(*PurePosixPath(relpath).parts))
    except CorpusError:
        return None
    fix = (meta.get("corrections") or {}).get(_item_key(item)) \
        if isinstance(meta.get("corrections"), dict) else None
    return fix if isinstance(fix, dict) else None


def record_correction(corpus: Path, article: Article, values: dict[str, Any],
                      by: str) -> Correction | None:
    """Write the changed fields into the sidecar; None when nothing differs (call under the lock)."""
    old_all = current_values(article)
    changed = {k: v for k, v in clean_values(values).items() if v != old_all.get(k)}
    if not changed:
        return None
    path = corpus.joinpath(*PurePosixPath(article.path).parts)
    meta = read_sidecar(path)
    corrections = dict(meta.get("corrections") or {})
    entry = dict(corrections.get(_item_key(article.item)) or {})
    at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    entry.update(changed, by=by, at=at)
    corrections[_item_key(article.item)] = entry
    meta["corrections"] = corrections
    replace_json(sidecar_path(corpus, article.path), meta)
    return Correction(article.id, article.path, article.item, by, at,
                      {k: old_all[k] for k in changed}, changed)


def restore_sidecar(corpus: Path, relpath: str, meta: dict[str, Any] | None) -> None:
    """Put a sidecar back as it was (None: there was none)."""
    side = sidecar_path(corpus, relpath)
    if meta is None:
        side.unlink(missing_ok=True)
    else:
        replace_json(side, meta)


__all__ = ["Correction", "FIELDS", "apply_corrections", "clean_values", "correction_of",
           "current_values", "record_correction", "restore_sidecar"]
