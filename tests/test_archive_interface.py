"""The web app's read pages and the batch search ask the archive only what `archive.engine.Archive`
declares, with the arguments it declares, so they work on any engine that implements it."""

from __future__ import annotations

import inspect

import pytest

from archive.batch import search_batch
from archive.engine import Archive

DECLARED = {name for name, value in vars(Archive).items()
            if callable(value) and not name.startswith("_")}


class InterfaceOnly:
    """A real archive seen through the `Archive` protocol: anything else is an error."""

    def __init__(self, archive):
        self._archive = archive
        self.asked: set[str] = set()

    def __getattr__(self, name: str):
        if name not in DECLARED:
            raise AssertionError(f"Archive declares no {name!r}")
        signature = inspect.signature(getattr(Archive, name))

        def call(*args, **kwargs):
            signature.bind(self, *args, **kwargs)  # a TypeError for an undeclared argument
            self.asked.add(name)
            return getattr(self._archive, name)(*args, **kwargs)
        return call


@pytest.fixture
def seen(app):
    wrapped = InterfaceOnly(app.extensions["morgue"]["archive"])
    app.extensions["morgue"]["archive"] = wrapped
    return wrapped


def test_read_pages_ask_only_what_the_archive_declares(app, seen):
    client = app.test_client()
    article_id = client.get("/search.json?q=*:*").get_json()["hits"][0]["id"]
    for url in ("/", "/?q=the", "/search.json?q=report&sort=newest",
                f"/article/{article_id}", f"/article/{article_id}.json?q=report",
                "/facet/outlet", "/facet/format.json", "/export.csv?q=report",
                "/export.json?sort=oldest", "/feed.atom?q=report", "/feed.atom",
                "/batch?lines=report%0Anothing+at+all", "/batch.json?lines=report"):
        answer = client.get(url)
        assert answer.status_code in (200, 404), url
        answer.get_data()  # a download is read to the end
    assert {"search", "get", "export", "versions", "more_like_this", "marked_part"} <= seen.asked


def test_the_feed_and_the_batch_search_go_through_the_interface(app, seen):
    client = app.test_client()
    feed = client.get("/feed.atom?q=report")
    assert feed.status_code == 200 and b"<entry>" in feed.data
    assert seen.asked == {"search"}
    results = search_batch(seen, [("1", "report"), ("2", '"unclosed')], limit=3)
    assert results[0].total >= 1 and results[1].error


def test_an_undeclared_argument_is_caught(app, seen):
    with pytest.raises(TypeError):
        seen.search(None, no_such_option=True)
    with pytest.raises(AssertionError, match="declares no"):
        seen.prepare()
