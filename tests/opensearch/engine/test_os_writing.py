"""Writing to OpenSearch: an added article is searchable when `add` returns; a rebuild moves the
alias only when the new index is complete, and a writer killed or interrupted part-way leaves the
old index serving; the writer lock holds across processes; story keys agree with Whoosh's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from archive import Config, IndexLocked, open_archive
from archive.opensearch.engine import OpenSearchArchive
from archive.opensearch.lock import LOCK_ID, lock_index
from indexer import adding, pipeline
from tests.opensearch.engine.test_os_errors import article

pytestmark = pytest.mark.opensearch
REPO = Path(__file__).resolve().parents[3]


def aliased(client, alias: str) -> list[str]:
    return sorted(client.indices.get_alias(name=alias))


def generations(client, alias: str) -> list[str]:
    return sorted(n for n in client.indices.get(index=f"{alias}-*") if not n.endswith("-lock"))


def engine_env(settings) -> dict:
    return {**os.environ, "ARCHIVE_ENGINE": "opensearch",
            "ARCHIVE_OPENSEARCH_URL": ",".join(settings.urls),
            "ARCHIVE_OPENSEARCH_INDEX": settings.index, "PYTHONPATH": str(REPO)}


def start_python(code: str, settings, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, text=True,
                            env=engine_env(settings), stdout=subprocess.PIPE)


# -- add -----------------------------------------------------------------------------------------

def test_an_added_file_is_searchable_when_add_returns(os_archive, os_client, corpus, tmp_path):
    assert pipeline.rebuild(os_archive, corpus, workers=1).ok
    for n in range(4):
        new = tmp_path / f"new-{n}.txt"
        new.write_text(f"Harbour strike, day {n}\n\nDock workers walked out for the {n}th day "
                       f"as talks over pay and night shifts collapsed again.\n")
        report = adding.add(os_archive, corpus, [new])
        assert report.indexed == 1, report.failed
        found = os_client.search(index=os_archive.alias, body={  # no refresh asked: none needed
            "query": {"match": {"body": f"{n}th"}}})["hits"]["hits"]
        assert [h["_source"]["title"] for h in found] == [f"Harbour strike, day {n}"]
        assert f"new-{n}.txt" in os_archive.path_digests()
        assert os_archive.stats().articles == 2 + n


def test_deletions_and_additions_apply_in_order(os_archive):
    with os_archive.update() as sink:
        sink.add(article(1))
        sink.add(article(2, path="wire/1.txt"))
    assert sorted(os_archive.path_digests()) == ["wire/1.txt"]
    assert len(os_archive.ids_for_sha256(f"{1:064x}")) == 1
    with os_archive.update() as sink:  # a file indexed again: its old articles go, new ones come
        sink.delete_path("wire/1.txt")
        sink.add(article(3, path="wire/1.txt"))
    assert os_archive.stats().articles == 1 and os_archive.get("a0003").path == "wire/1.txt"
    with os_archive.update() as sink:  # added and removed in one transaction
        sink.add(article(4, path="wire/4.txt"))
        sink.delete_path("wire/4.txt")
        sink.delete("a0003")
        sink.delete("no-such-id")
    assert os_archive.stats().articles == 0


def test_a_rebuild_can_delete_what_it_wrote(os_archive):
    with os_archive.rebuild() as sink:
        for n in range(3):
            sink.add(article(n))
        sink.delete_path("wire/1.txt")
    assert sorted(os_archive.path_digests()) == ["wire/0.txt", "wire/2.txt"]


def test_corrections_takedowns_and_restores(os_archive, corpus):
    from indexer import edits, takedown

    assert pipeline.rebuild(os_archive, corpus, workers=1).ok
    (article_id,) = os_archive.ids_for_sha256(next(iter(os_archive.path_digests().values())))
    before = os_archive.get(article_id)
    _change, after = edits.correct(os_archive, corpus, before, {"title": "A corrected title"},
                                   by="editor")
    assert after.title == "A corrected title" and os_archive.get(article_id) == after
    record = takedown.take_down(os_archive, corpus, after, "error", "wrong file", by="editor")
    assert os_archive.path_digests() == {}
    _item, articles = takedown.restore(os_archive, corpus, record.kept)
    assert [a.title for a in articles] == ["A corrected title"]
    assert os_archive.get(articles[0].id) == articles[0]


def test_an_update_that_fails_before_its_commit_changes_nothing(os_archive):
    with os_archive.update() as sink:
        sink.add(article(1))
    with pytest.raises(RuntimeError):
        with os_archive.update() as sink:
            sink.add(article(2))
            raise RuntimeError("the caller failed")
    assert sorted(os_archive.path_digests()) == ["wire/1.txt"]


def test_listing_goes_past_ten_thousand_articles(os_archive):
    with os_archive.rebuild() as sink:
        for n in range(10_050):
            sink.add(article(n, body=f"Brief number {n}."))
    digests = os_archive.path_digests()
    assert len(digests) == 10_050 and digests["wire/10049.txt"] == f"{10049:064x}"



def test_the_articles_of_a_file_are_found_past_one_search(os_archive, monkeypatch):
    """The ids of a file's articles: one plain search, or a point-in-time scan when there are
    more than one search returns; the same ids either way."""
    from archive.opensearch import reading

    with os_archive.rebuild() as sink:
        for n in range(30):
            sink.add(article(n, id=f"b{n:04d}", path="wire/all.sgm", sha256="f" * 64))
        sink.add(article(99))
    alone = os_archive.ids_for_sha256(f"{99:064x}")
    found = os_archive.ids_for_sha256("f" * 64)
    assert alone == ["a0099"] and found == [f"b{n:04d}" for n in range(30)]
    monkeypatch.setattr(reading, "MAX_IDS", 7)
    assert os_archive.ids_for_sha256("f" * 64) == found
    assert os_archive.ids_for_sha256("0" * 64) == []

# -- rebuild -------------------------------------------------------------------------------------

def test_a_rebuild_moves_the_alias_and_deletes_the_old_index(os_archive, os_client, corpus):
    assert pipeline.rebuild(os_archive, corpus, workers=1).ok
    first = aliased(os_client, os_archive.alias)
    assert pipeline.rebuild(os_archive, corpus, workers=1).ok
    second = aliased(os_client, os_archive.alias)
    assert len(first) == len(second) == 1 and first != second
    assert generations(os_client, os_archive.alias) == second
    settings = os_client.indices.get_settings(index=second[0])[second[0]]["settings"]["index"]
    assert settings["number_of_shards"] == "1" and settings["auto_expand_replicas"] == "0-1"
    assert "refresh_interval" not in settings  # back to the default after the load
    assert os_archive.stats().generation == second[0]


def test_an_interrupted_rebuild_leaves_the_old_index_serving(os_archive, os_client, corpus):
    assert pipeline.rebuild(os_archive, corpus, workers=1).ok
    serving = aliased(os_client, os_archive.alias)
    with pytest.raises(KeyboardInterrupt):
        with os_archive.rebuild() as sink:
            for n in range(1200):
                sink.add(article(n))
            raise KeyboardInterrupt  # Ctrl-C
    assert aliased(os_client, os_archive.alias) == serving
    assert generations(os_client, os_archive.alias) == serving  # the half index is gone
    assert os_archive.stats().articles == 1


def test_a_rebuild_that_writes_less_than_it_was_given_is_not_published(os_archive, os_client,
                                                                       corpus):
    from archive import IndexCorrupt

    assert pipeline.rebuild(os_archive, corpus, workers=1).ok
    serving = aliased(os_client, os_archive.alias)
    with pytest.raises(IndexCorrupt, match="holds 2 articles, not the 3 written"):
        with os_archive.rebuild() as sink:
            for n in range(3):
                sink.add(article(n))
            sink.flush()
            new = [n for n in generations(os_client, os_archive.alias) if n not in serving]
            os_client.delete(index=new[0], id="a0001")  # lost on the way
    assert aliased(os_client, os_archive.alias) == serving
    assert generations(os_client, os_archive.alias) == serving


KILLED_WRITER = """
import sys, time
from archive import Config, open_archive
from tests.opensearch.engine.test_os_errors import article
archive = open_archive(Config.load())
lock = archive.lock()
lock.acquire(wait=30)
with archive.rebuild() as sink:
    for n in range(int(sys.argv[1])):
        sink.add(article(n))
    sink.flush()
    print("loaded", flush=True)
    time.sleep(600)
"""


def test_a_writer_killed_mid_rebuild_leaves_the_old_index_and_the_next_run_cleans_up(
        os_archive, os_settings, os_client, corpus):
    assert pipeline.rebuild(os_archive, corpus, workers=1).ok
    serving = aliased(os_client, os_archive.alias)
    writer = start_python(KILLED_WRITER, os_settings, "1500")
    try:
        assert writer.stdout.readline().strip() == "loaded"
        half = [n for n in generations(os_client, os_archive.alias) if n not in serving]
        assert len(half) == 1
        os_client.indices.refresh(index=half[0])
        assert os_client.count(index=half[0])["count"] == 1500
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    finally:
        writer.kill()
        writer.stdout.close()
    # The old index still serves; the half index is there, unpublished.
    assert aliased(os_client, os_archive.alias) == serving
    assert os_archive.stats().articles == 1
    assert os_archive.get(next(iter(os_archive.ids_for_sha256(
        next(iter(os_archive.path_digests().values())))))).format == "text"
    assert set(half) < set(generations(os_client, os_archive.alias))
    # The next rebuild takes over the dead writer's lock at once (its process is gone) and
    # removes what it left.
    started = time.monotonic()
    assert pipeline.rebuild(os_archive, corpus, workers=1, lock_wait=0).ok
    assert time.monotonic() - started < 60
    now = aliased(os_client, os_archive.alias)
    assert now != serving and generations(os_client, os_archive.alias) == now


# -- the writer lock -----------------------------------------------------------------------------

HOLDER = """
import sys, time
from archive import Config, open_archive
lock = open_archive(Config.load()).lock()
lock.acquire(wait=30)
print("held", flush=True)
time.sleep(float(sys.argv[1]))
lock.release()
print("released", flush=True)
"""


def test_the_lock_holds_across_processes(os_archive, os_settings, os_cli, tmp_path):
    holder = start_python(HOLDER, os_settings, "6")
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(IndexLocked) as caught:
            os_archive.lock().acquire(wait=0.5)
        assert f"the OpenSearch index '{os_settings.index}' is being written by another " \
               f"command (process {holder.pid} on " in str(caught.value)
        new = tmp_path / "new.txt"
        new.write_text("Lock test\n\nA harbour article waiting for the writer lock to be free.\n")
        result = os_cli("add", "--wait", "1", str(new))
        assert result.exit_code == 1 and "is being written by another command" in result.output
        assert "Hint: wait for the other command to finish" in result.output
        waited = []
        lock = os_archive.lock()
        lock.acquire(wait=60, on_wait=waited.append)
        try:
            assert holder.stdout.readline().strip() == "released"
            assert waited and "waiting for another command" in waited[0]
        finally:
            lock.release()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_a_dead_holders_lock_is_taken_over_after_it_expires(os_archive, os_settings, os_client):
    os_client.indices.create(index=lock_index(os_settings.index))
    os_client.index(index=lock_index(os_settings.index), id=LOCK_ID, refresh=True, body={
        "token": "elsewhere", "host": "other-machine", "pid": 4242, "machine": "other/1",
        "expires": time.time() + 4, "since": "2024-01-01T00:00:00+00:00"})
    with pytest.raises(IndexLocked, match="process 4242 on other-machine"):
        os_archive.lock().acquire(wait=0)
    lock = os_archive.lock()
    started = time.monotonic()
    lock.acquire(wait=30)
    try:
        assert 1 < time.monotonic() - started < 30
        holder = os_client.get(index=lock_index(os_settings.index), id=LOCK_ID)["_source"]
        assert holder["token"] == lock.token and holder["pid"] == os.getpid()
    finally:
        lock.release()
    assert not os_client.exists(index=lock_index(os_settings.index), id=LOCK_ID)  # released


def test_a_lock_that_is_renewed_outlives_its_ttl(os_archive, os_settings, os_client):
    from archive.opensearch.lock import EngineLock

    lock = EngineLock(os_archive.client, os_settings, ttl=1.5)
    lock.acquire()
    try:
        time.sleep(4)  # over twice the ttl: only the renewals keep it
        with pytest.raises(IndexLocked):
            EngineLock(os_archive.client, os_settings, ttl=1.5).acquire(wait=0)
        lock.check()
    finally:
        lock.release()


def test_a_writer_whose_lock_was_taken_over_publishes_nothing(os_archive, os_settings,
                                                              os_client, corpus):
    assert pipeline.rebuild(os_archive, corpus, workers=1).ok
    serving = aliased(os_client, os_archive.alias)
    lock = os_archive.lock()
    lock.acquire()
    try:
        with pytest.raises(IndexLocked, match="was taken over by another command"):
            with os_archive.rebuild() as sink:
                sink.add(article(1))
                os_client.index(index=lock_index(os_settings.index), id=LOCK_ID, body={
                    "token": "another", "host": "h", "pid": 1, "expires": time.time() + 60})
    finally:
        lock.release()
    assert aliased(os_client, os_archive.alias) == serving
    assert generations(os_client, os_archive.alias) == serving


# -- story keys ----------------------------------------------------------------------------------

def story_keys(archive, client=None) -> dict[str, str]:
    """Article id -> story key, read from the Whoosh index or the OpenSearch documents."""
    if client is None:
        from archive.whoosh import stories

        searcher = archive._searcher()
        return {f["id"]: stories.story_key(searcher, f["id"])
                for f in searcher.all_stored_fields()}
    hits = client.search(index=archive.alias, body={"size": 1000, "_source": ["story"]})
    return {h["_id"]: h["_source"]["story"] for h in hits["hits"]["hits"]}


def test_story_keys_are_the_whoosh_engines_and_any_writer_finds_them(os_archive, os_settings,
                                                                     os_client, tmp_path):
    from tests.reporter_corpora import newsroom_corpus

    corpus = newsroom_corpus(tmp_path)
    whoosh = open_archive(Config(corpus, tmp_path / "index"))
    assert pipeline.rebuild(whoosh, corpus, workers=1).ok
    assert pipeline.rebuild(os_archive, corpus, workers=1).ok
    expected = story_keys(whoosh)
    assert story_keys(os_archive, os_client) == expected
    assert len(set(expected.values())) < len(expected)  # the strike's versions share a key
    # Another version of the strike, added by another writer (a second archive object, as
    # another machine would have), joins the same story; so it does in Whoosh.
    strike = (corpus / "strike-1.txt").read_text().replace("Daily Planet", "Harbour Herald")
    extra = tmp_path / "strike-4.txt"
    extra.write_text(strike)
    other = OpenSearchArchive(replace(os_settings))
    assert adding.add(other, corpus, [extra]).indexed == 1
    assert adding.add(whoosh, corpus, [extra]).indexed == 1
    ours, theirs = story_keys(os_archive, os_client), story_keys(whoosh)
    assert ours == theirs
    new_id = next(i for i in ours if i not in expected)
    strike_id = next(i for i in expected if os_archive.get(i).path == "strike-1.txt")
    assert ours[new_id] == ours[strike_id]
