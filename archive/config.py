"""Where the corpus and the index live: command-line options, then environment, then defaults.

The engine is Whoosh (an index folder, no set-up) unless `--engine opensearch`,
`ARCHIVE_ENGINE=opensearch` or `engine = "opensearch"` in the OpenSearch config file
chooses OpenSearch; its settings are read by `archive.opensearch.settings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from archive.errors import ConfigError

if TYPE_CHECKING:
    from archive.opensearch.settings import OpenSearchSettings

DEFAULT_CORPUS = "corpus"
DEFAULT_INDEX = "index"
ENGINES = ("whoosh", "opensearch")


def default_instance(index_dir: str | os.PathLike,
                     environ: Mapping[str, str] | None = None) -> Path:
    """Where the instance folder is unless configured: `instance/` next to the index folder."""
    env = (os.environ if environ is None else environ).get("ARCHIVE_INSTANCE")
    return Path(env).resolve() if env else Path(index_dir).resolve().parent / "instance"


@dataclass(frozen=True)
class Config:
    corpus_dir: Path
    index_dir: Path  # Whoosh's index; with OpenSearch, the extraction cache's folder
    engine: str = "whoosh"
    opensearch: OpenSearchSettings | None = None  # set when the engine is opensearch

    @property
    def index_location(self) -> str:
        """Where the index is, for messages: a folder, or an OpenSearch cluster and index."""
        if self.engine == "opensearch" and self.opensearch is not None:
            return f"OpenSearch {self.opensearch.where}"
        return str(self.index_dir)

    @classmethod
    def load(cls, corpus: str | os.PathLike | None = None,
             index: str | os.PathLike | None = None, *, instance: str | os.PathLike | None = None,
             engine: str | None = None, opensearch: Mapping[str, str | None] | None = None,
             environ: Mapping[str, str] | None = None) -> "Config":
        """The configuration from options (`opensearch`: url, index, ca), the environment
        and, for OpenSearch, its config file (see archive.opensearch.settings)."""
        from archive.opensearch import settings

        environ = os.environ if environ is None else environ
        corpus = corpus or environ.get("ARCHIVE_CORPUS") or DEFAULT_CORPUS
        index = index or environ.get("ARCHIVE_INDEX") or DEFAULT_INDEX
        index_dir = Path(index).resolve()
        folder = Path(instance).resolve() if instance else default_instance(index_dir, environ)
        path = settings.config_file(folder, environ)
        values = settings.read_file(path) if path is not None else {}
        chosen = engine or environ.get("ARCHIVE_ENGINE") or values.get("engine") or "whoosh"
        if chosen not in ENGINES:
            raise ConfigError(f"engine {chosen!r} is not one of {', '.join(ENGINES)}",
                              hint="--engine whoosh (the default) or --engine opensearch")
        found = None
        if chosen == "opensearch":
            found = settings.resolve(opensearch or {}, environ, values, str(path))
        return cls(Path(corpus).resolve(), index_dir, chosen, found)
