"""Relevance benchmark: `python -m bench.relevance COLLECTION_DIR [--out RUN.jsonl] [--index DIR]`.

COLLECTION_DIR holds docs.jsonl, queries.tsv and qrels.txt (see
/work/shared/data/ir/SOURCE.md). The documents are imported with the JSON Lines
reader into a real index in a temporary folder, every query runs through
`Archive.search` (the search box's default search, top 100), and the run is
scored by the shared `score_ir.py`.
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
from archive.ranking import describe
from archive.whoosh_schema import SCHEMA_VERSION

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


def run(collection: Path, index: Path, out: Path) -> dict:
    """Search every query, write the run as JSON lines, score it; returns the scores."""
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
    ap.add_argument("collection", type=Path, help="folder with docs.jsonl, queries.tsv, qrels.txt")
    ap.add_argument("--out", type=Path, help="keep the run (JSON lines {qid, ids})")
    ap.add_argument("--index", type=Path,
                    help="work folder to build in and reuse (default: a temporary folder)")
    args = ap.parse_args(argv)
    for name in ("docs.jsonl", "queries.tsv", "qrels.txt"):
        if not (args.collection / name).is_file():
            sys.exit(f"bench.relevance: no {name} in {args.collection}")
    with tempfile.TemporaryDirectory(prefix="morgue-rel-") as tmp:
        work = args.index or Path(tmp)
        index = work / "index"
        if not index.exists():
            build_index(args.collection, work)
        out = args.out or Path(tmp) / "run.jsonl"
        scores = run(args.collection, index, out)
    print(f"collection {args.collection.name}  queries {scores['queries']}  "
          f"MAP {scores['map']:.4f}  nDCG@10 {scores['ndcg@10']:.4f}  "
          f"P@10 {scores['p@10']:.4f}  R@100 {scores['recall@100']:.4f}  "
          f"median {scores['median_seconds'] * 1000:.1f} ms/query  "
          f"(fallback {scores['fallback_queries']}, errors {scores['errors']})")
    print(f"configuration: schema {SCHEMA_VERSION}; {describe()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
