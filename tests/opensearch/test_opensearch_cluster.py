"""A real three-node OpenSearch cluster: it forms and goes green with 3 primaries and 1 replica,
keeps answering searches when a node is killed, and takes the node back after a restart."""

from __future__ import annotations

import pytest
from tests.opensearch.cluster import connect
from tests.opensearch.sample import ARTICLES, create_index, hit_ids, search

pytestmark = pytest.mark.opensearch
INDEX = "articles"


@pytest.fixture(scope="module")
def cluster(opensearch_cluster):
    client = opensearch_cluster.client()
    # The lost node's replicas wait for it (no copying onto the two others meanwhile), so the
    # cluster stays yellow until the node is back, however slow the machine.
    create_index(client, INDEX, shards=3, replicas=1,
                 **{"index.unassigned.node_left.delayed_timeout": "10m"})
    client.close()
    return opensearch_cluster


def shard_copies(url: str) -> list[dict]:
    client = connect([url])
    try:
        return client.cat.shards(index=INDEX, format="json")
    finally:
        client.close()


def assert_every_node_finds_everything(urls: list[str]) -> None:
    for url in urls:
        client = connect([url])
        try:
            assert client.count(index=INDEX)["count"] == len(ARTICLES), url
            result = search(client, INDEX, "cafe zurich")
            assert hit_ids(result) == {"cafe"}, url
            assert result["_shards"]["failed"] == 0, url
            assert "<mark>cafés</mark>" in result["hits"]["hits"][0]["highlight"]["body"][0]
        finally:
            client.close()


def test_three_nodes_form_one_green_cluster_with_shards_on_each(cluster):
    health = cluster.wait_health("green", nodes=3)
    assert health["number_of_nodes"] == 3
    assert health["active_primary_shards"] == 3 and health["active_shards"] == 6
    copies = shard_copies(cluster.url)
    assert all(c["state"] == "STARTED" for c in copies) and len(copies) == 6
    assert {c["node"] for c in copies} == {n.name for n in cluster.nodes}
    for shard in ("0", "1", "2"):  # a primary and its replica never share a node
        assert len({c["node"] for c in copies if c["shard"] == shard}) == 2
    assert_every_node_finds_everything(cluster.urls)


def test_a_killed_node_leaves_the_cluster_searching_and_rejoins_after_a_restart(cluster):
    cluster.wait_health("green", nodes=3)
    client = cluster.client()
    manager_id = client.cat.cluster_manager(format="json")[0]["node"]
    client.close()
    victim = next(n for n in cluster.nodes if n.name == manager_id)  # the hardest node to lose
    victim.kill()

    # Right away (before the others notice) and once a new manager runs a yellow cluster.
    assert_every_node_finds_everything(cluster.urls)
    health = cluster.wait_health("yellow", nodes=2)
    assert health["status"] == "yellow" and health["unassigned_shards"] > 0
    assert_every_node_finds_everything(cluster.urls)
    everyone = connect([n.url for n in cluster.nodes])  # the dead node's address included
    try:
        for _ in range(6):  # the client skips the dead address and retries on the others
            assert hit_ids(search(everyone, INDEX, "weapons")) == {"weapons"}
    finally:
        everyone.close()

    cluster.restart(victim)
    health = cluster.wait_health("green", nodes=3)
    assert health["active_shards"] == 6
    assert victim.name in {c["node"] for c in shard_copies(victim.url)}
    assert_every_node_finds_everything(cluster.urls)
