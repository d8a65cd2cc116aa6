"""Fixtures for the OpenSearch engine's tests: each test gets its own index name on the session's
node (so tests never see each other's indexes), removed with everything under it afterwards."""

from __future__ import annotations

import pytest

from archive.opensearch.settings import OpenSearchSettings
from tests.opensearch.fixtures import ENGINE_VARIABLES, drop_indexes, unique_index


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No engine settings from the environment of whoever runs the tests."""
    for name in ENGINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def os_client(opensearch_node):
    client = opensearch_node.client()
    yield client
    client.close()


@pytest.fixture
def os_settings(opensearch_node, os_client) -> OpenSearchSettings:
    """Settings for this test's own index on the session's node (plain HTTP, no user)."""
    name = unique_index()
    yield OpenSearchSettings(urls=(opensearch_node.url,), index=name)
    drop_indexes(os_client, name)


@pytest.fixture
def os_archive(os_settings):
    from archive.opensearch.engine import OpenSearchArchive

    return OpenSearchArchive(os_settings)


@pytest.fixture
def os_cli(os_settings, corpus, tmp_path):
    """Run manage.py with `--engine opensearch` against this test's index (Click's runner)."""
    from click.testing import CliRunner

    from manage import cli as group

    runner = CliRunner()

    def run(*args: str, env: dict | None = None):
        return runner.invoke(group, ["--corpus", str(corpus), "--index",
                                     str(tmp_path / "index"), "--engine", "opensearch",
                                     "--opensearch-url", ",".join(os_settings.urls),
                                     "--opensearch-index", os_settings.index, *args],
                             env=env, catch_exceptions=False)

    return run
