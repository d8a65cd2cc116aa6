"""Fixtures for tests against real OpenSearch nodes on 127.0.0.1 (tests marked `opensearch`).

The session's one node (`opensearch_node`) is in tests/opensearch/fixtures.py, shared by
every folder of tests through tests/conftest.py.

Without Java, the assembled node or (as root) the node user, these tests skip with a reason
saying how to enable them (`python -m tests.opensearch.fetch`); with MORGUE_REQUIRE_OPENSEARCH=1
(set by .ci/run) the same reason is a failure instead.
"""

from __future__ import annotations

import pytest

from tests.opensearch.fixtures import TEST_JAVA_OPTS, start_cluster  # noqa: F401  (used from here)


@pytest.fixture(scope="module")
def opensearch_cluster(opensearch_setup):
    """Three nodes forming one cluster, for one test module; `.urls`, `.nodes`, `.restart()`."""
    cluster = start_cluster(opensearch_setup, 3)
    yield cluster
    cluster.stop()
