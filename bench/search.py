"""Search benchmark: the fixed query mix through the full page work, against plain Whoosh.

    python -m bench.search INDEX_DIR [--plain PLAIN_DIR] [--rounds 3]

The full page work is what the search page does: the query, every facet count,
10 highlighted snippets (and the date histogram, when the engine computes it).
Each round runs the 200 queries of bench/queries.tsv once through the archive
and once through plain Whoosh (when --plain is given); the p50/p95/p99 of each
round are reported as medians over the rounds, with the ratio of the two.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

from archive import SearchRequest
from archive.engine import open_archive
from archive.config import Config
from bench.common import machine, median, percentile

QUERIES = Path(__file__).with_name("queries.tsv")


def load_queries(path: Path = QUERIES) -> list[tuple[str, str, str, tuple[tuple[str, str], ...]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        qid, kind, query, *rest = line.split("\t")
        filters = tuple(tuple(f.split("=", 1)) for f in (rest[0] if rest else "").split(";")
                        if "=" in f)
        rows.append((qid, kind, query, filters))
    return rows


def run_ours(archive, queries) -> dict[str, list[float]]:
    by_kind: dict[str, list[float]] = defaultdict(list)
    for _qid, kind, query, filters in queries:
        start = time.perf_counter()
        archive.search(SearchRequest(query=query, filters=filters))
        by_kind[kind].append(time.perf_counter() - start)
    return by_kind


def run_plain(plain, queries) -> dict[str, list[float]]:
    import re

    by_kind: dict[str, list[float]] = defaultdict(list)
    for _qid, kind, query, filters in queries:
        query = re.sub(r"date:(\d{4})\.\.(\d{4})", r"date:[\1 to \2]", query)
        grouped: dict[str, list[str]] = defaultdict(list)
        for name, value in filters:
            grouped[name].append(value)
        start = time.perf_counter()
        plain.search(query, grouped)
        by_kind[kind].append(time.perf_counter() - start)
    return by_kind


def summary(rounds: list[dict[str, list[float]]]) -> tuple[float, float, float]:
    p50s, p95s, p99s = [], [], []
    for by_kind in rounds:
        allq = [t for ts in by_kind.values() for t in ts]
        p50s.append(percentile(allq, 50))
        p95s.append(percentile(allq, 95))
        p99s.append(percentile(allq, 99))
    return median(p50s) * 1000, median(p95s) * 1000, median(p99s) * 1000


def main(argv: list[str] | None = None, config: Config | None = None) -> None:
    """Run the benchmark; `config` (an OpenSearch archive, from bench.scale) replaces INDEX_DIR."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index", type=Path, nargs="?" if config else None)
    ap.add_argument("--plain", type=Path, help="a plain Whoosh index of the same articles")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    queries = load_queries()
    # Without the page cache: every query of every round does the full work.
    archive = open_archive(config or Config(Path("."), args.index), result_cache=0)
    plain = None
    if args.plain:
        from archive.whoosh.reference import PlainSearcher

        plain = PlainSearcher(args.plain)
    start = time.perf_counter()
    archive.search(SearchRequest(query="first"))
    first = time.perf_counter() - start
    run_ours(archive, queries)  # warm-up: caches, file pages
    if plain:
        run_plain(plain, queries)
    ours_rounds, plain_rounds = [], []
    for _ in range(args.rounds):
        ours_rounds.append(run_ours(archive, queries))
        if plain:
            plain_rounds.append(run_plain(plain, queries))
    print(f"machine: {machine()}")
    print(f"articles: {archive.stats().articles:,}; queries: {len(queries)}; "
          f"rounds: {args.rounds}; first search in this process: {first * 1000:.0f} ms")
    p50, p95, p99 = summary(ours_rounds)
    print(f"archive:      p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms")
    if plain:
        b50, b95, b99 = summary(plain_rounds)
        print(f"plain Whoosh: p50 {b50:6.1f} ms  p95 {b95:6.1f} ms  p99 {b99:6.1f} ms")
        print(f"ratio (plain / archive): p50 {b50 / p50:.2f}x  p95 {b95 / p95:.2f}x")
    print("\nby kind (archive, median over rounds of the per-kind median, ms):")
    for kind in ours_rounds[0]:
        med = median([median(r[kind]) for r in ours_rounds]) * 1000
        worst = median([max(r[kind]) for r in ours_rounds]) * 1000
        line = f"  {kind:10s} median {med:6.1f}  max {worst:7.1f}"
        if plain:
            pmed = median([median(r[kind]) for r in plain_rounds]) * 1000
            line += f"   plain median {pmed:6.1f}"
        print(line)


if __name__ == "__main__":
    main()
