"""Compare the corpus with the index: nothing lost, nothing stale, nothing left over.

Kinds of difference, one line each (`kind where: reason`):

- problems (the check fails): `missing` (an article file that is not indexed),
  `stale` (indexed with other bytes than the file now has), `orphaned` (indexed,
  but its file is gone), `unreadable` (a corpus file, or the index itself, cannot
  be read);
- notes (the check still passes): `unindexable` (a file that cannot give an
  article, e.g. a binary file, which `reindex` reports as FAILED, or an empty
  one, which it skips as "no text": either is rightly absent from the index),
  `duplicate` (the same bytes as a file that is indexed, which `reindex` and
  `add` index once), `truncated` (a gzip file cut short, or followed by
  bytes that are not gzip: what could be read is indexed, and `reindex` and
  `add` warn about it too) and `taken-down` (a file an editor took down, kept
  in the corpus's `.taken-down/` folder with its reason; a kept file that is
  missing or altered is `unreadable`).

A multi-article file (Reuters SGML, JSON Lines, WARC) counts as indexed when any
of its articles is, with the file's sha256. `repair` holds the archive lock,
reindexes missing and stale files and removes orphans through the archive's
`update()` writer (or rebuilds everything when the index cannot be read), then
checks again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from archive import Archive, ArchiveError, SearchRequest
from indexer.corpus import CorpusFile, Skipped, iter_corpus, sha256_file
from indexer.decode import gzip_warning
from indexer.formats import COMPRESSED
from indexer.pipeline import _map, extract_corpus_file, rebuild
from indexer.report import FileResult, Report, display_name, name_problem
from indexer.takedown import KEPT, taken_down
from indexer.workers import FILE_SECONDS

PROBLEMS = ("missing", "stale", "orphaned", "unreadable")
NOTES = ("unindexable", "duplicate", "truncated", "taken-down")


@dataclass(frozen=True)
class Difference:
    kind: str  # one of PROBLEMS or NOTES
    where: str  # corpus-relative path, or "index"
    reason: str

    def __str__(self) -> str:
        return f"{self.kind} {self.where}: {self.reason}"

    @property
    def problem(self) -> bool:
        return self.kind in PROBLEMS


@dataclass
class CheckReport:
    """What a check found (and, with repair, what the repair did)."""

    files: int = 0  # article files in the corpus
    indexed_files: int = 0  # corpus paths the index holds
    differences: list[Difference] = field(default_factory=list)
    repaired: Report | None = None
    removed: int = 0  # orphaned paths removed by a repair
    before: list[Difference] | None = None  # the problems a repair started from
    seconds: float = 0.0

    @property
    def problems(self) -> list[Difference]:
        return [d for d in self.differences if d.problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        out = {kind: 0 for kind in PROBLEMS + NOTES}
        for d in self.differences:
            out[d.kind] += 1
        return out

    def summary(self) -> str:
        counts = self.counts()
        text = (f"{'OK' if self.ok else 'PROBLEMS'}: {self.files} article files, "
                f"{self.indexed_files} indexed; "
                + ", ".join(f"{counts[k]} {k}" for k in PROBLEMS + NOTES)
                + f"; {self.seconds:.1f} s")
        if self.repaired is not None:
            text += (f" (repair: reindexed {self.repaired.indexed} articles from "
                     f"{self.repaired.files} files, removed {self.removed} orphaned files)")
        return text

    def as_dict(self) -> dict:
        out = {"ok": self.ok, "files": self.files, "indexed_files": self.indexed_files,
               "counts": self.counts(), "seconds": round(self.seconds, 2),
               "differences": [{"kind": d.kind, "where": d.where, "reason": d.reason}
                               for d in self.differences]}
        if self.repaired is not None:
            out["repair"] = {"before": [str(d) for d in self.before or []],
                             "reindexed_files": self.repaired.files,
                             "reindexed_articles": self.repaired.indexed,
                             "removed_files": self.removed,
                             "failures": [str(p) for p in self.repaired.failed]}
        return out


@dataclass
class _State:
    report: CheckReport
    index_ok: bool
    to_index: list[CorpusFile]  # missing or stale, extractable
    results: dict[str, FileResult]  # extraction of the files in to_index
    stale_failed: list[str]  # stale files that no longer give an article
    orphans: list[str]


def _index_answers(archive: Archive) -> str | None:
    """Why the index cannot be opened or searched, or None when it answers."""
    try:
        archive.stats()
        archive.search(SearchRequest(query="", page_size=1), with_facets=False)
    except ArchiveError as exc:
        return str(exc)
    except Exception as exc:  # a damaged index raises many kinds of errors
        return f"{type(exc).__name__}: {exc}"
    return None


def _compare(archive: Archive, corpus: Path, workers: int,
             file_seconds: float | None) -> _State:
    started = time.perf_counter()
    report = CheckReport()
    diffs = report.differences
    reason = _index_answers(archive) if archive.exists() else "no index yet"
    index_ok = reason is None
    indexed: dict[str, str] = {}
    if index_ok:
        try:
            indexed = archive.path_digests()
        except Exception as exc:
            index_ok, reason = False, f"cannot list what it holds ({exc})"
    if not index_ok:
        diffs.append(Difference("unreadable", "index", reason or "unknown"))
    report.indexed_files = len(indexed)

    on_disk: dict[str, str] = {}  # relpath -> sha256 of every readable article file
    candidates: list[tuple[CorpusFile, str]] = []  # not indexed, or indexed with other bytes
    for entry in iter_corpus(corpus):
        if isinstance(entry, Skipped):
            continue
        report.files += 1
        rel = entry.relpath
        bad_name = name_problem(rel)
        if bad_name:
            diffs.append(Difference("unindexable", display_name(rel), bad_name))
            continue
        try:
            sha = sha256_file(entry.path)
        except OSError as exc:
            diffs.append(Difference("unreadable", rel, exc.strerror or str(exc)))
            continue
        on_disk[rel] = sha
        cut = gzip_warning(entry.path) if rel.lower().endswith(COMPRESSED) else None
        if cut:
            diffs.append(Difference("truncated", rel, cut))
        if indexed.get(rel) != sha:
            candidates.append((entry, sha))

    orphans = sorted(p for p in indexed if p not in on_disk)
    kept = list(taken_down(corpus))
    for item in kept:  # the kept folder: what was taken down, and whether it is intact
        where = f"{KEPT}/{item.kept}"
        if item.problem:
            diffs.append(Difference("unreadable", where, item.problem))
        else:
            diffs.append(Difference("taken-down", where, f"{item.reason_label}, by {item.by} on "
                                                         f"{item.at[:10]} (was {item.path})"))
    gone = {item.path: item for item in kept}
    for path in orphans:
        why = "indexed, but the file is no longer in the corpus"
        if path in gone:
            why = f"taken down on {gone[path].at[:10]}, but still in the index"
        diffs.append(Difference("orphaned", path, why))
    # Bytes that are indexed under a path that still holds them.
    good = {sha: path for path, sha in sorted(indexed.items()) if on_disk.get(path) == sha}
    first: dict[str, str] = {}  # sha256 -> the file extracted for those bytes
    later: list[tuple[CorpusFile, str]] = []  # same bytes as a file extracted here
    to_extract: list[CorpusFile] = []
    for entry, sha in candidates:
        if entry.relpath not in indexed:
            if sha in good:
                diffs.append(Difference("duplicate", entry.relpath,
                                        f"same content as {good[sha]}"))
                continue
            if sha in first:
                later.append((entry, sha))
                continue
            first[sha] = entry.relpath
        to_extract.append(entry)
    outcome: dict[str, str | None] = {}  # relpath -> why it gives no article (None: it does)

    results: dict[str, FileResult] = {}
    to_index: list[CorpusFile] = []
    stale_failed: list[str] = []
    for entry, result in zip(to_extract, _map(extract_corpus_file, to_extract, workers,
                                              file_seconds)):
        rel = entry.relpath
        was = indexed.get(rel)
        gives = result.articles and not result.failed
        why = "; ".join(p.reason for p in result.problems + result.skipped) or "no article found"
        outcome[rel] = None if gives else why
        if not gives:
            if was is not None:
                diffs.append(Difference("stale", rel, f"indexed, but the file now gives no "
                                                      f"article ({why})"))
                stale_failed.append(rel)
            else:
                diffs.append(Difference("unindexable", rel, why))
            continue
        results[rel] = result
        to_index.append(entry)
        count = f"{len(result.articles)} article{'s' if len(result.articles) != 1 else ''}"
        if was is None:
            diffs.append(Difference("missing", rel, f"not in the index ({count} in the file)"))
        else:
            diffs.append(Difference("stale", rel, f"indexed with sha256 {was[:12]}…, the file "
                                                  f"now has {on_disk[rel][:12]}… ({count})"))
    for entry, sha in later:  # indexed once, as its first file is; or as unindexable
        why = outcome.get(first[sha])
        if why is None:
            diffs.append(Difference("duplicate", entry.relpath, f"same content as {first[sha]}"))
        else:
            diffs.append(Difference("unindexable", entry.relpath, why))
    order = {kind: n for n, kind in enumerate(PROBLEMS + NOTES)}
    diffs.sort(key=lambda d: (order[d.kind], d.where))
    report.seconds = time.perf_counter() - started
    return _State(report, index_ok, to_index, results, stale_failed, orphans)


def check(archive: Archive, corpus: Path, workers: int = 1,
          file_seconds: float | None = FILE_SECONDS) -> CheckReport:
    """Compare every corpus file with the index and the index with the corpus."""
    return _compare(archive, Path(corpus), workers, file_seconds).report


def repair(archive: Archive, corpus: Path, workers: int = 1,
           file_seconds: float | None = FILE_SECONDS, lock_wait: float = 30.0,
           on_wait=None) -> CheckReport:
    """Check, fix what differs (holding the archive lock), then check again."""
    started = time.perf_counter()
    corpus = Path(corpus)
    if not archive.exists() or _index_answers(archive) is not None:
        before = check(archive, corpus, workers, file_seconds).problems
        done = rebuild(archive, corpus, workers=workers, on_wait=on_wait, lock_wait=lock_wait,
                       file_seconds=file_seconds)
        removed = 0
    else:
        lock = archive.lock()
        lock.acquire(wait=lock_wait, on_wait=on_wait)
        try:
            state = _compare(archive, corpus, workers, file_seconds)
            before = state.report.problems
            done = Report()
            removed = 0
            if before:
                with archive.update() as sink:
                    for path in state.orphans + state.stale_failed:
                        sink.delete_path(path)
                        removed += path in state.orphans
                    for entry in state.to_index:
                        result = state.results[entry.relpath]
                        sink.delete_path(entry.relpath)
                        done.files += 1
                        done.failed.extend(result.problems)
                        for article in result.articles:
                            sink.add(article)
                            done.indexed += 1
        finally:
            lock.release()
    after = check(archive, corpus, workers, file_seconds)
    after.repaired, after.removed, after.before = done, removed, before
    after.seconds = time.perf_counter() - started
    return after


__all__ = ["check", "repair", "CheckReport", "Difference", "PROBLEMS", "NOTES"]
