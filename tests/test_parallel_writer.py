"""The rebuild writer that works in several processes (archive.whoosh.parallel) and `manage.py optimize`."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

from archive import ArchiveError, Config, SearchRequest, open_archive
from archive.whoosh.parallel import BATCH, ParallelWriter
from archive.whoosh.engine import WhooshArchive
from archive.whoosh.schema import build_schema
from indexer import pipeline

WORDS = ("harbour strike council budget election bridge cranes dockers port authority "
         "minister railway flood storm wheat prices tariff court ruling mayor").split()


def _corpus(tmp_path: Path, n: int) -> Path:
    rng = random.Random(7)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with (corpus / "wire.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(n):
            body = " ".join(rng.choice(WORDS) for _ in range(60)) + f" item{i}."
            fh.write(json.dumps({"id": f"w{i}", "title": f"Story {i} {rng.choice(WORDS)}",
                                 "text": body, "date": f"19{80 + i % 20}-0{1 + i % 9}-1{i % 9}"})
                     + "\n")
    return corpus


def _build(corpus: Path, index: Path, procs: int) -> WhooshArchive:
    archive = WhooshArchive(index, writer_procs=procs)
    report = pipeline.rebuild(archive, corpus, workers=1)
    assert report.ok, report.failed
    return archive


def _segments(index: Path) -> int:
    name = (index / "CURRENT").read_text().strip()
    ix = whoosh_index.open_dir(str(index / name), indexname="MAIN")
    try:
        return len(ix._segments())
    finally:
        ix.close()


def _ranked_ids(archive, query: str) -> list[str]:
    page = archive.search(SearchRequest(query, page_size=50, group=False))
    return [h.article.source_id for h in page.hits]


def test_parallel_rebuild_writes_the_same_archive_as_one_process(tmp_path):
    n = BATCH * 3 + 17  # several batches per process and a short last one
    corpus = _corpus(tmp_path, n)
    one = _build(corpus, tmp_path / "one", procs=1)
    two = _build(corpus, tmp_path / "two", procs=2)
    assert _segments(tmp_path / "one") == 1 and _segments(tmp_path / "two") == 2
    assert one.stats().articles == two.stats().articles == n
    for query in ("harbour strike", "wheat prices date:1985..1990", '"port authority"',
                  "item42", "flood -storm"):
        a = one.search(SearchRequest(query, page_size=100, group=False))
        b = two.search(SearchRequest(query, page_size=100, group=False))
        assert a.total == b.total > 0, query
        assert [round(h.score, 6) for h in a.hits] == [round(h.score, 6) for h in b.hits]
        # The same articles, except where equal scores straddle the end of the page.
        last = round(a.hits[-1].score, 6)
        assert ({h.article.id for h in a.hits if round(h.score, 6) > last}
                == {h.article.id for h in b.hits if round(h.score, 6) > last}), query
    # Batches are dealt in turn, so a second build numbers documents the same way.
    again = _build(corpus, tmp_path / "again", procs=2)
    assert _ranked_ids(two, "harbour") == _ranked_ids(again, "harbour")


def test_a_small_rebuild_stays_in_one_process_and_segment(tmp_path):
    corpus = _corpus(tmp_path, BATCH - 1)
    archive = _build(corpus, tmp_path / "index", procs=2)
    assert _segments(tmp_path / "index") == 1 and archive.stats().articles == BATCH - 1


def _writer(tmp_path: Path):
    ix = whoosh_index.create_in(str(tmp_path), build_schema(), indexname="MAIN")
    return ix, ParallelWriter(ix, procs=2)


def test_a_failing_writer_process_fails_the_commit(tmp_path):
    ix, writer = _writer(tmp_path)
    for i in range(BATCH * 2):
        writer.add_document(id=f"a{i}", title="Harbour", body="Dockers strike again.")
    writer.add_document(id="bad", no_such_field="x")  # the process that gets it fails
    with pytest.raises(ArchiveError, match="writer process failed.*no_such_field"):
        writer.commit()
    assert ix.doc_count_all() == 0  # nothing committed


def test_a_killed_writer_process_fails_the_commit(tmp_path):
    ix, writer = _writer(tmp_path)
    for i in range(BATCH * 2):
        writer.add_document(id=f"a{i}", title="Harbour", body="Dockers strike again.")
    writer._tasks[1].kill()
    writer._tasks[1].join()
    with pytest.raises(ArchiveError, match="writer process 1 ended early"):
        for i in range(BATCH * 10):
            writer.add_document(id=f"b{i}", title="Harbour", body="Dockers strike again.")
        writer.commit()
    writer.cancel()
    assert ix.doc_count_all() == 0


def test_optimize_merges_segments_and_searches_the_same(tmp_path):
    from manage import cli

    corpus = _corpus(tmp_path, BATCH * 2 + 5)
    index = tmp_path / "index"
    archive = _build(corpus, index, procs=2)
    before = _ranked_ids(archive, "bridge cranes")
    run = CliRunner().invoke(cli, ["--corpus", str(corpus), "--index", str(index), "optimize"])
    assert run.exit_code == 0, run.output
    assert run.output.startswith("segments: 2 -> 1")
    assert _segments(index) == 1
    fresh = open_archive(Config(corpus, index))
    assert sorted(_ranked_ids(fresh, "bridge cranes")) == sorted(before)
    assert _ranked_ids(archive, "bridge cranes") == _ranked_ids(fresh, "bridge cranes")
    again = CliRunner().invoke(cli, ["--corpus", str(corpus), "--index", str(index), "optimize"])
    assert again.output.startswith("segments: 1 -> 1")
