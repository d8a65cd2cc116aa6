"""Morgue's core: records, configuration, errors, the index and the search service.

This package is the only one that imports Whoosh (and, in `archive.opensearch`, the
OpenSearch client); everything else uses the engine-neutral interface in `archive.engine`.
"""

from archive.config import Config
from archive.engine import Archive, ArticleWriter, open_archive
from archive.errors import (ArchiveError, ArticleNotFound, BadQuery, ConfigError, CorpusError,
                            EngineError, IndexCorrupt, IndexLocked, IndexMissing, NotSupported)
from archive.records import (FILTER_NAMES, SORTS, AgeBanner, AgeWarning, Article, Facet, FacetValue, Hit,
                             IndexStats, SearchPage, SearchRequest)

__all__ = [
    "FILTER_NAMES", "SORTS",
    "AgeBanner", "AgeWarning", "Archive", "ArchiveError", "Article", "ArticleNotFound",
    "ArticleWriter", "BadQuery", "Config", "ConfigError", "CorpusError", "EngineError", "Facet", "FacetValue", "Hit",
    "IndexCorrupt", "IndexLocked", "IndexMissing", "IndexStats", "NotSupported", "SearchPage", "SearchRequest",
    "open_archive",
]
