"""Every failure of the cluster is a domain error naming OpenSearch and the cause: an address
nobody listens on, a cluster that does not answer, TLS, a wrong password, a red index, a full
disk, a mapping conflict; a message and exit status 1 in the command line, 503 in the web app;
and the password is in none of them, nor in the logs."""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import replace

import pytest
from bs4 import BeautifulSoup
from opensearchpy.exceptions import TransportError

from archive import ArticleNotFound, IndexMissing
from archive.errors import EngineAuthError, EngineFull, EngineUnavailable, MappingConflict
from archive.opensearch.engine import OpenSearchArchive
from archive.opensearch.mapping import index_body
from archive.opensearch.reading import RESUME_WAIT, Reader
from archive.records import Article, SearchRequest
from indexer import pipeline
from tests.opensearch.engine.tls_proxy import TLSProxy
from tests.opensearch.nodes import free_ports

pytestmark = pytest.mark.opensearch
USER, SECRET = "morgue-writer", "Tr0ub4dor&3-secret"


def article(n: int, **changes) -> Article:
    values = dict(id=f"a{n:04d}", path=f"wire/{n}.txt", sha256=f"{n:064x}", format="text",
                  title=f"Harbour strike day {n}",
                  body=f"Dock workers walked out on day {n} after talks over pay collapsed, "
                       f"leaving container ships queueing outside the port.")
    return Article(**{**values, **changes})


def web_client(tmp_path, settings, monkeypatch=None):
    from webapp import create_app

    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index"),
                      "CORPUS_DIR": str(tmp_path / "corpus"), "ENGINE": "opensearch",
                      "OPENSEARCH_URL": ",".join(settings.urls),
                      "OPENSEARCH_INDEX": settings.index})
    return app.test_client()


def assert_unavailable_page(client, cause: str) -> None:
    page = client.get("/article/a0001")
    assert page.status_code == 503 and page.headers["Retry-After"] == "60"
    text = BeautifulSoup(page.data, "html.parser").get_text(" ")
    assert "The search engine cannot answer" in text and cause in text
    answer = client.get("/article/a0001.json")
    assert answer.status_code == 503
    assert answer.get_json()["error"]["status"] == 503
    assert cause in answer.get_json()["error"]["message"]


# -- unreachable, no answer ------------------------------------------------------------------

def test_an_address_nobody_listens_on(os_settings, tmp_path, os_cli):
    settings = replace(os_settings, urls=(f"http://127.0.0.1:{free_ports(1)[0]}",))
    archive = OpenSearchArchive(settings)
    for call in (archive.exists, archive.stats, archive.path_digests,
                 lambda: archive.get("a0001"), lambda: archive.lock().acquire()):
        with pytest.raises(EngineUnavailable) as caught:
            call()
        message = str(caught.value)
        assert message.startswith(f"OpenSearch at {settings.urls[0]} (index '{settings.index}')")
        assert "connection refused (nothing listens at that address)" in message
        assert "cluster is running" in caught.value.hint
    assert_unavailable_page(web_client(tmp_path, settings), "connection refused")


def test_the_command_line_says_what_failed_without_a_traceback(os_settings, corpus,
                                                               tmp_path):
    from click.testing import CliRunner

    from manage import cli

    url = f"http://127.0.0.1:{free_ports(1)[0]}"
    for command in (["stats"], ["reindex"], ["check"], ["add", str(corpus)]):
        result = CliRunner().invoke(cli, ["--corpus", str(corpus), "--index",
                                          str(tmp_path / "i"), "--engine", "opensearch",
                                          "--opensearch-url", url, *command])
        assert result.exit_code == 1, (command, result.output)
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
        assert f"Error: OpenSearch at {url}" in result.output
        assert "connection refused" in result.output and "Hint:" in result.output


def test_a_cluster_that_does_not_answer_in_time(os_settings):
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings = replace(os_settings, urls=(f"http://127.0.0.1:{silent.getsockname()[1]}",),
                           timeout=1)
        started = time.monotonic()
        with pytest.raises(EngineUnavailable) as caught:
            OpenSearchArchive(settings).stats()
        assert time.monotonic() - started < 30
    assert "no answer within 1 s" in str(caught.value)
    assert "ARCHIVE_OPENSEARCH_TIMEOUT" in caught.value.hint


# -- TLS and basic authentication (through a TLS proxy) --------------------------------------

@pytest.fixture
def proxy(opensearch_node, tmp_path):
    with TLSProxy(opensearch_node.url, tmp_path / "tls", USER, SECRET) as running:
        yield running


def test_certificates_are_checked_by_default_and_the_ca_bundle_makes_it_work(
        proxy, os_settings, corpus):
    secure = replace(os_settings, urls=(proxy.url,), user=USER, password=SECRET)
    with pytest.raises(EngineUnavailable) as caught:
        OpenSearchArchive(secure).exists()
    assert "TLS certificate was refused (unable to get local issuer certificate)" in \
        str(caught.value)
    assert "ARCHIVE_OPENSEARCH_CA" in caught.value.hint
    assert proxy.requests == []  # nothing was sent over the unchecked connection

    archive = OpenSearchArchive(replace(secure, ca=proxy.ca))
    assert archive.exists() is False
    report = pipeline.rebuild(archive, corpus, workers=1)
    assert report.ok and report.indexed == 1
    assert archive.stats().articles == 1
    assert any(r.startswith("POST /_bulk") for r in proxy.requests)


def test_verification_can_be_turned_off_for_a_loopback_address(proxy, os_settings):
    archive = OpenSearchArchive(replace(os_settings, urls=(proxy.url,), user=USER,
                                        password=SECRET, verify=False))
    assert archive.exists() is False


def test_a_wrong_password_and_a_missing_user_are_named(proxy, os_settings):
    wrong = OpenSearchArchive(replace(os_settings, urls=(proxy.url,), ca=proxy.ca, user=USER,
                                      password="not-" + SECRET))
    with pytest.raises(EngineAuthError) as caught:
        wrong.stats()
    assert str(caught.value) == (f"OpenSearch at {proxy.url} (index '{os_settings.index}'): "
                                 f"the user '{USER}' was refused: wrong user name or password "
                                 f"(401)")
    assert "ARCHIVE_OPENSEARCH_PASSWORD" in caught.value.hint
    nobody = OpenSearchArchive(replace(os_settings, urls=(proxy.url,), ca=proxy.ca))
    with pytest.raises(EngineAuthError, match="a request without a user was refused"):
        nobody.exists()


def test_the_password_is_never_shown_nor_logged(proxy, os_settings, corpus, tmp_path,
                                                monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("opensearch", "opensearchpy.trace", "urllib3"):  # restored after the test
        caplog.set_level(logging.DEBUG, logger=name)
    seen: list[str] = []
    good = replace(os_settings, urls=(proxy.url,), ca=proxy.ca, user=USER, password=SECRET)
    archive = OpenSearchArchive(good)
    pipeline.rebuild(archive, corpus, workers=1)
    seen += [repr(archive), repr(good), str(good), repr(archive.stats())]
    for settings in (replace(good, password=SECRET[:-1]), replace(good, ca=None)):
        with pytest.raises(Exception) as caught:
            OpenSearchArchive(settings).stats()
        seen += [str(caught.value), repr(caught.value), caught.value.hint or "",
                 caught.value.public]
    from click.testing import CliRunner

    from manage import cli

    monkeypatch.setenv("ARCHIVE_OPENSEARCH_USER", USER)
    monkeypatch.setenv("ARCHIVE_OPENSEARCH_PASSWORD", SECRET[::-1])  # wrong
    monkeypatch.setenv("ARCHIVE_OPENSEARCH_CA", str(proxy.ca))
    args = ["--corpus", str(corpus), "--index", str(tmp_path / "i"), "--engine",
            "opensearch", "--opensearch-url", proxy.url, "--opensearch-index", good.index]
    for command in (["stats"], ["reindex"], ["check", "--json"]):
        result = CliRunner().invoke(cli, args + command)
        assert result.exit_code == 1
        seen.append(result.output)
    client = web_client(tmp_path, good)
    for address in ("/", "/article/a0001", "/article/a0001.json"):
        answer = client.get(address)
        assert answer.status_code == 503
        seen.append(answer.get_data(as_text=True))
    assert any("wrong user name or password" in text for text in seen)
    seen.append(caplog.text)
    assert len(caplog.records) > 5
    for text in seen:
        assert SECRET not in text and SECRET[::-1] not in text and SECRET[:-1] not in text


def test_a_busy_cluster_is_retried(proxy, os_settings, corpus):
    archive = OpenSearchArchive(replace(os_settings, urls=(proxy.url,), ca=proxy.ca, user=USER,
                                        password=SECRET))
    proxy.refuse_bulk = 2  # two 429 answers, then the node's
    report = pipeline.rebuild(archive, corpus, workers=1)
    assert report.ok and archive.stats().articles == 1
    assert proxy.refuse_bulk == 0
    assert sum(r.startswith("POST /_bulk") for r in proxy.requests) == 3


def test_a_rebuild_whose_bulk_answer_was_lost_is_published(proxy, os_settings, corpus):
    """The node wrote the bulk request, but its answer never came (the connection closed): the
    client sends it again, and the cluster answers "updated" for documents the rebuild wrote
    once. The rebuild counts the articles it handed over, not the cluster's word for each."""
    archive = OpenSearchArchive(replace(os_settings, urls=(proxy.url,), ca=proxy.ca, user=USER,
                                        password=SECRET))
    proxy.drop_bulk_answers = 1
    report = pipeline.rebuild(archive, corpus, workers=1)
    assert report.ok and report.indexed == 1, report.summary()
    assert proxy.drop_bulk_answers == 0
    assert sum(r.startswith("POST /_bulk") for r in proxy.requests) == 2
    assert archive.stats().articles == 1
    assert archive.search(SearchRequest(query="Taliban")).total == 1


# -- scans that must not wait for a new view ---------------------------------------------------

@pytest.mark.parametrize("index, query", [
    ("missing", {"match_all": {}}),  # no such index: 404 index_not_found_exception
    ("", {"no_such_query": {}}),  # a request OpenSearch refuses: 400
])
def test_a_scan_stops_at_once_when_a_new_view_would_not_help(os_archive, os_settings, corpus,
                                                             os_client, caplog, index, query):
    """Only a view lost with a node is read again in a new view (test_os_node_loss.py); a
    missing index or a refused request stops the scan with OpenSearch's answer, without the
    pause and the wait for the index's primaries."""
    assert pipeline.rebuild(os_archive, corpus, workers=1).ok
    reader = Reader(os_client, os_settings.index, os_settings.where)
    target = f"{os_settings.index}-{index}" if index else os_settings.index
    started = time.monotonic()
    with pytest.raises(TransportError) as caught:
        list(reader.scan(target, query, False))
    assert caught.value.status_code in (400, 404)
    # A resumed scan logs it after its pause (1 s); one waiting for a missing index's
    # primaries would take RESUME_WAIT (30 s) more.
    assert "new view" not in caplog.text
    assert time.monotonic() - started < RESUME_WAIT / 3


# -- a red index -------------------------------------------------------------------------------

def test_a_red_index_is_named_as_such(os_archive, os_settings, os_client, tmp_path):
    name = f"{os_settings.index}-20240101-000000-abcdef"
    body = index_body(os_settings)
    body["settings"]["index"]["routing.allocation.require._name"] = "no-such-node"
    os_client.indices.create(index=name, body=body, params={"wait_for_active_shards": "0"})
    os_client.indices.update_aliases(body={"actions": [{"add": {"index": name,
                                                                "alias": os_settings.index}}]})
    for call in (os_archive.stats, os_archive.path_digests, os_archive.update().__enter__):
        with pytest.raises(EngineUnavailable) as caught:
            call()
        assert f"index {name!r} has 1 of 1 primary shards not allocated" in str(caught.value)
        assert "the cluster is red" in str(caught.value)
        assert "allocation/explain" in caught.value.hint
    with pytest.raises(EngineUnavailable, match="cluster"):
        os_archive.get("a0001")
    assert_unavailable_page(web_client(tmp_path, os_settings), "OpenSearch")


# -- a full disk -------------------------------------------------------------------------------

@pytest.fixture
def flood_stage(os_client):
    """Disk watermarks that every disk passes (1% used), checked every 10 s; undone after."""
    watermarks = {"cluster.routing.allocation.disk.threshold_enabled": True,
                  "cluster.routing.allocation.disk.watermark.low": "1%",
                  "cluster.routing.allocation.disk.watermark.high": "1%",
                  "cluster.routing.allocation.disk.watermark.flood_stage": "1%",
                  "cluster.info.update.interval": "10s"}

    def blocked(index: str) -> bool:
        found = os_client.indices.get_settings(index=index, name="index.blocks.*")
        return found.get(index, {}).get("settings", {}).get("index", {}).get("blocks", {}).get(
            "read_only_allow_delete") == "true"

    def flood() -> None:
        os_client.cluster.put_settings(body={"transient": watermarks})
    yield flood, blocked
    os_client.cluster.put_settings(body={"transient": {k: None for k in watermarks}})
    # Flood stage on every node also blocks creating indexes (auto-released later): undo now.
    os_client.cluster.put_settings(body={"transient": {"cluster.blocks.create_index": None},
                                         "persistent": {"cluster.blocks.create_index": None}})
    os_client.indices.put_settings(index="_all", body={"index.blocks.read_only_allow_delete": None})


def test_a_full_disk_stops_writes_with_a_clear_message(os_archive, corpus, flood_stage):
    flood, blocked = flood_stage
    assert pipeline.rebuild(os_archive, corpus, workers=1).ok
    serving = os_archive.stats().generation
    flood()
    deadline = time.monotonic() + 90
    while not blocked(serving) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert blocked(serving), "the flood-stage block did not come"
    with pytest.raises(EngineFull) as caught:
        with os_archive.update() as sink:
            sink.add(article(1))
    assert "a disk passed the flood-stage watermark and the index is read-only" in \
        str(caught.value)
    assert "free disk space" in caught.value.hint
    assert os_archive.stats().articles == 1  # reading goes on


def test_writes_refused_by_a_read_only_block_name_the_documents(os_archive, os_client):
    with os_archive.update() as sink:
        sink.add(article(1))
    serving = os_archive.stats().generation
    os_client.indices.put_settings(index=serving,
                                   body={"index.blocks.read_only_allow_delete": True})
    try:
        with pytest.raises(EngineFull, match="flood-stage"):
            with os_archive.update() as sink:
                sink.add(article(2))
    finally:
        os_client.indices.put_settings(index=serving,
                                       body={"index.blocks.read_only_allow_delete": None})


# -- mapping conflicts -------------------------------------------------------------------------

def test_an_index_that_morgue_did_not_make(os_archive, os_settings, os_client, corpus):
    os_client.indices.create(index=os_settings.index, body={
        "mappings": {"properties": {"published": {"type": "integer"}}}})
    for call in (os_archive.stats, lambda: pipeline.rebuild(os_archive, corpus, workers=1),
                 os_archive.update().__enter__):
        with pytest.raises(MappingConflict) as caught:
            call()
        assert f"'{os_settings.index}' is an index that Morgue did not make" in str(caught.value)
        assert "ARCHIVE_OPENSEARCH_INDEX" in caught.value.hint
    built = set(os_client.indices.get(index=f"{os_settings.index}-*"))
    assert built <= {f"{os_settings.index}-lock"}  # nothing was built


def test_an_index_of_another_mapping_version(os_archive, os_settings, os_client):
    with os_archive.update() as sink:
        sink.add(article(1))
    serving = os_archive.stats().generation
    os_client.indices.put_mapping(index=serving, body={"_meta": {"morgue": {
        "mapping_version": 0}}})
    with pytest.raises(MappingConflict, match=f"index {serving} was made with mapping 0"):
        os_archive.stats()


def test_documents_the_mapping_refuses_are_named(os_archive, os_settings, os_client):
    name = f"{os_settings.index}-20240101-000000-abcdef"
    body = index_body(os_settings)
    body["mappings"]["properties"]["published"] = {"type": "long"}  # not a date
    os_client.indices.create(index=name, body=body)
    os_client.indices.update_aliases(body={"actions": [{"add": {"index": name,
                                                                "alias": os_settings.index}}]})
    import datetime as dt

    with pytest.raises(MappingConflict) as caught:
        with os_archive.update() as sink:
            sink.add(article(1))
            sink.add(article(2, published=dt.date(1987, 3, 1)))
    assert "1 document (a0002) refused" in str(caught.value)
    assert "mapper_parsing_exception" in str(caught.value)
    assert os_client.count(index=name)["count"] == 0  # an update sends nothing unless it all fits


# -- searching -------------------------------------------------------------------------------

def test_searching_answers_and_refuses_bad_queries(os_archive, corpus, tmp_path, os_settings):
    from archive import SearchRequest

    assert pipeline.rebuild(os_archive, corpus, workers=1).ok
    assert os_archive.search(SearchRequest("strike")).total >= 0
    client = web_client(tmp_path, os_settings)
    assert client.get("/search.json?q=strike").status_code == 200
    answer = client.get("/search.json?q=strike&sort=best")
    assert answer.status_code == 400
    assert "sort: 'best' is not one of" in answer.get_json()["error"]["message"]
    with pytest.raises(ArticleNotFound):
        os_archive.get("nosuchid")


def test_an_archive_without_an_index(os_archive, tmp_path, os_settings):
    assert os_archive.exists() is False
    from archive import SearchRequest

    for call in (os_archive.stats, os_archive.path_digests, lambda: os_archive.get("x"),
                 lambda: os_archive.ids_for_sha256("0" * 64), os_archive.optimize,
                 lambda: os_archive.search(SearchRequest("strike"))):
        with pytest.raises(IndexMissing):
            call()
    page = web_client(tmp_path, os_settings).get("/")
    assert page.status_code == 200 and b"Empty archive" in page.data
