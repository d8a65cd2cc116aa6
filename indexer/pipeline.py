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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from archive import Archive, Article, CorpusError
from archive.dedup import fingerprint
from archive.errors import ArchiveError
from indexer.banner import remove_banner_text
from indexer.cache import CACHE_FILE, ExtractionCache
from indexer.corpus import (MAX_FILE_BYTES, CorpusFile, Skipped, entered_archive, iter_corpus,
                            read_corpus_bytes, read_sidecar, relative_name, remove_temp_files,
                            store_in_corpus, write_sidecar)
from indexer.corrections import apply_corrections
from indexer.draft import Draft, ExtractionError, FileWarning, NoArticleText, RecordError
from indexer.formats import detect_format, read_file_bytes, reader_for
from indexer.language import detect_language
from indexer.outlets import canonical_outlet
from indexer.text import parse_header_date
from indexer.workers import FILE_SECONDS, Failure, WorkerPool

_WORD = re.compile(r"\w+")
# One article (a text or HTML file) larger than this is not news copy; extracting
# 200 MB of text takes about a minute and 3.5 GB here, so such a file is refused.
MAX_ARTICLE_BYTES = 64 * 1024 * 1024
SINGLE_ARTICLE_FORMATS = ("html", "text")


def display_name(name: str) -> str:
    """A file name that prints anywhere: bytes that are not UTF-8 shown as \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def name_problem(name: str) -> str | None:
    """Why a corpus name cannot be stored in the index, or None when it can."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8; rename the file"
    return None


def article_id(relpath: str, item: str | None) -> str:
    """A stable id from the file's corpus path and the article's key inside the file."""
    key = relpath if item is None else f"{relpath}#{item}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class Problem:
    where: str  # file (and record) the problem is about
    reason: str

    def __str__(self) -> str:  # one line, whatever a library put in its message
        return f"{' '.join(self.where.split())}: {' '.join(self.reason.split())}"


@dataclass
class FileResult:
    relpath: str
    sha256: str | None
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    failed: bool = False  # the whole file could not be used
    skipped: list[Problem] = field(default_factory=list)  # no text: empty records, link pages
    warnings: list[Problem] = field(default_factory=list)  # indexed, but cut short
    fmt: str | None = None
    fresh: list | None = None  # drafts extracted now (not from the cache), to be cached
    # Story fingerprints of `articles`, in order, computed in the worker (archive.dedup).
    prints: list = field(default_factory=list)


@dataclass
class Report:
    """What a build or an add did; the CLI prints it and exits non-zero on failures."""

    files: int = 0
    indexed: int = 0
    duplicates: list[str] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # indexed, but the file was cut short
    added_files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    outcomes: list["Outcome"] = field(default_factory=list)  # one per input of an `add`

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict:
        return {"files": self.files, "indexed": self.indexed,
                "duplicates": len(self.duplicates), "skipped": len(self.skipped),
                "failed": len(self.failed), "seconds": round(self.seconds, 2),
                "failures": [str(p) for p in self.failed],
                "skips": [str(p) for p in self.skipped],
                "warnings": [str(p) for p in self.warnings],
                "added_files": self.added_files}

    def summary(self) -> str:
        warned = f", {len(self.warnings)} with warnings" if self.warnings else ""
        return (f"indexed {self.indexed} articles from {self.files} files; "
                f"{len(self.duplicates)} duplicates, {len(self.skipped)} skipped, "
                f"{len(self.failed)} failed{warned}, {self.seconds:.1f} s")


@dataclass(frozen=True)
class Upload:
    """Bytes to add under a file name (an upload, a pasted text, a fetched page) instead of a path."""

    name: str  # the file name to store it under; see indexer.corpus.clean_file_name
    data: bytes
    label: str = ""  # how reports name it

    def __str__(self) -> str:
        return self.label or self.name


@dataclass
class Outcome:
    """What `add` did with one input: added (its articles), duplicate (of which ids), failed."""

    source: str
    status: str  # "added", "duplicate", "failed" or "skipped"
    relpath: str | None = None
    articles: list[Article] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)  # ids of the same bytes already indexed
    reasons: list[str] = field(default_factory=list)


def override_problem(meta: dict[str, str]) -> tuple[str, str] | None:
    """(field, reason) when a given date or URL cannot be used (the checks of `add`), else None."""
    date, url = meta.get("date"), meta.get("url")
    if date and parse_header_date(date)[0] is None:
        return "date", f"{date!r} is not a past date as YYYY-MM-DD, YYYY-MM or YYYY"
    if url and not url.lower().startswith(("http://", "https://")):
        return "url", f"{url!r} is not an http(s) URL"
    return None


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


def iter_inputs(paths: Iterable[Path]) -> Iterator[tuple[Path, str] | Problem]:
    """Files named on the command line, folders walked; yields (file, folder-relative name)."""
    for path in paths:
        if isinstance(path, Upload):
            yield path, path.name
            continue
        path = Path(path)
        if path.is_dir():
            base = path.resolve()
            for entry in iter_corpus(base):
                if isinstance(entry, Skipped):
                    yield Problem(f"{path}/{entry.relpath}", entry.reason)
                else:
                    yield entry.path, f"{base.name}/{entry.relpath}"
        elif path.is_file():
            yield path, path.name
        elif not path.exists():
            yield Problem(str(path), "no such file or folder")
        else:
            yield Problem(str(path), "not a regular file")


def add(archive: Archive, corpus: Path, paths: Iterable[Path | Upload],
        meta: dict[str, str] | None = None,
        progress: Callable[[int, int], None] | None = None,
        on_wait: Callable[[str], None] | None = None, lock_wait: float = 120.0,
        file_seconds: float | None = FILE_SECONDS) -> Report:
    """Copy new files into the corpus and index them; searchable when this returns.

    A file is extracted before it is copied, so a bad file never enters the
    corpus. A file whose bytes are already in the archive is a duplicate.
    Extraction runs in a worker process within `file_seconds` per file.
    `paths` may hold `Upload`s (bytes and a name), which the web app adds the same way.
    """
    started = time.perf_counter()
    report = Report()
    meta = {k: v for k, v in (meta or {}).items() if v}
    corpus = corpus.resolve()
    corpus.mkdir(parents=True, exist_ok=True)
    inputs = list(iter_inputs(paths))
    lock = archive.lock()
    lock.acquire(wait=lock_wait, on_wait=on_wait)
    try:
        for rel in remove_temp_files(corpus):
            report.skipped.append(Problem(rel, "half-written copy left by an interrupted add; "
                                               "removed"))
        seen: dict[str, str] = {}
        with WorkerPool(_extract_job, 1, file_seconds, warm_up=warm_up) as pool, \
                archive.update() as sink:
            for n, entry in enumerate(inputs, start=1):
                if progress:
                    progress(n, len(inputs))
                if isinstance(entry, Problem):
                    report.skipped.append(entry)
                    report.outcomes.append(Outcome(entry.where, "skipped",
                                                   reasons=[entry.reason]))
                    continue
                outcome = Outcome(str(entry[0]), "failed")
                report.outcomes.append(outcome)
                _add_one(archive, corpus, entry, meta, report, seen, sink, pool, outcome)
    finally:
        lock.release()
    report.seconds = time.perf_counter() - started
    return report


def _extract_job(job: tuple) -> FileResult:
    return extract_bytes(*job)


def _add_one(archive, corpus, entry, meta, report, seen, sink, pool=None,
             outcome: Outcome | None = None) -> None:
    outcome = outcome or Outcome(str(entry[0]), "failed")
    problems_before = len(report.failed)

    def failed() -> None:
        outcome.reasons.extend(p.reason for p in report.failed[problems_before:])

    source, name = entry
    fmt = detect_format(name)
    if fmt is None:
        report.skipped.append(Problem(str(source), "not an article file type"))
        outcome.status, outcome.reasons = "skipped", ["not an article file type"]
        return
    report.files += 1
    if name_problem(str(source)):
        report.failed.append(Problem(display_name(str(source)), name_problem(str(source))))
        return failed()
    if isinstance(source, Upload):
        data = source.data
        if len(data) > MAX_FILE_BYTES:
            report.failed.append(Problem(str(source), f"file is {len(data) // 2**20} MB; the "
                                                      f"limit is {MAX_FILE_BYTES // 2**20} MB"))
            return failed()
    else:
        try:
            data = read_corpus_bytes(source, str(source))
        except CorpusError as exc:
            report.failed.append(Problem(str(source), str(exc)))
            return failed()
    sha = hashlib.sha256(data).hexdigest()
    existing = archive.ids_for_sha256(sha)
    if existing or sha in seen:
        report.duplicates.append(f"{source}: already in the archive")
        outcome.status, outcome.existing = "duplicate", list(existing)
        return
    inside = not isinstance(source, Upload) and source.resolve().is_relative_to(corpus)
    relpath = relative_name(source.resolve(), corpus) if inside else None
    folder = "" if "/" not in name else name.rsplit("/", 1)[0]
    job = (data, relpath or name, fmt, meta)
    result = extract_bytes(*job) if pool is None else list(pool.map([job]))[0]
    if isinstance(result, Failure):
        result = FileResult(name, None, problems=[Problem(str(source), result.reason)],
                            failed=True)
    if result.failed or not result.articles:  # nothing to add: the file is not copied
        report.failed.extend(Problem(str(source), p.reason) for p in result.problems)
        skipped = [Problem(str(source) + p.where[len(job[1]):], p.reason)
                   for p in result.skipped]
        report.skipped.extend(skipped)
        if skipped and not result.failed and not result.problems:  # no text: not a failure
            outcome.status, outcome.reasons = "skipped", [p.reason for p in skipped]
            return
        return failed()
    if relpath is None:
        try:
            relpath = store_in_corpus(data, name.rsplit("/", 1)[-1], corpus, folder)
        except (CorpusError, OSError) as exc:
            report.failed.append(Problem(str(source), f"cannot copy into the corpus ({exc})"))
            return failed()
        report.added_files.append(relpath)
    if meta:
        write_sidecar(corpus, relpath, meta)
    report.failed.extend(result.problems)
    report.skipped.extend(result.skipped)
    report.warnings.extend(Problem(str(source), p.reason) for p in result.warnings)
    seen[sha] = relpath
    sink.delete_path(relpath)
    added = entered_archive(corpus.joinpath(relpath))
    outcome.status, outcome.relpath = "added", relpath
    outcome.reasons.extend(p.reason for p in result.problems)
    for article, fp in zip(result.articles, result.prints):
        # Extracted before it had its corpus name and its time of entry.
        article = article.replace(path=relpath, id=article_id(relpath, article.item), added=added)
        sink.add(article, fp)
        outcome.articles.append(article)
        report.indexed += 1


def extract_paths(paths: Iterable[Path], corpus: Path | None = None
                  ) -> Iterator[FileResult | Problem]:
    """Extract files without changing anything (for `manage.py extract`)."""
    for entry in iter_inputs(paths):
        if isinstance(entry, Problem):
            yield entry
            continue
        source, name = entry
        fmt = detect_format(name)
        try:
            data = read_corpus_bytes(source, str(source))
        except CorpusError as exc:
            yield FileResult(str(source), None, problems=[Problem(str(source), str(exc))],
                             failed=True)
            continue
        rel = str(source)
        if corpus is not None and source.resolve().is_relative_to(corpus.resolve()):
            rel = relative_name(source.resolve(), corpus.resolve())
        meta = read_sidecar(source) if corpus is not None else {}
        yield extract_bytes(data, rel, fmt, meta)


__all__ = ["Report", "Problem", "FileResult", "Upload", "Outcome", "override_problem", "rebuild",
           "add", "extract_paths", "article_id",
           "finish", "extract_bytes", "ArchiveError"]
