"""One small real corpus indexed by every engine, for tests that assert the same behaviour.

The corpus: versions of one story, undated and dated articles, authors and outlets
(tests/reporter_corpora.py's newsroom), forty BBC News articles and the seed article.
Each engine indexes it once a session: Whoosh into a temporary folder, OpenSearch into
its own index on the session's node (tests/opensearch/fixtures.py), removed afterwards.
`engine` runs a test on each engine (the OpenSearch one is marked `opensearch`);
`both` gives the two, for tests that compare their answers.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import SEED, shared_path
from tests.opensearch.fixtures import ENGINE_VARIABLES, drop_indexes, unique_index
from tests.reporter_corpora import newsroom_corpus

TODAY = dt.date(2024, 6, 1)
BBC_PER_TOPIC = 8  # of each of the five BBC topics


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No engine settings from the environment of whoever runs the tests."""
    for name in ENGINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def behaviour_corpus(tmp_path_factory) -> Path:
    corpus = newsroom_corpus(tmp_path_factory.mktemp("behaviour"))
    shutil.copy2(SEED, corpus / SEED.name)
    taken: dict[str, int] = {}
    with tarfile.open(shared_path("data", "bbc", "bbc-fulltext.tar.gz")) as tar:
        for member in tar:
            if not (member.isfile() and member.name.endswith(".txt")):
                continue
            topic = member.name.split("/")[1]
            if taken.get(topic, 0) < BBC_PER_TOPIC:
                taken[topic] = taken.get(topic, 0) + 1
                (corpus / member.name.replace("/", "_")).write_bytes(
                    tar.extractfile(member).read())
    return corpus


def _build(name: str, config) -> SimpleNamespace:
    from archive import open_archive
    from indexer import pipeline

    archive = open_archive(config, result_cache=0)
    report = pipeline.rebuild(archive, config.corpus_dir, workers=1)
    assert report.ok, report.failed
    return SimpleNamespace(name=name, archive=archive, config=config)


@pytest.fixture(scope="session")
def whoosh_engine(behaviour_corpus):
    from archive import Config

    return _build("whoosh", Config(behaviour_corpus, behaviour_corpus.parent / "whoosh-index"))


@pytest.fixture(scope="session")
def opensearch_engine(behaviour_corpus, opensearch_node):
    from archive import Config
    from archive.opensearch.settings import OpenSearchSettings

    settings = OpenSearchSettings(urls=(opensearch_node.url,), index=unique_index())
    built = _build("opensearch", Config(behaviour_corpus, behaviour_corpus.parent / "os-cache",
                                        "opensearch", settings))
    yield built
    client = opensearch_node.client()
    try:
        drop_indexes(client, settings.index)
    finally:
        client.close()


@pytest.fixture(scope="session", params=["whoosh", pytest.param("opensearch",
                                                                marks=pytest.mark.opensearch)])
def engine(request) -> SimpleNamespace:
    """The corpus indexed by one engine: `.name`, `.archive`, `.config`."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def both(whoosh_engine, opensearch_engine) -> tuple:
    return whoosh_engine.archive, opensearch_engine.archive


def web_client(engine: SimpleNamespace):
    """The Flask test client of a web app over the engine's archive."""
    from webapp import create_app

    config = engine.config
    settings = {"TESTING": True, "INDEX_DIR": str(config.index_dir),
                "CORPUS_DIR": str(config.corpus_dir), "TODAY": TODAY, "ENGINE": engine.name}
    if config.opensearch is not None:
        settings.update(OPENSEARCH_URL=",".join(config.opensearch.urls),
                        OPENSEARCH_INDEX=config.opensearch.index)
    return create_app(settings).test_client()


def run_cli(engine: SimpleNamespace, *args: str):
    """`manage.py` with the engine's options, in-process (Click's runner)."""
    from click.testing import CliRunner

    from manage import cli

    config = engine.config
    options = ["--corpus", str(config.corpus_dir), "--index", str(config.index_dir),
               "--engine", engine.name]
    if config.opensearch is not None:
        options += ["--opensearch-url", ",".join(config.opensearch.urls),
                    "--opensearch-index", config.opensearch.index]
    return CliRunner().invoke(cli, [*options, *args], catch_exceptions=False)
