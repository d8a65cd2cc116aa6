"""The other versions of a story and similar articles, read from an OpenSearch index.

Every document carries its story key (`story`, archive.opensearch.stories) and its write
order (`story_seq`), so the versions of a story are one term query, read in
point-in-time pages earliest first (undated last, then in write order, as the Whoosh
engine lists them by document number). "More like this" weighs the words of the opening
of the article's body (`archive.related.KEY_TERM_CHARS`) by Whoosh's Bo1 model
(`archive.related.key_terms`) from the index's own counts (one `_termvectors` call on the
text) and runs them as a query over the body, the article and its versions left out.
"""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch
from opensearchpy import exceptions as ox

from archive.opensearch.mapping import from_source
from archive.opensearch.reading import Reader
from archive.records import Article, Version
from archive.related import KEY_TERM_CHARS, MORE_LIKE_THIS, key_terms, similar, versions_of

# Earliest first, undated last, then write order; `id` makes the order total for paging.
VERSION_ORDER = [{"published": {"order": "asc", "missing": "_last"}},
                 {"story_seq": {"order": "asc", "missing": "_last", "unmapped_type": "long"}},
                 {"id": "asc"}]


def story_key(client: OpenSearch, index: str, article_id: str) -> str | None:
    """The story key of an indexed article ("" without one; None when it is not indexed)."""
    try:
        found = client.get(index=index, id=article_id, params={"_source_includes": "story"})
    except ox.NotFoundError as exc:
        if isinstance(exc.info, dict) and "error" in exc.info:  # no index at all
            raise
        return None
    return found.get("_source", {}).get("story") or ""


def versions(reader: Reader, index: str, article: Article) -> list[Version]:
    """Every other version of an article's story in the index, earliest first."""
    key = story_key(reader.client, index, article.id)
    if not key:
        return []
    hits = reader.scan(index, {"term": {"story": key}}, True, sort=VERSION_ORDER)
    return versions_of(article, (from_source(hit["_source"]) for hit in hits))


def _text_terms(client: OpenSearch, index: str, text: str) -> tuple[dict, dict, int]:
    """How often each index term is in `text`, in the index, and how many documents it holds."""
    answer = client.termvectors(index=index, body={
        "doc": {"body": text}, "fields": ["body"], "term_statistics": True,
        "field_statistics": True, "positions": False, "offsets": False, "payloads": False})
    body: dict[str, Any] = answer.get("term_vectors", {}).get("body", {})
    terms = body.get("terms", {})
    counts = {word: info["term_freq"] for word, info in terms.items()}
    collection = {word: info.get("ttf", 0) for word, info in terms.items()}
    return counts, collection, body.get("field_statistics", {}).get("doc_count", 0)


def more_like_this(reader: Reader, index: str, article: Article, top: int = MORE_LIKE_THIS
                   ) -> list[Version]:
    """Articles about the same things (key terms of the body), other versions left out."""
    if not article.body.strip():
        return []
    key = story_key(reader.client, index, article.id)
    if key is None:
        return []
    terms = key_terms(*_text_terms(reader.client, index, article.body[:KEY_TERM_CHARS]))
    if not terms:
        return []
    query = {"bool": {
        "should": [{"term": {"body": {"value": word, "boost": weight}}}
                   for word, weight in terms],
        "minimum_should_match": 1,
        "must_not": [{"ids": {"values": [article.id]}}]
        + ([{"term": {"story": key}}] if key else [])}}
    answer = reader.client.search(index=index, body={"size": top, "query": query,
                                                     "track_total_hits": False})
    reader.complete(answer)
    return [similar(from_source(hit["_source"])) for hit in answer["hits"]["hits"]]


__all__ = ["VERSION_ORDER", "more_like_this", "story_key", "versions"]
