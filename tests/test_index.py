"""Index storage: atomic rebuilds, the writer lock, and readers that see new commits."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp

import pytest

from archive import Article, IndexLocked, IndexMissing, SearchRequest
from archive.age import age_band, age_warning, whole_years
from archive.records import AgeBanner
from indexer import adding, pipeline


def _article(n: int, **kw) -> Article:
    values = dict(id=f"a{n:04d}", path=f"f{n}.txt", sha256=f"{n:064x}", format="text",
                  title=f"Story number {n}", body=f"Body of story {n} about harbours and ships.")
    values.update(kw)
    return Article(**values)


def test_missing_index_is_a_clear_error(archive):
    assert not archive.exists()
    with pytest.raises(IndexMissing):
        archive.search(SearchRequest("x"))


def test_failed_rebuild_leaves_the_old_index_serving(built):
    before = built.search(SearchRequest("Taliban")).total
    generation = built.store.current_name()
    with pytest.raises(RuntimeError):
        with built.rebuild() as sink:
            sink.add(_article(1))
            raise RuntimeError("crash in the middle of a rebuild")
    assert built.store.current_name() == generation
    assert built.search(SearchRequest("Taliban")).total == before == 1
    assert built.search(SearchRequest("harbours")).total == 0
    gens = sorted(p.name for p in built.index_dir.glob("gen-*"))
    assert gens == [generation]


def test_interrupted_reindex_keeps_the_old_index(built, corpus):
    (corpus / "more.txt").write_text("More\n\nAnother story about harbours.\n")
    generation = built.store.current_name()

    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pipeline.rebuild(built, corpus, workers=1, progress=interrupt)
    assert built.store.current_name() == generation
    assert built.search(SearchRequest("harbours")).total == 0
    report = pipeline.rebuild(built, corpus, workers=1)
    assert report.indexed == 2
    assert built.search(SearchRequest("harbours")).total == 1


def test_rebuild_swaps_and_keeps_one_previous_generation(built, corpus):
    for _ in range(3):
        pipeline.rebuild(built, corpus, workers=1)
    assert len(list(built.index_dir.glob("gen-*"))) == 2


def _hold_lock(index_dir, ready, release):
    from archive.whoosh.store import ArchiveLock

    lock = ArchiveLock(index_dir)
    lock.acquire()
    ready.set()
    release.wait(10)
    lock.release()


def test_writer_lock_held_by_another_process(built, corpus):
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(built.index_dir, ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        messages = []
        with pytest.raises(IndexLocked, match="being written by another command"):
            adding.add(built, corpus, [corpus / "x.txt"], lock_wait=0.3,
                         on_wait=messages.append)
        assert messages and "waiting for another command" in messages[0]
    finally:
        release.set()
        holder.join(10)
    # The lock went with its process: the next command runs.
    assert pipeline.rebuild(built, corpus, workers=1).ok


def test_lock_of_a_killed_process_does_not_block(built, corpus):
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(built.index_dir, ready, release))
    holder.start()
    assert ready.wait(10)
    holder.kill()
    holder.join(10)
    assert pipeline.rebuild(built, corpus, workers=1, lock_wait=0).ok


def test_an_open_reader_sees_new_commits(built):
    assert built.search(SearchRequest("harbours")).total == 0  # searcher now open
    with built.update() as sink:
        sink.add(_article(7))
    assert built.search(SearchRequest("harbours")).total == 1
    with built.update() as sink:
        sink.delete("a0007")
    assert built.search(SearchRequest("harbours")).total == 0


def test_update_replaces_by_id(built):
    with built.update() as sink:
        sink.add(_article(3, title="First title"))
    with built.update() as sink:
        sink.add(_article(3, title="Second title"))
    page = built.search(SearchRequest("story"))
    assert [h.article.title for h in page.hits] == ["Second title"]


def test_article_round_trip_through_the_index(built):
    original = _article(5, authors=("Ann Lee",), outlet="Reuters", published=dt.date(1999, 2, 3),
                        date_precision="day", date_source="header", url="https://x.org/a",
                        language="en", age_banner=AgeBanner("This story is over 5 years old", 5),
                        dateline="Moscow", topics=("grain",), places=("usa", "ussr"),
                        word_count=8)
    with built.update() as sink:
        sink.add(original)
    assert built.get("a0005") == original


def test_age_from_date_and_banner():
    today = dt.date(2026, 11, 26)
    assert whole_years(dt.date(2021, 11, 27), today) == 4
    assert whole_years(dt.date(2021, 11, 26), today) == 5
    assert age_warning(dt.date(2021, 11, 26), None, today).text == "This story is over 5 years old"
    assert age_warning(dt.date(2025, 12, 1), None, today) is None
    assert age_warning(dt.date(2025, 11, 1), None, today).text == "This story is over 1 year old"
    banner = AgeBanner("This story is over 5 years old", 5)
    assert age_warning(None, banner, today).source == "banner"
    # A date wins over the banner: the age is recomputed, never stale.
    assert age_warning(dt.date(2001, 1, 1), banner, today).years == 25
    assert [age_band(y) for y in (None, 0, 1, 4, 5, 10, 19, 20, 60)] == [
        "unknown", "lt1", "1-5", "1-5", "5-10", "10-20", "10-20", "gt20", "gt20"]


def test_result_cache_serves_repeats_and_forgets_at_a_commit(built):
    first = built.search(SearchRequest("Taliban"))
    again = built.search(SearchRequest("Taliban"))
    assert again.hits == first.hits and again.total == first.total == 1
    assert again.seconds <= first.seconds
    with built.update() as sink:
        sink.add(_article(9, body="The Taliban and the harbours."))
    assert built.search(SearchRequest("Taliban")).total == 2


def test_caches_are_shared_between_threads(built):
    import threading

    built.search(SearchRequest("Taliban"))
    cached = dict(built.results._pages)
    states = [built._searcher().morgue_state]

    def other_thread():
        states.append(built._searcher().morgue_state)
        built.search(SearchRequest("Taliban"))  # served from the shared cache

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert states[0] == states[1] == (built.store.current_name(), states[0][1])
    assert dict(built.results._pages) == cached  # no new entry, no reset


def test_snippets_mark_exactly_the_matched_words():
    from archive.snippets import make_snippets
    from archive.whoosh.schema import build_schema

    body = build_schema()["body"]
    text = ("Officials said the weapons arrived.\n\nRussia's weapon deliveries to the Taliban "
            "grew; <b>weaponry</b> & arms followed. " + "Filler words here. " * 30 +
            "A last weapon.")
    snippets = make_snippets(text, frozenset({"weapon", "taliban"}), body.fold, body.tokens)
    assert 1 <= len(snippets) <= 3
    joined = " ".join(snippets)
    import re
    assert re.findall(r"<mark>(.*?)</mark>", joined) == ["weapons", "weapon", "Taliban",
                                                          "weapon"] or \
        sorted(re.findall(r"<mark>(.*?)</mark>", joined)) == sorted(
            ["weapons", "weapon", "Taliban", "weapon"])
    assert "&lt;b&gt;weaponry&lt;/b&gt; &amp; arms" in joined  # escaped, and not a match
    assert all(not s.startswith(" ") for s in snippets)


def test_an_index_without_articles_answers(archive):
    with archive.update():
        pass
    for query in ("x", "", '"a b"', "date:2017"):
        assert archive.search(SearchRequest(query)).total == 0
    assert archive.stats().articles == 0
