"""Reindex benchmark: Reuters-21578 from the SGML files, end to end, against plain Whoosh.

    python -m bench.index [--runs 3] [--workers 2]

Each run, in the same process and moment: (1) plain Whoosh, one writer with
defaults, fed the parsed articles (parse time included); (2) `reindex` with a
cold extraction cache; (3) `reindex` again with the warm cache (the index
build alone). Prints medians and the ratios against plain Whoosh.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from archive import Config, open_archive
from archive.whoosh.reference import build as plain_build
from bench.common import SHARED, TreeMemory, machine, median, need, peak_rss_mb
from indexer import pipeline
from indexer.draft import Draft
from indexer.reuters import read_reuters


def plain_run(source: Path, work: Path) -> tuple[int, float]:
    start = time.perf_counter()
    docs = []
    for path in sorted(source.glob("reut2-*.sgm")):
        for d in read_reuters(path.read_bytes(), path.name):
            if isinstance(d, Draft):
                docs.append({"id": f"{path.name}#{d.item}", "title": d.title, "body": d.body,
                             "date": d.published, "outlet": "Reuters", "places": d.places,
                             "topics": d.topics})
    n, _ = plain_build(work / "plain", docs)
    return n, time.perf_counter() - start


PEAK_MB: dict[str, float] = {}


def ours_run(corpus: Path, index: Path, workers: int, cache: bool, label: str
             ) -> tuple[int, float]:
    archive = open_archive(Config(corpus, index))
    start = time.perf_counter()
    with TreeMemory() as memory:
        report = pipeline.rebuild(archive, corpus, workers=workers,
                                  cache_dir=index if cache else None)
    PEAK_MB[label] = max(PEAK_MB.get(label, 0.0), memory.peak_mb)
    return report.indexed, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, default=SHARED / "data" / "reuters21578")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--skip-plain", action="store_true")
    ap.add_argument("--keep", type=Path,
                    help="keep the last run's indexes here (archive/ and plain/) for bench.search")
    args = ap.parse_args(argv)
    source = need(args.source)
    times: dict[str, list[float]] = {"plain": [], "cold": [], "warm": []}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="morgue-bench-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        corpus.mkdir()
        for path in sorted(source.glob("reut2-*.sgm")):
            shutil.copy2(path, corpus / path.name)
        for run in range(args.runs):
            if not args.skip_plain:
                shutil.rmtree(work / "plain", ignore_errors=True)
                counts["plain"], seconds = plain_run(source, work)
                times["plain"].append(seconds)
            index = work / f"index-{run}"
            counts["cold"], seconds = ours_run(corpus, index, args.workers, True, "cold")
            times["cold"].append(seconds)
            counts["warm"], seconds = ours_run(corpus, index, args.workers, True, "warm")
            times["warm"].append(seconds)
            if args.keep and run == args.runs - 1:
                shutil.rmtree(args.keep, ignore_errors=True)
                args.keep.mkdir(parents=True)
                shutil.move(str(index), args.keep / "archive")
                if (work / "plain").exists():
                    shutil.move(str(work / "plain"), args.keep / "plain")
            shutil.rmtree(index, ignore_errors=True)
            print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items()
                                                 if v), flush=True)
    print(f"\nmachine: {machine()}")
    print(f"peak RSS of the benchmark process: {peak_rss_mb():.0f} MB; peak memory (PSS) of "
          "the process tree during a reindex: "
          + ", ".join(f"{k} {v:.0f} MB" for k, v in PEAK_MB.items()))
    base = median(times["plain"]) if times["plain"] else None
    for name, label in (("plain", "plain Whoosh, one writer, defaults (parse + index)"),
                        ("cold", "reindex, cold extraction cache (parse, extract, index)"),
                        ("warm", "reindex, warm extraction cache (index build)")):
        if not times[name]:
            continue
        m = median(times[name])
        ratio = f", {base / m:.2f}x plain" if base and name != "plain" else ""
        print(f"{label}: median {m:.1f} s over {len(times[name])} runs, "
              f"{counts[name] / m:,.0f} articles/s{ratio}")


if __name__ == "__main__":
    main()
