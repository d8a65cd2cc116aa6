"""Fixtures for tests against real OpenSearch nodes on 127.0.0.1 (tests marked `opensearch`).

Without Java, the assembled node or (as root) the node user, these tests skip with a reason
saying how to enable them (`python -m tests.opensearch.fetch`); with MORGUE_REQUIRE_OPENSEARCH=1
(set by .ci/run) the same reason is a failure instead.
"""

from __future__ import annotations

import os

import pytest

from tests.opensearch import install
from tests.opensearch.cluster import Cluster

# Test nodes: no heap pre-touch, and the C1 compiler only, which halves the CPU a node start
# takes on two cores. Benchmarks pass java_opts="" to get the distribution's JIT.
TEST_JAVA_OPTS = os.environ.get("MORGUE_OPENSEARCH_JAVA_OPTS",
                                "-XX:-AlwaysPreTouch -XX:TieredStopAtLevel=1")


@pytest.fixture(scope="session")
def opensearch_setup() -> install.Setup:
    """The assembled node, Java and node user; skips (or fails, when required) without them."""
    try:
        return install.check()
    except install.Unavailable as error:
        if os.environ.get("MORGUE_REQUIRE_OPENSEARCH") == "1":
            pytest.fail(f"MORGUE_REQUIRE_OPENSEARCH=1, but {error}", pytrace=False)
        pytest.skip(f"OpenSearch tests: {error}")


def start_cluster(setup: install.Setup, size: int, **options) -> Cluster:
    """A started cluster of `size` test nodes (green), stopped by the caller."""
    options.setdefault("java_opts", TEST_JAVA_OPTS)
    return Cluster(setup, size=size, **options).start("green")


@pytest.fixture(scope="session")
def opensearch_node(opensearch_setup):
    """One node (discovery.type single-node), shared by the session; `.url` is its address."""
    cluster = start_cluster(opensearch_setup, 1)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def opensearch_cluster(opensearch_setup):
    """Three nodes forming one cluster, for one test module; `.urls`, `.nodes`, `.restart()`."""
    cluster = start_cluster(opensearch_setup, 3)
    yield cluster
    cluster.stop()
