"""Morgue's core: records, configuration, errors, the index and the search service.

This package is the only one that imports Whoosh; everything else uses the
engine-neutral interface in `archive.engine`.
"""

from archive.config import Config
from archive.engine import Archive, ArticleWriter, open_archive
from archive.errors import (ArchiveError, ArticleNotFound, BadQuery, CorpusError,
                            IndexCorrupt, IndexLocked, IndexMissing)
from archive.records import (FILTER_NAMES, SORTS, AgeBanner, AgeWarning, Article, Facet, FacetValue, Hit,
                             IndexStats, SearchPage, SearchRequest)

__all__ = [
    "FILTER_NAMES", "SORTS",
    "AgeBanner", "AgeWarning", "Archive", "ArchiveError", "Article", "ArticleNotFound",
    "ArticleWriter", "BadQuery", "Config", "CorpusError", "Facet", "FacetValue", "Hit",
    "IndexCorrupt", "IndexLocked", "IndexMissing", "IndexStats", "SearchPage", "SearchRequest",
    "open_archive",
]
