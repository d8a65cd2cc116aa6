"""The ingest pipeline: corpus files -> drafts -> Articles -> the archive, with a report.

Extraction runs in worker processes; the main process is the only writer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import os
import re
import time
from pathlib import Path
from typing import Callable, Iterator

from archive import Archive, Article, CorpusError
from archive.dedup import fingerprint
from archive.errors import ArchiveError
from indexer.banner import remove_banner_text
from indexer.cache import CACHE_FILE, ExtractionCache
from indexer.corpus import (CorpusFile, Skipped, entered_archive, iter_corpus, read_corpus_bytes,
                            read_sidecar)
from indexer.corrections import apply_corrections
from indexer.draft import Draft, ExtractionError, FileWarning, NoArticleText, RecordError
from indexer.formats import read_file_bytes, reader_for
from indexer.language import detect_language
from indexer.outlets import canonical_outlet
from indexer.text import parse_header_date
from indexer.report import FileResult, Problem, Report, display_name, name_problem
from indexer.workers import FILE_SECONDS, Failure, WorkerPool

_WORD = re.compile(r"\w+")
# One article (a text or HTML file) larger than this is not news copy; extracting
# 200 MB of text takes about a minute and 3.5 GB here, so such a file is refused.
MAX_ARTICLE_BYTES = 64 * 1024 * 1024
SINGLE_ARTICLE_FORMATS = ("html", "text")


def article_id(relpath: str, item: str | None) -> str:
    """A stable id from the file's corpus path and the article's key inside the file."""
    key = relpath if item is None else f"{relpath}#{item}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _apply_overrides(draft: Draft, meta: dict[str, str], where: str) -> None:
    if meta.get("title"):
        draft.title = meta["title"]
    if meta.get("outlet"):
        draft.outlet, draft.outlet_source = canonical_outlet(meta["outlet"]), "given"
    if meta.get("url"):
        draft.url = meta["url"]
    if meta.get("date"):
        published, precision = parse_header_date(meta["date"])
        if published is None:
            raise ExtractionError(f"the given date {meta['date']!r} is not a usable date")
        draft.published, draft.date_precision, draft.date_source = published, precision, "given"
        draft.date_confidence = None  # the date was given, not weighed


def finish(draft: Draft, relpath: str, sha256: str, fmt: str,
           added: dt.datetime | None = None) -> Article:
    """Turn a draft into an Article: identity, tidy text, language, word count."""
    body = remove_banner_text(draft.body.strip(), draft.age_banner).strip()
    title = " ".join((draft.title or "").split())
    if draft.age_banner and title and title.lower().startswith(draft.age_banner.text.lower()):
        title = title[len(draft.age_banner.text):].strip(" .:-—")
    if not body and not title:
        raise NoArticleText("nothing but the age banner")
    if not title:
        title = " ".join(body.split()[:12]) + ("…" if len(body.split()) > 12 else "")
    if draft.published and (draft.published.year < 1800 or draft.published > dt.date.today()):
        draft.published = draft.date_precision = draft.date_source = None
    language = draft.language or detect_language(body or title)  # set by _read_drafts
    authors = tuple(dict.fromkeys(a.strip() for a in draft.authors if a and a.strip()))
    return Article(
        id=article_id(relpath, draft.item), path=relpath, sha256=sha256, format=fmt,
        title=title, body=body, item=draft.item, authors=authors,
        outlet=canonical_outlet(draft.outlet) if draft.outlet else None,
        outlet_source=draft.outlet_source if draft.outlet else None,
        published=draft.published, date_precision=draft.date_precision if draft.published else None,
        date_source=draft.date_source if draft.published else None,
        date_confidence=draft.date_confidence if draft.published else None,
        date_candidates=tuple(draft.date_candidates),
        url=draft.url or None, language=language, age_banner=draft.age_banner,
        dateline=draft.dateline, agency=draft.agency, source_id=draft.source_id,
        topics=tuple(draft.topics), places=tuple(draft.places), people=tuple(draft.people),
        orgs=tuple(draft.orgs), exchanges=tuple(draft.exchanges),
        word_count=sum(1 for w in body.split() if _WORD.search(w)), added=added)


def _read_drafts(data: bytes, relpath: str, fmt: str) -> list[Draft | RecordError | FileWarning]:
    drafts = read_file_bytes(data, relpath, fmt)
    for draft in drafts:
        if isinstance(draft, Draft) and not draft.language:
            draft.language = detect_language(draft.body or draft.title)
    return drafts


def extract_bytes(data: bytes, relpath: str, fmt: str, meta: dict[str, str] | None = None,
                  cache: ExtractionCache | None = None,
                  added: dt.datetime | None = None) -> FileResult:
    """Extract every article of one file's bytes; problems are collected, never raised.

    `added` is when the file entered the archive (see indexer.corpus.entered_archive).
    """
    sha = hashlib.sha256(data).hexdigest()
    result = FileResult(relpath, sha, fmt=fmt)
    if fmt in SINGLE_ARTICLE_FORMATS and len(data) > MAX_ARTICLE_BYTES:
        result.failed = True
        result.problems.append(Problem(relpath, f"file is {len(data) // 2**20} MB; one article "
                                                f"is at most {MAX_ARTICLE_BYTES // 2**20} MB"))
        return result
    drafts = cache.get(sha, fmt) if cache is not None else None
    if drafts is None:
        try:
            drafts = _read_drafts(data, relpath, fmt)
            result.fresh = drafts
        except NoArticleText as exc:  # readable, but no text: skipped, not failed
            result.skipped.append(Problem(relpath, str(exc)))
            return result
        except (ExtractionError, CorpusError) as exc:
            result.failed = True
            result.problems.append(Problem(relpath, str(exc)))
            return result
        except RecursionError:
            result.failed = True
            result.problems.append(Problem(relpath, "markup nested too deeply to parse"))
            return result
        except MemoryError:
            result.failed = True
            result.problems.append(Problem(relpath, "ran out of its memory budget"))
            return result
        except Exception as exc:  # an extractor bug must not stop the batch
            result.failed = True
            result.problems.append(Problem(relpath, f"extraction failed ({type(exc).__name__}: "
                                                    f"{exc})"))
            return result
    for draft in drafts:
        if isinstance(draft, FileWarning):
            result.warnings.append(Problem(relpath, draft.reason))
            continue
        if isinstance(draft, RecordError):
            where = Problem(f"{relpath}#{draft.item}", draft.reason)
            (result.skipped if draft.skip else result.problems).append(where)
            continue
        where = relpath if draft.item is None else f"{relpath}#{draft.item}"
        if meta:
            draft = dataclasses.replace(draft)  # cached drafts stay as extracted
        try:
            if meta:
                _apply_overrides(draft, meta, where)
                apply_corrections(draft, meta)
            article = finish(draft, relpath, sha, fmt, added)
        except NoArticleText as exc:
            result.skipped.append(Problem(where, str(exc)))
            continue
        except ExtractionError as exc:
            result.problems.append(Problem(where, str(exc)))
            continue
        result.articles.append(article)
        result.prints.append(fingerprint(article.title, article.body))
    if not result.articles and not result.skipped:
        result.failed = True  # why: its bad records, else the cut that left nothing readable
        result.problems.extend(result.warnings)
        result.warnings = []
        if not result.problems:
            result.problems.append(Problem(relpath, "no article found"))
    return result


_worker_caches: dict[str, ExtractionCache] = {}


def extract_corpus_file(item: CorpusFile, cache_path: str | None = None) -> FileResult:
    """Read and extract one corpus file (runs in a worker process)."""
    cache = None
    if cache_path:
        cache = _worker_caches.get(cache_path)
        if cache is None:
            cache = _worker_caches[cache_path] = ExtractionCache(Path(cache_path))
    bad_name = name_problem(item.relpath)
    if bad_name:
        return FileResult(display_name(item.relpath), None, failed=True,
                          problems=[Problem(display_name(item.relpath), bad_name)])
    try:
        data = read_corpus_bytes(item.path, item.relpath)
        meta = read_sidecar(item.path)
    except CorpusError as exc:
        return FileResult(item.relpath, None, problems=[Problem(item.relpath, str(exc))],
                          failed=True)
    return extract_bytes(data, item.relpath, item.format, meta, cache,
                         entered_archive(item.path))


def warm_up() -> None:
    """Load what extraction loads lazily (readers, language model) before the first file."""
    for fmt in ("html", "text", "reuters-sgml", "jsonl"):
        reader_for(fmt)
    detect_language("The harbour workers ended their strike on Thursday after long talks.")


def _map(func: Callable, items: list[CorpusFile], workers: int,
         seconds: float | None = FILE_SECONDS) -> Iterator[FileResult]:
    """Extract in worker processes, each file under the time budget (see indexer.workers)."""
    with WorkerPool(func, workers, seconds, warm_up=warm_up) as pool:
        for item, result in zip(items, pool.map(items)):
            if isinstance(result, Failure):
                where = display_name(item.relpath)
                result = FileResult(where, None, problems=[Problem(where, result.reason)],
                                    failed=True)
            yield result


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def _record(result: FileResult, report: Report, seen: dict[str, str], sink) -> None:
    """Write one file's articles, unless the same bytes were already indexed."""
    report.files += 1
    if result.sha256 and result.sha256 in seen and result.articles:
        report.duplicates.append(f"{result.relpath}: same content as {seen[result.sha256]}")
        return
    if result.failed:
        report.failed.extend(result.problems)
        report.skipped.extend(result.skipped)
        return
    report.failed.extend(result.problems)  # bad records inside a file that otherwise worked
    report.skipped.extend(result.skipped)
    report.warnings.extend(result.warnings)
    if result.sha256:
        seen[result.sha256] = result.relpath
    for article, fp in zip(result.articles, result.prints):
        sink.add(article, fp)
        report.indexed += 1


def rebuild(archive: Archive, corpus: Path, workers: int | None = None,
            progress: Callable[[int, int], None] | None = None,
            on_wait: Callable[[str], None] | None = None, lock_wait: float = 30.0,
            cache_dir: Path | None = None, file_seconds: float | None = FILE_SECONDS) -> Report:
    """Reindex the whole corpus into a new index that replaces the old one when complete.

    With `cache_dir`, unchanged files are not extracted again (see indexer.cache).
    Each file is extracted in a worker process within `file_seconds`.
    """
    started = time.perf_counter()
    report = Report()
    items: list[CorpusFile] = []
    for entry in iter_corpus(corpus):
        if isinstance(entry, Skipped):
            report.skipped.append(Problem(entry.relpath, entry.reason))
        else:
            items.append(entry)
    workers = workers or default_workers()
    lock = archive.lock()
    lock.acquire(wait=lock_wait, on_wait=on_wait)
    try:
        seen: dict[str, str] = {}
        cache = ExtractionCache(Path(cache_dir) / CACHE_FILE) if cache_dir else None
        extract = functools.partial(extract_corpus_file,
                                    cache_path=str(cache.path) if cache else None)
        fresh: list = []
        fresh_drafts = 0
        with archive.rebuild() as sink:
            for n, result in enumerate(_map(extract, items, workers, file_seconds), start=1):
                _record(result, report, seen, sink)
                if cache is not None and result.fresh is not None:
                    fresh.append((result.sha256, result.fmt, result.fresh))
                    fresh_drafts += len(result.fresh)
                    # Written in batches of files, and of articles: a corpus of large
                    # multi-article files must not be held in memory until the end.
                    if len(fresh) >= 200 or fresh_drafts >= 2000:
                        cache.put_many(fresh)
                        fresh, fresh_drafts = [], 0
                if progress:
                    progress(n, len(items))
        if cache is not None:
            cache.put_many(fresh)
            cache.prune()
            cache.close()
    finally:
        lock.release()
    report.seconds = time.perf_counter() - started
    return report


__all__ = ["rebuild", "article_id", "finish", "extract_bytes", "ArchiveError"]
