"""An index that exists but holds no articles: the search page says how to add some."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Server, _manage

pytestmark = pytest.mark.browser


def test_search_page_over_an_empty_index_explains_how_to_add(chromium, tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    _manage(corpus, index, "reindex")
    server = Server(corpus, index, tmp_path / "server.log", "--no-build")
    context = chromium.new_context()
    try:
        page = context.new_page()
        response = page.goto(server.base + "/")
        assert response.status == 200
        assert page.locator("h1").inner_text() == "The archive is empty"
        assert "manage.py add" in page.locator("main").inner_text()
    finally:
        context.close()
        server.stop()
