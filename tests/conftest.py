"""Shared fixtures: real corpora and real Whoosh indexes in temporary folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# The session's OpenSearch node, shared by tests/opensearch/ and tests/behaviour/.
from tests.opensearch.fixtures import opensearch_node, opensearch_setup  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "corpus" / "000_63e57cd8b9eaabc8.txt"


def shared_dir() -> Path:
    """The shared data folder next to the checkout (or $MORGUE_SHARED)."""
    return Path(os.environ.get("MORGUE_SHARED") or REPO.parent / "shared")


def shared_path(*parts: str) -> Path:
    path = shared_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data {path} is not available (set MORGUE_SHARED)")
    return path


@pytest.fixture
def shared():
    return shared_path


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A corpus folder holding the seed article."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy2(SEED, folder / SEED.name)
    return folder


@pytest.fixture
def index_dir(tmp_path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def archive(corpus, index_dir):
    from archive import Config, open_archive

    return open_archive(Config(corpus, index_dir))


@pytest.fixture
def built(archive, corpus):
    """The archive with the corpus indexed."""
    from indexer import pipeline

    report = pipeline.rebuild(archive, corpus, workers=1)
    assert report.ok, report.failed
    return archive


@pytest.fixture
def app(built, corpus, index_dir):
    from webapp import create_app

    return create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus)})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli(corpus, index_dir):
    """Run manage.py commands in-process with Click's runner against the temp archive."""
    from click.testing import CliRunner

    from manage import cli as group

    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(group, ["--corpus", str(corpus), "--index", str(index_dir), *args],
                             catch_exceptions=False)

    return run


def extraction_page(key_prefix: str = "") -> Path:
    """One real page of the extraction set (gzipped HTML), read in place."""
    folder = shared_path("data", "extraction", "html")
    pages = sorted(folder.glob(f"{key_prefix}*.html.gz"))
    if not pages:
        pytest.skip(f"no extraction page matching {key_prefix!r}")
    return pages[0]
