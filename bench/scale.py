"""Scale benchmark: build an archive of N articles, then time search, add and a cold start.

    python -m bench.scale --articles 100000 [--work DIR] [--rounds 3] [--keep]

Steps, all on this machine in one run: generate N articles (bench.generate,
seeded) as JSON Lines; `manage.py reindex` in a subprocess (wall time, peak
memory of the whole process tree as the sum of its processes' PSS, sampled every
1 s, which costs a few per cent of a core; index size); the fixed query mix through
the full page work (bench.search); adding one article and finding it (the time
until it is searchable, median of 5); and a new process answering its first
search (`manage.py search`, median of 3).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPO, TreeMemory, machine, median

ADD_TEXT = ("Title: Harbour cranes idle as dockers strike in Zarnovica\nDate: 2026-10-01\n"
            "Outlet: Reuters\n\nZARNOVICA (Reuters) - Dock workers in Zarnovica walked out on "
            "Thursday over pay, leaving harbour cranes idle for the {n} time this year.\n")


def run(cmd: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, **kw)
    return time.perf_counter() - start, done


def timed_reindex(corpus: Path, index: Path, workers: int | None) -> dict:
    """Reindex in a child process; wall time and the peak memory (PSS) of its process tree."""
    cmd = [sys.executable, "manage.py", "--corpus", str(corpus), "--index", str(index),
           "reindex", "--json"] + (["--workers", str(workers)] if workers else [])
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    with TreeMemory(proc.pid) as memory:
        out, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"reindex failed:\n{err[-2000:]}")
    report = json.loads([ln for ln in out.splitlines() if ln.startswith("{")][-1])
    size = sum(p.stat().st_size for p in index.rglob("*") if p.is_file())
    return {"seconds": seconds, "indexed": report["indexed"], "peak_rss_mb": memory.peak_mb,
            "index_mb": size / 2**20}


def add_latency(corpus: Path, index: Path, n: int) -> float:
    """Seconds from starting `add` of one article until it is found by a search."""
    from archive import Config, SearchRequest, open_archive
    from indexer import adding

    archive = open_archive(Config(corpus, index))
    archive.search(SearchRequest("harbour"))  # a reader that is already open, like a server
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"strike-{n}.txt"
        path.write_text(ADD_TEXT.format(n=f"{n}th"), encoding="utf-8")
        start = time.perf_counter()
        adding.add(archive, corpus, [path])
        found = archive.search(SearchRequest(f'zarnovica "{n}th time"')).total
        seconds = time.perf_counter() - start
    assert found >= 1, "the added article was not found"
    return seconds


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--work", type=Path, help="folder for the corpus and index (default: temp)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep --work afterwards")
    ap.add_argument("--skip-build", action="store_true", help="reuse the index in --work")
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="morgue-scale-"))
    corpus, index = work / "corpus", work / "index"
    try:
        print(f"machine: {machine()}", flush=True)
        if not args.skip_build:
            shutil.rmtree(work, ignore_errors=True)
            from bench.generate import generate

            generate(corpus, args.articles)
            built = timed_reindex(corpus, index, args.workers)
            print(f"reindex of {built['indexed']:,} articles: {built['seconds']:.1f} s "
                  f"({built['indexed'] / built['seconds']:,.0f} articles/s), peak memory (PSS of the "
                  "process tree) "
                  f"{built['peak_rss_mb'] or 0:,.0f} MB, index {built['index_mb']:,.0f} MB",
                  flush=True)
        firsts = []
        for _ in range(3):
            seconds, done = run([sys.executable, "manage.py", "--index", str(index), "search",
                                 "oil prices", "--json"])
            assert done.returncode == 0, done.stderr
            firsts.append(seconds)
        print(f"new process, first search (whole command): median {median(firsts):.2f} s "
              f"({', '.join(f'{x:.2f}' for x in firsts)})", flush=True)
        adds = [add_latency(corpus, index, n) for n in range(1, 6)]
        print(f"add one article until searchable: median {median(adds):.2f} s "
              f"(max {max(adds):.2f} s)", flush=True)
        from bench import search as search_bench

        search_bench.main([str(index), "--rounds", str(args.rounds)])
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
