"""One real OpenSearch node: Morgue's analysis, search with highlights, loopback only, and a node
that stops by itself when the process that started it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.opensearch.cluster import remove_stale_folders
from tests.opensearch.sample import create_index, hit_ids, search

pytestmark = pytest.mark.opensearch
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client(opensearch_node):
    client = opensearch_node.client()
    create_index(client, "smoke")
    yield client
    client.indices.delete(index="smoke")
    client.close()


def test_the_node_runs_the_modules_morgue_needs(client):
    info = client.info()
    assert info["version"]["number"] == "2.19.6"
    modules = {m["name"] for node in client.nodes.info(metric="plugins")["nodes"].values()
               for m in node["modules"]}
    assert {"analysis-common", "lang-painless", "transport-netty4"} <= modules


def test_analysis_folds_accents_cuts_possessives_drops_stop_words_and_stems(client):
    tokens = client.indices.analyze(index="smoke", body={
        "analyzer": "morgue_text", "text": "Zürich's cafés were raising WEAPONS"})["tokens"]
    assert [t["token"] for t in tokens] == ["zurich", "cafe", "rais", "weapon"]


def test_search_finds_stemmed_and_folded_words_with_highlights(client):
    result = search(client, "smoke", "cafe zurich")
    assert hit_ids(result) == {"cafe"}
    highlight = result["hits"]["hits"][0]["highlight"]
    assert highlight["body"] == ["The <mark>cafés</mark> of <mark>Zürich's</mark> old town "
                                 "raised their prices again."]
    assert highlight["title"] == ["<mark>Café</mark> prices rise in <mark>Zürich</mark>"]

    result = search(client, "smoke", "weapons inspectors")
    assert hit_ids(result) == {"weapons"}
    assert "<mark>weapon</mark>" in result["hits"]["hits"][0]["highlight"]["body"][0]
    assert hit_ids(search(client, "smoke", "prices")) == {"cafe", "opec"}
    assert hit_ids(search(client, "smoke", "the")) == set()  # a stop word matches nothing


def test_the_node_listens_on_loopback_only(client):
    for node in client.nodes.info(metric="http,transport")["nodes"].values():
        for kind in ("http", "transport"):
            addresses = node[kind]["bound_address"] + [node[kind]["publish_address"]]
            assert all(a.startswith(("127.0.0.1:", "[::ffff:127.0.0.1]:")) for a in addresses)


STARTER = """
import sys, time
from tests.opensearch import install
from tests.opensearch.cluster import Cluster
cluster = Cluster(install.check(), size=1, java_opts=sys.argv[1]).start("green")
print(cluster.nodes[0].process.pid, cluster.base, flush=True)
time.sleep(600)
"""


def gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status  # a zombie waiting for init to reap it runs nothing


def test_a_node_stops_when_the_process_that_started_it_is_killed(opensearch_setup):
    from tests.opensearch.conftest import TEST_JAVA_OPTS

    starter = subprocess.Popen([sys.executable, "-c", STARTER, TEST_JAVA_OPTS], cwd=REPO,
                               stdout=subprocess.PIPE, text=True)
    try:
        line = starter.stdout.readline().split()
        assert line, "the starter printed nothing (its node did not start)"
        pid, base = int(line[0]), Path(line[1])
        assert not gone(pid)
        os.kill(starter.pid, signal.SIGKILL)  # no teardown runs: only the kernel can stop it
        starter.wait()
        deadline = time.monotonic() + 30
        while not gone(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert gone(pid), f"node {pid} outlived the process that started it"
        assert base.exists()
        remove_stale_folders(base.parent)  # what the next Cluster does with what was left
        assert not base.exists()
    finally:
        starter.kill()
        starter.wait()
        starter.stdout.close()
