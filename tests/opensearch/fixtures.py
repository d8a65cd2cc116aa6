"""The session's OpenSearch node for every test folder (tests/conftest.py imports the fixtures).

Without Java, the assembled node or (as root) the node user, these tests skip with a reason
saying how to enable them (`python -m tests.opensearch.fetch`); with MORGUE_REQUIRE_OPENSEARCH=1
(set by .ci/run) the same reason is a failure instead.
"""

from __future__ import annotations

import os
import uuid

import pytest

from tests.opensearch import install
from tests.opensearch.cluster import Cluster

# Variables that would point a test's engine elsewhere than its own node and index.
ENGINE_VARIABLES = ("ARCHIVE_ENGINE", "ARCHIVE_OPENSEARCH_URL", "ARCHIVE_OPENSEARCH_INDEX",
                    "ARCHIVE_OPENSEARCH_USER", "ARCHIVE_OPENSEARCH_PASSWORD",
                    "ARCHIVE_OPENSEARCH_CA", "ARCHIVE_OPENSEARCH_SHARDS",
                    "ARCHIVE_OPENSEARCH_REPLICAS", "ARCHIVE_OPENSEARCH_TIMEOUT",
                    "ARCHIVE_OPENSEARCH_RETRIES",
                    "ARCHIVE_OPENSEARCH_NO_VERIFY_LOOPBACK", "ARCHIVE_OPENSEARCH_CONFIG",
                    "ARCHIVE_INSTANCE", "ARCHIVE_CORPUS", "ARCHIVE_INDEX")


def unique_index() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def drop_indexes(client, prefix: str) -> None:
    """Remove every index of a test: the alias's indexes, the lock index, leftovers."""
    for name in client.indices.get(index=f"{prefix}*", expand_wildcards="all"):
        client.indices.delete(index=name)


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
