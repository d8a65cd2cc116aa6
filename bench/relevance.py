"""Relevance benchmark.

    python -m bench.relevance COLLECTION_DIR [--out RUN.jsonl] [--index DIR]
    python -m bench.relevance COLLECTION_DIR... --engine both [--opensearch-url URL]
    python -m bench.relevance COLLECTION_DIR... --cv K [--work DIR] [--cache FILE] [--each]

COLLECTION_DIR holds docs.jsonl, queries.tsv and qrels.txt (see
/work/shared/data/ir/SOURCE.md). The documents are imported with the JSON Lines
reader into a real index in a temporary folder, every query runs through
`Archive.search` (the search box's default search, top 100), and the run is
scored by the shared `score_ir.py`.

With `--cv K` the ranking settings are chosen by K-fold cross-validation over the
queries (`bench/cv.py`), one setting for all the collections given; the report
gives, per collection, the cross-validated MAP and the whole-set MAP of plain
Whoosh, of the settings before the choice and of the chosen ones, all in the
same run. `--each` also cross-validates each collection on its own.

`--engine opensearch` (or `both`) indexes and searches each collection in OpenSearch too,
at `--opensearch-url` (an index named morgue-bench-*, removed afterwards) or, without
it, on a test node started on 127.0.0.1 (tests/opensearch/cluster.py; stopped after).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from archive import Config, open_archive
from archive.batch import read_queries, search_batch
from archive.ranking import DEFAULT
from archive.whoosh.schema import SCHEMA_VERSION
from bench import cv_report

DEPTH = 100


def shared_dir() -> Path:
    return Path(os.environ.get("MORGUE_SHARED") or Path(__file__).resolve().parents[2] / "shared")


def build_index(collection: Path, workdir: Path) -> Path:
    """Index COLLECTION/docs.jsonl through the real pipeline; returns the index folder."""
    from indexer import pipeline

    corpus = workdir / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    # A copy: the corpus walker refuses symbolic links that point outside the corpus.
    shutil.copyfile(collection / "docs.jsonl", corpus / "docs.jsonl")
    index = workdir / "index"
    report = pipeline.rebuild(open_archive(Config(corpus, index)), corpus)
    if not report.indexed:
        sys.exit(f"bench.relevance: indexing failed: {report.summary()}")
    for problem in report.failed:  # e.g. Cranfield's two empty abstracts
        print(f"not indexed: {problem}", file=sys.stderr)
    return index


def build_opensearch(collection: Path, workdir: Path, url: str):
    """Index COLLECTION/docs.jsonl into a new OpenSearch index; returns the archive."""
    import uuid

    from archive.opensearch.settings import OpenSearchSettings
    from indexer import pipeline

    corpus = workdir / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(collection / "docs.jsonl", corpus / "docs.jsonl")
    settings = OpenSearchSettings(urls=(url,), index=f"morgue-bench-{uuid.uuid4().hex[:8]}")
    archive = open_archive(Config(corpus, workdir / "cache", "opensearch", settings))
    report = pipeline.rebuild(archive, corpus)
    if not report.indexed:
        sys.exit(f"bench.relevance: indexing failed: {report.summary()}")
    return archive


def drop_opensearch(archive) -> None:
    for name in archive.client.indices.get(index=f"{archive.alias}*", expand_wildcards="all"):
        archive.client.indices.delete(index=name)


def run(collection: Path, index: Path, out: Path, archive=None) -> dict:
    """Search every query, write the run as JSON lines, score it; returns the scores."""
    if archive is None:
        archive = open_archive(Config(index.parent / "corpus", index))
    queries = list(read_queries((collection / "queries.tsv").read_text("utf-8").splitlines()))
    results = search_batch(archive, queries, limit=DEPTH)
    with out.open("w", encoding="utf-8") as fh:
        for r in results:
            fh.write(json.dumps(r.as_dict(source_ids=True)) + "\n")
    scorer = shared_dir() / "tools" / "score_ir.py"
    done = subprocess.run([sys.executable, str(scorer), str(collection / "qrels.txt"), str(out)],
                          check=True, capture_output=True, text=True)
    scores = json.loads(done.stdout)
    scores["median_seconds"] = statistics.median(r.seconds for r in results)
    scores["fallback_queries"] = sum(1 for r in results if r.notes)
    scores["errors"] = sum(1 for r in results if r.error)
    return scores


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("collections", type=Path, nargs="+", metavar="collection",
                    help="folder with docs.jsonl, queries.tsv, qrels.txt")
    ap.add_argument("--out", type=Path, help="keep the run (JSON lines {qid, ids})")
    ap.add_argument("--index", type=Path,
                    help="work folder to build in and reuse (default: a temporary folder)")
    ap.add_argument("--cv", type=int, metavar="K", help="choose the ranking settings by "
                    "K-fold cross-validation over the queries and report it")
    ap.add_argument("--work", type=Path, help="with --cv: folder for the indexes, one "
                    "subfolder per collection, reused by later runs (default: temporary)")
    ap.add_argument("--cache", type=Path, help="with --cv: JSON lines file of measured "
                    "settings, reused by a later run of the same code")
    ap.add_argument("--each", action="store_true",
                    help="with --cv: also cross-validate each collection on its own")
    ap.add_argument("--engine", choices=("whoosh", "opensearch", "both"), default="whoosh",
                    help="the engine to measure (both: each collection on each engine)")
    ap.add_argument("--opensearch-url", metavar="URL",
                    help="an OpenSearch node (default: start a test node on 127.0.0.1)")
    args = ap.parse_args(argv)
    for folder in args.collections:
        for name in ("docs.jsonl", "queries.tsv", "qrels.txt"):
            if not (folder / name).is_file():
                sys.exit(f"bench.relevance: no {name} in {folder}")
    if args.cv is not None:
        if args.cv < 2:
            sys.exit(f"bench.relevance: --cv needs at least 2 folds, got {args.cv}")
        with tempfile.TemporaryDirectory(prefix="morgue-cv-") as tmp:
            cv_report.main(args.collections, args.cv, args.work or Path(tmp), args.cache,
                           args.each, build_index)
        return 0
    if args.engine != "whoosh":
        return compare_engines(args)
    if len(args.collections) > 1:
        sys.exit("bench.relevance: one collection at a time without --cv or --engine")
    args.collection = args.collections[0]
    with tempfile.TemporaryDirectory(prefix="morgue-rel-") as tmp:
        work = args.index or Path(tmp)
        index = work / "index"
        if not index.exists():
            build_index(args.collection, work)
        out = args.out or Path(tmp) / "run.jsonl"
        scores = run(args.collection, index, out)
    print(line(args.collection.name, scores))
    print(f"configuration: schema {SCHEMA_VERSION}; {DEFAULT.describe()}")
    return 0


def line(name: str, scores: dict, engine: str = "") -> str:
    return (f"collection {name}{'  engine ' + engine if engine else ''}  queries "
            f"{scores['queries']}  MAP {scores['map']:.4f}  nDCG@10 {scores['ndcg@10']:.4f}  "
            f"P@10 {scores['p@10']:.4f}  R@100 {scores['recall@100']:.4f}  "
            f"median {scores['median_seconds'] * 1000:.1f} ms/query  "
            f"(fallback {scores['fallback_queries']}, errors {scores['errors']})")


def compare_engines(args) -> int:
    """Each collection on the engines asked for, in one run (one node for all)."""
    engines = ("whoosh", "opensearch") if args.engine == "both" else (args.engine,)
    with tempfile.TemporaryDirectory(prefix="morgue-rel-") as tmp, _node(args) as url:
        for collection in args.collections:
            work = Path(tmp) / collection.name
            for engine in engines:
                out = work / f"{engine}.jsonl"
                if engine == "whoosh":
                    scores = run(collection, build_index(collection, work / engine), out)
                else:
                    archive = build_opensearch(collection, work / engine, url)
                    try:
                        scores = run(collection, Path(tmp), out, archive)
                    finally:
                        drop_opensearch(archive)
                print(line(collection.name, scores, engine), flush=True)
    print(f"configuration: schema {SCHEMA_VERSION}; {DEFAULT.describe()}")
    return 0


class _node:
    """The OpenSearch address given, or a test node started for the run (and stopped)."""

    def __init__(self, args):
        self.url, self.cluster = args.opensearch_url, None
        self.needed = args.engine != "whoosh"

    def __enter__(self) -> str | None:
        if self.url or not self.needed:
            return self.url
        from tests.opensearch import install
        from tests.opensearch.cluster import Cluster

        self.cluster = Cluster(install.check(), size=1).start("green")
        return self.cluster.url

    def __exit__(self, *exc) -> None:
        if self.cluster is not None:
            self.cluster.stop()


if __name__ == "__main__":
    raise SystemExit(main())
