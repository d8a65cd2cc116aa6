"""Where the corpus and the index live: command-line options, then environment, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CORPUS = "corpus"
DEFAULT_INDEX = "index"


@dataclass(frozen=True)
class Config:
    corpus_dir: Path
    index_dir: Path

    @classmethod
    def load(cls, corpus: str | os.PathLike | None = None,
             index: str | os.PathLike | None = None) -> "Config":
        corpus = corpus or os.environ.get("ARCHIVE_CORPUS") or DEFAULT_CORPUS
        index = index or os.environ.get("ARCHIVE_INDEX") or DEFAULT_INDEX
        return cls(Path(corpus).resolve(), Path(index).resolve())
