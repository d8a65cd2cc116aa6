"""The OpenSearch engine: the archive kept in an OpenSearch index (one node or a cluster).

The only package of Morgue that imports opensearch-py (`opensearchpy`). Importing this
package itself imports nothing of it: `archive.config` reads the engine's settings
(`archive.opensearch.settings`) without the client library, and `archive.engine.open_archive`
imports `archive.opensearch.engine` only when the OpenSearch engine is chosen.

- `settings`: where the cluster is and how to log in (options, environment, config file).
- `client`: the connection (TLS, basic auth) and every failure as a domain error.
- `mapping`: the index settings, analysis and mapping; Article records to documents and back.
- `bulk`: batched writes with retries and per-document errors.
- `lock`: the writer lock, a document in a small lock index, held across machines.
- `stories`: near-duplicate story keys looked up in the index (archive.dedup).
- `writer`: one write transaction (the `ArticleWriter` of update and rebuild).
- `reading`: every document of a query (point in time), the counts `stats` shows.
- `engine`: `OpenSearchArchive`, the `archive.engine.Archive` interface.
"""
