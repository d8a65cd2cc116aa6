"""The engine on a real three-node cluster: a rebuild with 3 primaries and 1 replica publishes a
green index with its copies spread over the nodes, and a client given every node's address
keeps writing and reading when one of them is gone."""

from __future__ import annotations

import pytest

from archive.opensearch.engine import OpenSearchArchive
from archive.opensearch.settings import OpenSearchSettings
from indexer import pipeline
from tests.opensearch.engine.conftest import drop_indexes, unique_index
from tests.opensearch.engine.test_os_errors import article

pytestmark = pytest.mark.opensearch


@pytest.fixture
def cluster_archive(opensearch_cluster):
    name = unique_index()
    settings = OpenSearchSettings(urls=tuple(opensearch_cluster.urls), index=name, shards=3,
                                  replicas=1)
    yield OpenSearchArchive(settings)
    client = opensearch_cluster.client()
    drop_indexes(client, name)
    client.close()


def test_a_rebuild_with_three_primaries_and_a_replica_goes_green(cluster_archive, corpus,
                                                                 opensearch_cluster):
    assert pipeline.rebuild(cluster_archive, corpus, workers=1).ok
    with cluster_archive.update() as sink:
        for n in range(300):
            sink.add(article(n))
    assert pipeline.rebuild(cluster_archive, corpus, workers=1).ok
    client = opensearch_cluster.client()
    try:
        name = cluster_archive.stats().generation
        assert client.cluster.health(index=name)["status"] == "green"  # when it was published
        health = client.cluster.health(index=name, wait_for_no_relocating_shards=True,
                                       timeout="60s", request_timeout=90)  # balancing may follow
        assert health["status"] == "green"
        assert health["active_primary_shards"] == 3 and health["active_shards"] == 6
        copies = client.cat.shards(index=name, format="json")
        assert {c["node"] for c in copies} == {n.name for n in opensearch_cluster.nodes}
        for shard in ("0", "1", "2"):  # a primary and its replica never share a node
            assert len({c["node"] for c in copies if c["shard"] == shard}) == 2
        assert sorted(client.indices.get_alias(name=cluster_archive.alias)) == [name]
    finally:
        client.close()
    assert cluster_archive.stats().articles == 1


def test_writes_and_reads_go_on_through_the_other_nodes(cluster_archive, corpus,
                                                        opensearch_cluster):
    assert pipeline.rebuild(cluster_archive, corpus, workers=1).ok
    node = opensearch_cluster.nodes[2]
    node.kill()
    try:
        opensearch_cluster.wait_health("yellow", nodes=2)
        with cluster_archive.update() as sink:  # the dead node's address is still listed
            for n in range(50):
                sink.add(article(n))
        assert cluster_archive.stats().articles == 51
        assert len(cluster_archive.path_digests()) == 51
    finally:
        opensearch_cluster.restart(node)
        opensearch_cluster.wait_health("green", nodes=3)


def test_a_rebuild_whose_replicas_are_slow_to_copy_is_published_yellow(
        cluster_archive, corpus, opensearch_cluster, monkeypatch, caplog):
    """Replicas of a big index can take longer to copy than the rebuild waits for them: the
    rebuild is published once its primaries are active, with a warning, and the replicas
    go on copying (here they are held back by the cluster's allocation setting)."""
    from archive.opensearch import engine

    monkeypatch.setattr(engine, "HEALTH_WAIT", "2s")
    client = opensearch_cluster.client()
    held = {"persistent": {"cluster.routing.allocation.enable": "primaries"}}
    client.cluster.put_settings(body=held)
    try:
        report = pipeline.rebuild(cluster_archive, corpus, workers=1)
        assert report.ok
        name = cluster_archive.stats().generation
        assert sorted(client.indices.get_alias(name=cluster_archive.alias)) == [name]
        assert cluster_archive.stats().articles == 1
        health = client.cluster.health(index=name)
        assert health["status"] == "yellow" and health["active_primary_shards"] == 3
        assert any("is yellow, not green" in r.getMessage() for r in caplog.records)
    finally:
        client.cluster.put_settings(
            body={"persistent": {"cluster.routing.allocation.enable": None}})
        client.close()
    health = opensearch_cluster.client().cluster.health(
        index=cluster_archive.alias, wait_for_status="green", timeout="60s",
        request_timeout=90)
    assert health["status"] == "green"  # the copies follow once allowed
