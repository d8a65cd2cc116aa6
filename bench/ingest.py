"""HTML ingest benchmark: reindex a corpus of real news pages, whole pipeline, no cache.

    python -m bench.ingest [--runs 3] [--workers 2]

The corpus is every page of the shared extraction and date sets (88 + 497 real
news pages, decompressed into a temporary folder). Each run is a full
`reindex` with the extraction cache off: decoding, body extraction, dates,
metadata, language, fingerprints, indexing and the commit. The same run with
one extraction process is the baseline, so the ratio shows what the second
core buys.
"""

from __future__ import annotations

import argparse
import gzip
import tempfile
import time
from pathlib import Path

from archive import Config, open_archive
from bench.common import SHARED, machine, median, need
from indexer import pipeline


def make_corpus(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for name in ("extraction", "dates"):
        for path in sorted(need(SHARED / "data" / name / "html").glob("*.html.gz")):
            (folder / f"{name}-{path.name[:-3]}").write_bytes(gzip.decompress(path.read_bytes()))
            n += 1
    return n


def one_run(corpus: Path, index: Path, workers: int) -> tuple[float, int]:
    archive = open_archive(Config(corpus, index))
    start = time.perf_counter()
    report = pipeline.rebuild(archive, corpus, workers=workers, cache_dir=None)
    return time.perf_counter() - start, report.indexed


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="morgue-ingest-") as tmp:
        corpus = Path(tmp) / "corpus"
        pages = make_corpus(corpus)
        times: dict[int, list[float]] = {1: [], args.workers: []}
        indexed = 0
        for run in range(args.runs):
            for workers in times:
                seconds, indexed = one_run(corpus, Path(tmp) / f"index-{workers}", workers)
                times[workers].append(seconds)
            print(f"run {run + 1}: " + ", ".join(f"{w} worker(s) {t[-1]:.1f} s"
                                                 for w, t in times.items()), flush=True)
    print(f"\nmachine: {machine()}")
    print(f"{pages} pages, {indexed} indexed as articles")
    base = median(times[1])
    for workers, values in times.items():
        m = median(values)
        print(f"{workers} extraction worker(s): median {m:.1f} s, {pages / m:.1f} pages/s"
              + (f", {base / m:.2f}x one worker" if workers != 1 else ""))


if __name__ == "__main__":
    main()
