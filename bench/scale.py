"""Scale benchmark: build an archive of N articles, then time search, add and a cold start.

    python -m bench.scale --articles 100000 [--work DIR] [--rounds 3] [--keep]
    python -m bench.scale --articles 100000 --engine opensearch [--nodes 3] [--heap 1024]
                          [--shards 3 --replicas 1] [--opensearch-url URL]
    python -m bench.scale --corpus DIR ...   (index a corpus generated before, e.g. by
                                              `python -m bench.generate`, instead)

With `--engine opensearch` the same steps run against OpenSearch: a cluster of
`--nodes` nodes on 127.0.0.1 started for the run from the test harness
(tests/opensearch/, `python -m tests.opensearch.fetch` first), or an existing
cluster given by `--opensearch-url`. The peak memory is then given for each side:
Morgue's process tree (PSS) and the nodes' JVMs (RSS).

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
import contextlib
import os
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPO, TreeMemory, machine, median

ADDED = "strike-"  # the names of the articles the add measurement puts in the corpus
ADD_TEXT = ("Title: Harbour cranes idle as dockers strike in Zarnovica\nDate: 2026-10-01\n"
            "Outlet: Reuters\n\nZARNOVICA (Reuters) - Dock workers in Zarnovica walked out on "
            "Thursday over pay, leaving harbour cranes idle for the {n} time this year.\n")


def run(cmd: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, **kw)
    return time.perf_counter() - start, done


class Engine:
    """Where the archive lives: an index folder (Whoosh) or an OpenSearch cluster."""

    def __init__(self, corpus: Path, index: Path, urls: list[str] | None = None,
                 nodes: list | None = None):
        self.corpus, self.index, self.urls, self.nodes = corpus, index, urls, nodes or []

    def options(self) -> list[str]:
        """manage.py's options for this archive."""
        opts = ["--corpus", str(self.corpus), "--index", str(self.index)]
        if self.urls:
            opts += ["--engine", "opensearch", "--opensearch-url", ",".join(self.urls)]
        return opts

    def config(self):
        from archive import Config

        if not self.urls:
            return Config(self.corpus, self.index)
        return Config.load(self.corpus, self.index, engine="opensearch",
                           opensearch={"url": ",".join(self.urls)}, environ=os.environ)

    def jvm_bytes(self) -> int:
        """The resident memory of the nodes this run started (0 for Whoosh or a given URL)."""
        return sum(node.rss_bytes() for node in self.nodes)

    def stored_mb(self) -> float:
        if self.urls:
            from archive import open_archive

            return open_archive(self.config()).stats().size_bytes / 2**20
        return sum(p.stat().st_size for p in self.index.rglob("*") if p.is_file()) / 2**20


def timed_reindex(engine: Engine, workers: int | None) -> dict:
    """Reindex in a child process; wall time and the peak memory (PSS) of its process tree."""
    cmd = ([sys.executable, "manage.py"] + engine.options() + ["reindex", "--json"]
           + (["--workers", str(workers)] if workers else []))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    with TreeMemory(proc.pid, extra=engine.jvm_bytes if engine.nodes else None) as memory:
        out, err = proc.communicate()
    seconds = time.perf_counter() - start
    reports = [ln for ln in out.splitlines() if ln.startswith("{")]
    if proc.returncode not in (0, 1) or not reports:
        raise SystemExit(f"reindex failed (exit {proc.returncode}, after {seconds:.0f} s):\n"
                         f"{err[-3000:]}{out[-2000:]}")
    report = json.loads(reports[-1])
    return {"seconds": seconds, "indexed": report["indexed"], "peak_rss_mb": memory.peak_mb,
            "jvm_peak_mb": memory.extra_peak_mb, "both_peak_mb": memory.both_peak_mb,
            "index_mb": engine.stored_mb()}


def add_latency(engine: Engine, n: int) -> float:
    """Seconds from starting `add` of one article until it is found by a search."""
    from archive import SearchRequest, open_archive
    from indexer import adding

    corpus = engine.corpus
    archive = open_archive(engine.config())
    archive.search(SearchRequest("harbour"))  # a reader that is already open, like a server
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{ADDED}{n}.txt"
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
    ap.add_argument("--engine", choices=("whoosh", "opensearch"), default="whoosh")
    ap.add_argument("--nodes", type=int, default=1, help="OpenSearch nodes to start (default 1)")
    ap.add_argument("--heap", type=int, default=1024, help="heap of each node, MB (default 1024)")
    ap.add_argument("--opensearch-url", help="an existing cluster instead of nodes started here")
    ap.add_argument("--shards", type=int, help="primary shards of the archive index (OpenSearch)")
    ap.add_argument("--replicas", type=int, help="replicas of each shard (OpenSearch)")
    ap.add_argument("--corpus", type=Path,
                    help="an existing generated corpus to index (left as it is; --articles unused)")
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="morgue-scale-"))
    corpus, index = args.corpus or work / "corpus", work / "index"
    for name in ("shards", "replicas"):  # read by archive.opensearch.settings, here and in
        if getattr(args, name) is not None:  # the manage.py processes
            os.environ[f"ARCHIVE_OPENSEARCH_{name.upper()}"] = str(getattr(args, name))
    given = set(corpus.iterdir()) if args.corpus else None  # the corpus as it was given
    with contextlib.ExitStack() as stack:
        try:
            print(f"machine: {machine()}", flush=True)
            engine = Engine(corpus, index)
            if args.engine == "opensearch":
                engine = start_engine(stack, args, corpus, index)
            if not args.skip_build:
                shutil.rmtree(index, ignore_errors=True)
                if not args.corpus:
                    shutil.rmtree(corpus, ignore_errors=True)
                    from bench.generate import generate

                    generate(corpus, args.articles)
                built = timed_reindex(engine, args.workers)
                jvm = (f"; the nodes' JVMs (RSS) {built['jvm_peak_mb']:,.0f} MB, both at once "
                       f"{built['both_peak_mb']:,.0f} MB" if engine.nodes else "")
                print(f"reindex of {built['indexed']:,} articles: {built['seconds']:.1f} s "
                      f"({built['indexed'] / built['seconds']:,.0f} articles/s), peak memory of "
                      f"Morgue (PSS of the process tree) {built['peak_rss_mb'] or 0:,.0f} MB{jvm}, "
                      f"index {built['index_mb']:,.0f} MB", flush=True)
            firsts = []
            for _ in range(3):
                seconds, done = run([sys.executable, "manage.py"] + engine.options()
                                    + ["search", "oil prices", "--json"])
                assert done.returncode == 0, done.stderr
                firsts.append(seconds)
            print(f"new process, first search (whole command): median {median(firsts):.2f} s "
                  f"({', '.join(f'{x:.2f}' for x in firsts)})", flush=True)
            adds = [add_latency(engine, n) for n in range(1, 6)]
            print(f"add one article until searchable: median {median(adds):.2f} s "
                  f"(max {max(adds):.2f} s)", flush=True)
            from bench import search as search_bench

            if engine.urls:
                search_bench.main(["--rounds", str(args.rounds)], config=engine.config())
            else:
                search_bench.main([str(index), "--rounds", str(args.rounds)])
            if engine.nodes:
                print("nodes' JVMs now (RSS): " + ", ".join(
                    f"{node.rss_bytes() / 2**20:,.0f} MB" for node in engine.nodes), flush=True)
        finally:
            if given is not None:  # the articles `add_latency` put in, so the next run
                for path in set(corpus.iterdir()) - given:  # indexes the same corpus
                    if path.name.startswith(ADDED):
                        path.unlink()
            if not args.keep and not args.work:
                shutil.rmtree(work, ignore_errors=True)


def start_engine(stack: contextlib.ExitStack, args, corpus: Path, index: Path) -> Engine:
    """The OpenSearch side: a given cluster, or `--nodes` nodes started for this run."""
    if args.opensearch_url:
        return Engine(corpus, index, urls=args.opensearch_url.split(","))
    from tests.opensearch import install
    from tests.opensearch.cluster import Cluster

    cluster = stack.enter_context(Cluster(install.check(), size=args.nodes, heap_mb=args.heap))
    print(f"OpenSearch: {args.nodes} node(s) on 127.0.0.1, heap {args.heap} MB each, green in "
          f"{cluster.started_in:.0f} s", flush=True)
    return Engine(corpus, index, urls=cluster.urls, nodes=cluster.nodes)


if __name__ == "__main__":
    main()
