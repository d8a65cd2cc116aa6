"""Files from outside the corpus: `add` (extract, copy in, index; searchable on return), `extract`.

One core function for the command line (`manage.py add`) and the web app's Add page:
the same checks, the same duplicate rule, the same corpus layout and sidecar metadata.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from archive import Archive, CorpusError
from indexer.corpus import (MAX_FILE_BYTES, Skipped, entered_archive, iter_corpus,
                            read_corpus_bytes, read_sidecar, relative_name, remove_temp_files,
                            store_in_corpus, write_sidecar)
from indexer.formats import detect_format
from indexer.pipeline import article_id, extract_bytes, warm_up
from indexer.report import FileResult, Outcome, Problem, Report, Upload, display_name, name_problem
from indexer.text import parse_header_date
from indexer.workers import FILE_SECONDS, Failure, WorkerPool


def override_problem(meta: dict[str, str]) -> tuple[str, str] | None:
    """(field, reason) when a given date or URL cannot be used (the checks of `add`), else None."""
    date, url = meta.get("date"), meta.get("url")
    if date and parse_header_date(date)[0] is None:
        return "date", f"{date!r} is not a past date as YYYY-MM-DD, YYYY-MM or YYYY"
    if url and not url.lower().startswith(("http://", "https://")):
        return "url", f"{url!r} is not an http(s) URL"
    return None


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
    outcome.warnings.extend(p.reason for p in result.warnings)
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


__all__ = ["add", "extract_paths", "iter_inputs", "override_problem"]
