"""What the ingest pipeline reports: problems, per-file results, the build report, add outcomes."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from archive import Article


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
    warnings: list[str] = field(default_factory=list)  # added, but e.g. the file was cut short


__all__ = ["Problem", "FileResult", "Report", "Upload", "Outcome", "display_name",
           "name_problem"]
