"""Changes to articles already in the archive: an editor's correction, a file indexed again.

Each holds the archive's writer lock, changes the corpus side first (the
sidecar next to the file), then replaces the file's articles in the index in
one commit, so the archive is searchable with the change when the call returns.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Callable

from archive import Archive, Article, CorpusError
from indexer.corpus import CorpusFile, read_sidecar
from indexer.corrections import Correction, record_correction, restore_sidecar, sidecar_path
from indexer.formats import detect_format
from indexer.pipeline import _map, extract_corpus_file
from indexer.report import FileResult
from indexer.workers import FILE_SECONDS


def extract_file(corpus: Path, relpath: str,
                 file_seconds: float | None = FILE_SECONDS) -> FileResult:
    """Extract one corpus file with its sidecar, in a worker process under the time budget."""
    path = corpus.joinpath(*PurePosixPath(relpath).parts)
    fmt = detect_format(relpath)
    if fmt is None or not path.is_file():
        raise CorpusError(f"{relpath}: not an article file in the corpus")
    return next(_map(extract_corpus_file, [CorpusFile(path, relpath, fmt)], 1, file_seconds))


def index_file(archive: Archive, relpath: str, result: FileResult) -> list[Article]:
    """Replace the articles of one corpus file in the index (call under the lock)."""
    with archive.update() as sink:
        sink.delete_path(relpath)
        for article, fp in zip(result.articles, result.prints):
            sink.add(article, fp)
    return list(result.articles)


def correct(archive: Archive, corpus: Path, article: Article, values: dict, by: str,
            lock_wait: float = 30.0, on_wait: Callable[[str], None] | None = None,
            file_seconds: float | None = FILE_SECONDS) -> tuple[Correction | None, Article]:
    """Correct an article's title, date, outlet or authors; (what changed, the new article).

    The correction is written to the sidecar (so a reindex keeps it) and the file
    is indexed again; when the file no longer extracts, the sidecar is put back.
    """
    corpus = Path(corpus).resolve()
    lock = archive.lock()
    lock.acquire(wait=lock_wait, on_wait=on_wait)
    try:
        article = archive.get(article.id)  # as it is now, under the lock
        path = corpus.joinpath(*PurePosixPath(article.path).parts)
        if not path.is_file():
            raise CorpusError(f"{article.path}: the file is no longer in the corpus")
        before = read_sidecar(path) if sidecar_path(corpus, article.path).exists() else None
        correction = record_correction(corpus, article, values, by)
        if correction is None:
            return None, article
        result = extract_file(corpus, article.path, file_seconds)
        if result.failed:
            restore_sidecar(corpus, article.path, before)
            raise CorpusError(f"{article.path}: the corrected file gives no article ("
                              + "; ".join(p.reason for p in result.problems) + ")")
        index_file(archive, article.path, result)
    finally:
        lock.release()
    return correction, archive.get(article.id)


__all__ = ["correct", "extract_file", "index_file"]
