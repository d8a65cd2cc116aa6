"""A small index for the smoke tests: the analysis Morgue needs, and a few articles."""

from __future__ import annotations

from opensearchpy import OpenSearch

from archive.whoosh.schema import STOP_WORDS

# Morgue's text analysis (archive/whoosh/schema.py) in OpenSearch terms, all from the
# analysis-common module: words, English possessives cut, lower-cased, accents folded, the
# same stop words, Snowball English (Porter2, as PyStemmer) stems.
ANALYSIS = {
    "filter": {
        "english_possessive": {"type": "stemmer", "language": "possessive_english"},
        "morgue_stop": {"type": "stop", "stopwords": sorted(STOP_WORDS)},
        "english_stemmer": {"type": "stemmer", "language": "porter2"},
    },
    "analyzer": {
        "morgue_text": {"type": "custom", "tokenizer": "standard",
                        "filter": ["english_possessive", "lowercase", "asciifolding",
                                   "morgue_stop", "english_stemmer"]},
    },
}
MAPPINGS = {"properties": {
    "title": {"type": "text", "analyzer": "morgue_text"},
    "body": {"type": "text", "analyzer": "morgue_text"},
    "outlet": {"type": "keyword"},
}}
ARTICLES = {
    "cafe": {"title": "Café prices rise in Zürich",
             "body": "The cafés of Zürich's old town raised their prices again.",
             "outlet": "Reuters"},
    "weapons": {"title": "Inspectors report",
                "body": "Inspectors found a weapon cache near the border crossing.",
                "outlet": "AP"},
    "grain": {"title": "Grain harvest",
              "body": "Wheat and grain exports fell sharply this year.", "outlet": "Reuters"},
    "opec": {"title": "OPEC meets in Vienna",
             "body": "Oil ministers of OPEC discussed output quotas and prices.",
             "outlet": "AFP"},
}


def create_index(client: OpenSearch, name: str, shards: int = 1, replicas: int = 0,
                 **settings) -> None:
    """Create `name` with Morgue's analysis, index ARTICLES into it, and refresh it."""
    client.indices.create(index=name, body={
        "settings": {"number_of_shards": shards, "number_of_replicas": replicas,
                     "analysis": ANALYSIS, **settings},
        "mappings": MAPPINGS})
    for article_id, article in ARTICLES.items():
        client.index(index=name, id=article_id, body=article)
    client.indices.refresh(index=name)


def search(client: OpenSearch, index: str, query: str) -> dict:
    """A full-text search over title and body with highlighted body fragments."""
    return client.search(index=index, body={
        "query": {"multi_match": {"query": query, "fields": ["title^2", "body"],
                                  "operator": "and"}},
        "highlight": {"fields": {"body": {}, "title": {}},
                      "pre_tags": ["<mark>"], "post_tags": ["</mark>"]}})


def hit_ids(result: dict) -> set[str]:
    return {hit["_id"] for hit in result["hits"]["hits"]}
