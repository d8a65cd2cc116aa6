"""The OpenSearch index: settings, text analysis, mapping, and Article records as documents.

The analysis gives the same terms as the Whoosh schema's (archive.whoosh.schema):
words as `archive.words.TOKEN_PATTERN` finds them (with `\\w` spelled as Python reads it),
accents folded by Whoosh's own table (archive/folding.txt), lower-cased, a final 's and other
apostrophes cut, words under two letters and the stop words dropped, and the Snowball
English stemmer (`porter2`, the same rules as PyStemmer's "english"; OpenSearch's
`english` stemmer is the older Porter algorithm). Only positions differ: OpenSearch
leaves a gap where a stop word was, Whoosh closes it.

Documents keep every field of the Article in `_source`, so `from_source` rebuilds it
exactly; fields Morgue adds to Article later are kept there too (the mapping is not
strict) and only need a mapping to be searchable.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from archive.analysis import FOLDING_FILE  # Whoosh's accent folding, shared
from archive.opensearch.settings import OpenSearchSettings
from archive.records import Article
from archive.words import MIN_LENGTH, STOP_WORDS, TOKEN_PATTERN

# Bump when the analysis or the mapping changes: an index of another version is rebuilt
# (`manage.py reindex`); reads and writes refuse it with MappingConflict until then.
MAPPING_VERSION = 1
WORD = r"[\p{L}\p{N}_]"  # Python's \w for text (letters, digits, underscore); Java's \w is ASCII
SIMILARITY = {"type": "BM25", "k1": 1.2, "b": 0.75}  # Whoosh's BM25F defaults
LOAD_SETTINGS = {"number_of_replicas": 0, "auto_expand_replicas": False,
                 "refresh_interval": "-1"}  # while a rebuild loads a new index


@cache
def folding_rules() -> tuple[str, ...]:
    """The `mapping` character filter's rules ("À => a"): Whoosh's accent folding."""
    rules = []
    for line in FOLDING_FILE.read_text(encoding="utf-8").splitlines():
        code, target = line.split("\t")
        rules.append(f"{chr(int(code, 16))} => {target}")
    return tuple(rules)


def analysis() -> dict[str, Any]:
    """The analyzers: `morgue_text` (title, body) and `morgue_names` (authors, outlets, places)."""
    return {
        "char_filter": {"morgue_fold": {"type": "mapping", "mappings": list(folding_rules())}},
        "tokenizer": {
            "morgue_words": {"type": "pattern", "group": 0,
                             "pattern": TOKEN_PATTERN.replace(r"\w", WORD)},
            "morgue_name_words": {"type": "pattern", "group": 0, "pattern": WORD + "+"},
        },
        "filter": {
            "morgue_quote": {"type": "pattern_replace", "pattern": "’", "replacement": "'"},
            "morgue_possessive": {"type": "pattern_replace", "pattern": "'s$", "replacement": ""},
            "morgue_apostrophe": {"type": "pattern_replace", "pattern": "'", "replacement": ""},
            "morgue_short": {"type": "length", "min": MIN_LENGTH},
            "morgue_stop": {"type": "stop", "stopwords": sorted(STOP_WORDS), "ignore_case": False},
            "morgue_stem": {"type": "stemmer", "language": "porter2"},
        },
        "analyzer": {
            "morgue_text": {"type": "custom", "char_filter": ["morgue_fold"],
                            "tokenizer": "morgue_words",
                            "filter": ["lowercase", "morgue_quote", "morgue_possessive",
                                       "morgue_apostrophe", "morgue_short", "morgue_stop",
                                       "morgue_stem"]},
            "morgue_names": {"type": "custom", "char_filter": ["morgue_fold"],
                             "tokenizer": "morgue_name_words", "filter": ["lowercase"]},
        },
    }


def _keyword(**extra: Any) -> dict[str, Any]:
    return {"type": "keyword", **extra}


def _named(**extra: Any) -> dict[str, Any]:
    """A keyword (facets, filters) with its words searchable as `FIELD.words`."""
    return _keyword(fields={"words": {"type": "text", "analyzer": "morgue_names"}}, **extra)


def mappings(alias: str) -> dict[str, Any]:
    """The mapping: keywords for ids and facets, text for words, dates, story keys."""
    keywords = ("id", "path", "sha256", "format", "item", "outlet_source", "date_precision",
                "date_source", "language", "agency", "source_id", "topics", "people", "orgs",
                "exchanges", "story", "story_digest", "story_bands")
    properties: dict[str, Any] = {name: _keyword() for name in keywords}
    properties.update({
        "title": {"type": "text", "analyzer": "morgue_text"},
        "body": {"type": "text", "analyzer": "morgue_text"},
        "url": _keyword(ignore_above=8191),
        "authors": _named(),
        "outlet": _named(),
        "places": _keyword(copy_to="place_words"),
        "dateline": _keyword(copy_to="place_words"),
        "place_words": {"type": "text", "analyzer": "morgue_names"},  # places and dateline
        "published": {"type": "date", "format": "strict_date"},
        "date_confidence": {"type": "float"},
        "date_candidates": {"properties": {"date": {"type": "date", "format": "strict_date"},
                                           "sources": {"type": "keyword"}}},
        "added": {"type": "date"},
        "word_count": {"type": "integer"},
        "age_banner": {"properties": {"text": {"type": "text", "index": False},
                                      "years": {"type": "integer"}}},
        "story_sig": {"type": "binary"},  # MinHash values (archive.dedup), base64
        "story_seq": {"type": "long"},  # write order: the earliest article's story key wins
    })
    return {"dynamic": False, "_meta": {"morgue": {"mapping_version": MAPPING_VERSION,
                                                   "alias": alias}},
            "properties": properties}


def replica_settings(settings: OpenSearchSettings) -> dict[str, Any]:
    """Replicas as configured; by default 0 on one node and 1 when the cluster has more."""
    if settings.replicas is None:
        return {"number_of_replicas": 0, "auto_expand_replicas": "0-1"}
    return {"number_of_replicas": settings.replicas, "auto_expand_replicas": False}


def index_body(settings: OpenSearchSettings, loading: bool = False) -> dict[str, Any]:
    """Settings and mapping of a new concrete index (`loading`: for a rebuild's bulk load)."""
    index_settings = {"number_of_shards": settings.shards, "analysis": analysis(),
                      "similarity": {"default": SIMILARITY}, **replica_settings(settings)}
    if loading:
        index_settings.update(LOAD_SETTINGS)
    return {"settings": {"index": index_settings}, "mappings": mappings(settings.index)}


def serving_settings(settings: OpenSearchSettings) -> dict[str, Any]:
    """What a loaded index gets before it serves: its replicas, refreshes every second."""
    return {"index": {**replica_settings(settings), "refresh_interval": None}}


def mapping_version(index_mapping: dict[str, Any]) -> int | None:
    """The version in a `get_mapping` answer for one index (None: not an index of Morgue's)."""
    meta = index_mapping.get("mappings", {}).get("_meta", {}).get("morgue", {})
    version = meta.get("mapping_version")
    return version if isinstance(version, int) else None


def to_source(article: Article, story: dict[str, Any] | None = None) -> dict[str, Any]:
    """The document for an article: its every field, and the story fields (archive.dedup)."""
    source = article.as_dict()
    source.pop("age_warning", None)  # computed for the day it is shown
    if story:
        source.update(story)
    return source


def from_source(source: dict[str, Any]) -> Article:
    """The Article a document was made from."""
    return Article.from_dict(source)


__all__ = ["MAPPING_VERSION", "analysis", "mappings", "index_body", "serving_settings",
           "replica_settings", "mapping_version", "to_source", "from_source", "folding_rules"]
