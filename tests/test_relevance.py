"""Relevance: the TIME and Cranfield test collections through the real search path, the
ranking settings and their cross-validated choice (bench/cv.py), the "most of your words"
fallback (web page, JSON, CLI) and `manage.py search --queries`."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from archive import Config, SearchRequest, open_archive
from archive.batch import read_queries, search_batch
from archive.ranking import FALLBACK_NOTE, RankSettings
from bench import cv
from indexer import pipeline

SHARED = Path(os.environ.get("MORGUE_SHARED") or Path(__file__).resolve().parents[2] / "shared")
# Whole-set MAP floors of the search's settings (archive.ranking.DEFAULT, chosen by
# cross-validation): just under the figures measured in docs/BENCHMARKS.md, so a change that
# costs a query or two fails. (collection, judged queries, indexed documents, floor)
MAP_FLOORS = [("time", 41, 423, 0.70), ("cranfield", 113, 1398, 0.348)]

ARTICLES = [
    {"id": "a1", "title": "Harbour strike ends", "date": "2001-05-02",
     "text": "Dock workers ended the harbour strike after the port authority raised pay."},
    {"id": "a2", "title": "Port authority budget", "date": "2001-06-10",
     "text": "The port authority published its budget; the harbour needs new cranes."},
    {"id": "a3", "title": "Council election", "date": "2002-01-15",
     "text": "The city council election was won by a narrow margin."},
]


def _build(tmp_path: Path, records: list[dict]) -> tuple[Path, Path]:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    report = pipeline.rebuild(open_archive(Config(corpus, index)), corpus, workers=1)
    assert report.ok and report.indexed == len(records), report.failed
    return corpus, index


@pytest.fixture
def small(tmp_path):
    return _build(tmp_path, ARTICLES)


def _score(qrels: Path, run: Path) -> dict:
    """The shared scorer, run as its own process (it leaves files open for the GC to close)."""
    done = subprocess.run([sys.executable, str(SHARED / "tools" / "score_ir.py"), str(qrels),
                           str(run)], check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


@pytest.mark.slow  # about 20 s each on 2 cores
@pytest.mark.parametrize("name, judged, indexed, floor", MAP_FLOORS)
def test_collection_map(tmp_path, shared, name, judged, indexed, floor):
    collection = shared("data", "ir", name)
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    shutil.copyfile(collection / "docs.jsonl", corpus / "docs.jsonl")
    archive = open_archive(Config(corpus, index))
    assert pipeline.rebuild(archive, corpus).indexed == indexed
    queries = list(read_queries((collection / "queries.tsv").read_text("utf-8").splitlines()))
    results = search_batch(archive, queries, limit=100)
    run = tmp_path / "run.jsonl"
    run.write_text("".join(json.dumps(r.as_dict(source_ids=True)) + "\n" for r in results))
    scores = _score(collection / "qrels.txt", run)
    assert scores["queries"] == judged
    assert scores["map"] >= floor, scores


def test_all_words_still_required_when_enough_match(small):
    archive = open_archive(Config(*small))
    page = archive.search(SearchRequest(query="harbour authority", page_size=2))
    assert page.total == 2 and FALLBACK_NOTE not in page.notes


def test_fallback_ranks_by_the_words_that_match(small):
    archive = open_archive(Config(*small))
    page = archive.search(SearchRequest(query="harbour strike zzzunknown"))
    assert page.notes[0] == FALLBACK_NOTE
    assert page.total == 2  # a1 and a2 mention the harbour; a3 none of the words
    assert [h.article.source_id for h in page.hits] == ["a1", "a2"]
    # NOT still excludes in the wider search.
    page = archive.search(SearchRequest(query="harbour port zzzunknown -strike"))
    assert [h.article.source_id for h in page.hits] == ["a2"]


def test_fallback_puts_articles_with_every_word_first(small):
    archive = open_archive(Config(*small))
    page = archive.search(SearchRequest(query="harbour strike pay"))
    assert [h.article.source_id for h in page.hits] == ["a1", "a2"]
    assert page.notes[0].startswith("Only 1 article has all your words")
    # Two words: one of them is not "most", so no widening.
    page = archive.search(SearchRequest(query="harbour strike"))
    assert [h.article.source_id for h in page.hits] == ["a1"] and not page.notes


def test_fallback_note_on_the_web_page_and_json(small):
    from webapp import create_app

    corpus, index = small
    app = create_app({"TESTING": True, "INDEX_DIR": str(index), "CORPUS_DIR": str(corpus)})
    client = app.test_client()
    resp = client.get("/", query_string={"q": "harbour strike zzzunknown"})
    assert resp.status_code == 200
    notes = [p.get_text(strip=True)
             for p in BeautifulSoup(resp.get_data(as_text=True), "html.parser")
             .select("p.note")]
    assert FALLBACK_NOTE in notes
    data = client.get("/search.json", query_string={"q": "harbour strike zzzunknown"}).get_json()
    assert FALLBACK_NOTE in data["notes"] and data["total"] == 2


def test_fallback_note_in_the_cli(small):
    from manage import cli

    corpus, index = small
    runner = CliRunner()
    base = ["--corpus", str(corpus), "--index", str(index), "search"]
    result = runner.invoke(cli, base + ["harbour strike zzzunknown"], catch_exceptions=False)
    assert result.exit_code == 0
    assert FALLBACK_NOTE in result.output.splitlines()
    result = runner.invoke(cli, base + ["harbour strike zzzunknown", "--json"],
                           catch_exceptions=False)
    assert FALLBACK_NOTE in json.loads(result.output)["notes"]


def test_search_queries_prints_one_json_line_per_query(small, tmp_path):
    from manage import cli

    corpus, index = small
    queries = tmp_path / "queries.tsv"
    queries.write_text("q1\tharbour strike zzzunknown\nq2\tcouncil election\n\n"
                       "q3\tnothingmatcheshere\n", "utf-8")
    runner = CliRunner()
    base = ["--corpus", str(corpus), "--index", str(index), "search", "--queries", str(queries)]
    result = runner.invoke(cli, base + ["--source-ids"], catch_exceptions=False)
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [set(r) for r in rows] == [{"qid", "query", "total", "ids"}] * 3
    assert rows[0] == {"qid": "q1", "query": "harbour strike zzzunknown", "total": 2,
                       "ids": ["a1", "a2"]}
    assert rows[1]["ids"] == ["a3"] and rows[2]["ids"] == [] and rows[2]["total"] == 0
    # Without --source-ids: the archive's own ids, at most --limit of them.
    result = runner.invoke(cli, base + ["--limit", "1", "--json"], catch_exceptions=False)
    archive = open_archive(Config(corpus, index))
    first = archive.search(SearchRequest(query="harbour strike zzzunknown")).hits[0].article
    assert json.loads(result.output.splitlines()[0])["ids"] == [first.id]
    # A line without a tab is refused with a message, not a traceback.
    queries.write_text("no tab here\n", "utf-8")
    result = runner.invoke(cli, base)
    assert result.exit_code == 1 and "id<TAB>query" in result.output


# A proximity bonus set here, so that these tests hold whatever weight DEFAULT is given (0: off).
PROXIMITY = RankSettings(prox_words=3, prox_slop=2, prox_weight=0.1)


def test_words_close_together_rank_first(tmp_path):
    """Same words, same counts, same length: the article with them side by side wins."""
    filler = " ".join(f"filler{i}" for i in range(12))
    records = [
        {"id": "apart", "title": "Report one",
         "text": f"Heat moves slowly. {filler} The conduction study. {filler} A composite slab."},
        {"id": "close", "title": "Report two",
         "text": f"Heat conduction in a composite slab. {filler} Study. {filler} Moves slowly."},
    ]
    _corpus, index = _build(tmp_path, records)
    archive = open_archive(Config(index.parent / "corpus", index), ranking=PROXIMITY)
    page = archive.search(SearchRequest("heat conduction composite slab"))
    assert [h.article.source_id for h in page.hits] == ["close", "apart"]
    assert page.hits[0].score > page.hits[1].score
    # Without the bonus the two tie: nothing else tells them apart.
    plain = open_archive(Config(index.parent / "corpus", index),
                         ranking=dataclasses.replace(PROXIMITY, prox_weight=0.0))
    scores = [h.score for h in plain.search(SearchRequest("heat conduction composite slab")).hits]
    assert scores[0] == pytest.approx(scores[1])


def test_proximity_pairs_follow_the_typed_words():
    from whoosh import query as wq
    from archive.whoosh.ranking import proximity, query_words
    from archive.whoosh.compile import parse_query
    from archive.whoosh.schema import build_schema

    schema = build_schema()
    parsed = parse_query('heat conduction -slab "composite plate" cylinders', schema)
    assert query_words(parsed.query) == ["heat", "conduct", "cylind"]
    pairs = proximity(parsed.query, PROXIMITY)
    assert {tuple(p.words) for p in pairs.subqueries} == {("heat", "conduct"),
                                                          ("conduct", "cylind")}
    assert all(isinstance(p, wq.Phrase) and p.slop == 2 and p.boost == 0.1
               for p in pairs.subqueries)
    assert proximity(parse_query("heat conduction", schema).query, PROXIMITY) is None  # two words
    assert proximity(parsed.query, dataclasses.replace(PROXIMITY, prox_weight=0.0)) is None


# -- ranking settings and their cross-validated choice (bench/cv.py) ------------------------

FILLER = " ".join(f"filler{i}" for i in range(20))
SETTINGS_ARTICLES = [
    {"id": "s1", "title": "Heat conduction in composite slabs",
     "text": "Heat conduction composite slab tests: thermal layers, copper plates. " + FILLER},
    {"id": "s2", "title": "Laboratory report",
     "text": f"Heat flows one way. {FILLER} Conduction carefully measured along composite slab "
             "heat heat. "
             "Thermal resistance, insulation board."},
    {"id": "s3", "title": "Slab cracking",
     "text": "A composite slab cracked under heat; engineers blamed expansion joints, mortar."},
    {"id": "s4", "title": "Conduction",
     "text": "Conduction of heat in metals: electrons carry energy; lattice vibrations too."},
    {"id": "s5", "title": "Unrelated",
     "text": "The harbour strike ended after the port authority raised pay for dock workers."},
]
BASE = RankSettings(k1=1.2, b=0.75, title=0.3, widen_words=3, prf_words=3, prf_docs=3,
                    prf_terms=2, prf_weight=0.2, prox_words=3, prox_slop=2, prox_weight=0.1)
# One other value of every setting; each must change what the search returns.
CHANGED = {"k1": 2.0, "b": 0.3, "title": 1.0, "widen_words": 5, "prf_words": 5, "prf_docs": 1,
           "prf_terms": 20, "prf_weight": 0.0, "prox_words": 5, "prox_slop": 6,
           "prox_weight": 0.0}


def _answer(index: Path, settings: RankSettings, query: str) -> tuple:
    archive = open_archive(Config(index.parent / "corpus", index), result_cache=0,
                           ranking=settings)
    page = archive.search(SearchRequest(query))
    return page.total, page.notes, [(h.article.source_id, round(h.score, 9)) for h in page.hits]


def test_every_ranking_setting_reaches_the_search(tmp_path):
    assert set(CHANGED) == {f.name for f in dataclasses.fields(RankSettings)}
    _corpus, index = _build(tmp_path, SETTINGS_ARTICLES)
    query = "heat conduction composite slab"
    base = _answer(index, BASE, query)
    assert base[0] == 4 and base[1]  # widened: only s1 and s2 have every word
    for name, value in CHANGED.items():
        assert _answer(index, dataclasses.replace(BASE, **{name: value}), query) != base, name


def test_cv_folds_are_deterministic_disjoint_and_cover_the_queries():
    qids = [str(n) for n in range(1, 84, 2)] + ["q7"]
    split = cv.folds(qids, 5)
    assert split == cv.folds(reversed(qids), 5) == cv.folds(qids + qids[:3], 5)
    assert sorted(q for fold in split for q in fold) == sorted(qids)
    assert sum(len(f) for f in split) == len(qids)  # no query in two folds
    assert {len(f) for f in split} <= {len(qids) // 5, len(qids) // 5 + 1}
    assert split[0][:3] == ("1", "11", "21")  # sorted by number, dealt round-robin
    with pytest.raises(ValueError, match="--cv"):
        cv.folds(qids[:3], 5)


def test_cv_folds_of_the_shared_queries(shared):
    for name, judged in (("time", 41), ("cranfield", 113)):
        qrels = shared("data", "ir", name, "qrels.txt")
        ids = {line.split()[0] for line in qrels.read_text().splitlines()
               if line.split() and int(line.split()[3]) > 0}
        assert len(ids) == judged
        split = cv.folds(ids, 5)
        assert [len(f) for f in split] == [len(split[0])] * (judged % 5) + [
            judged // 5] * (5 - judged % 5)
        assert set().union(*map(set, split)) == ids


def _collection(folder: Path, docs: list[dict], queries: dict[str, str],
                relevant: dict[str, str]) -> Path:
    folder.mkdir()
    (folder / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), "utf-8")
    (folder / "queries.tsv").write_text("".join(f"{q}\t{t}\n" for q, t in queries.items()))
    (folder / "qrels.txt").write_text("".join(f"{q} 0 {d} 1\n" for q, d in relevant.items()))
    return folder


def test_each_fold_is_measured_with_settings_chosen_without_it(tmp_path):
    """Queries 1 and 3 want title matches first, 2 and 4 body matches: the two folds choose
    the title weight the other fold's queries want, so the held-out figure is poor."""
    from bench.relevance import build_index

    words = ["zebra", "walrus", "falcon", "badger"]
    docs = []
    for w in words:
        docs.append({"id": f"t-{w}", "title": f"The {w} report",
                     "text": f"A {w} was seen. " + FILLER + " " + FILLER})
        docs.append({"id": f"b-{w}", "title": "Field notes", "text": f"{w} {w} tracks."})
    queries = {str(n): w for n, w in enumerate(words, start=1)}
    relevant = {"1": "t-zebra", "2": "b-walrus", "3": "t-falcon", "4": "b-badger"}
    folder = _collection(tmp_path / "tiny", docs, queries, relevant)
    collection = cv.load(folder, tmp_path / "work", build_index)
    evaluate = cv.Evaluator([collection])
    grid = {"title": (0.1, 1.0)}
    assert evaluate(dataclasses.replace(cv.START, title=1.0))["tiny"] == {
        "1": 1.0, "2": 0.5, "3": 1.0, "4": 0.5}
    result = cv.cross_validate(evaluate, [collection], 2, cv.START, grid=grid)
    assert result.folds["tiny"] == [("1", "3"), ("2", "4")]
    assert [s.title for s in result.chosen] == [0.1, 1.0]
    assert result.held["tiny"] == {"1": 0.5, "2": 0.5, "3": 0.5, "4": 0.5}
    assert result.cv_map("tiny") == 0.5 and result.fold_maps("tiny") == [0.5, 0.5]
    # On all four queries neither weight is better: the start value stays.
    assert cv.choose(evaluate, {"tiny": collection.judged}, cv.START, grid).title == 1.0


def test_remembered_measurements_are_stamped_with_the_engine_subpackages(tmp_path):
    package = tmp_path / "archive"
    (package / "whoosh").mkdir(parents=True)
    (package / "ranking.py").write_text("TITLE = 0.3\n")
    (package / "whoosh" / "scoring.py").write_text("K1 = 1.2\n")
    before = cv.code_stamp(package)
    assert cv.code_stamp(package) == before
    (package / "whoosh" / "scoring.py").write_text("K1 = 0.9\n")
    assert cv.code_stamp(package) != before
    assert cv.code_stamp() != before  # the real package by default
