"""Load test: the real server (manage.py serve, waitress) under concurrent clients.

Copies the Reuters-21578 files into a temporary corpus (never into the repo),
builds the index, starts `manage.py serve` on 127.0.0.1 and drives it with
`--clients` threads for `--seconds` over a mix of searches, JSON twins, facet
clicks, facet lists, article pages and CSV exports. Reports requests/s,
p50/p95/p99 latency (overall and per kind) and errors.

    python -m bench.load [--seconds 60] [--clients 16] [--threads 8] [--index DIR]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.common import REPO, SHARED, machine, need, percentile
from bench.server import ServedArchive, manage

TARGET_P95_MS = 300.0


def request(host: str, port: int, path: str, conn: http.client.HTTPConnection | None = None
            ) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def read_queries() -> list[tuple[str, list[tuple[str, str]]]]:
    """The fixed query mix of bench/queries.tsv: (query, filters)."""
    out = []
    for line in (REPO / "bench" / "queries.tsv").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        query = parts[2] if len(parts) > 2 else ""
        filters = []
        if len(parts) > 3 and parts[3].strip():
            for item in parts[3].split(";"):
                name, _, value = item.partition("=")
                if name and value:
                    filters.append((name.strip(), value.strip()))
        out.append((query, filters))
    return out


@dataclass
class Mix:
    """URLs to draw from, by kind, gathered from the running server."""

    urls: dict[str, list[str]] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)

    def draw(self, rng: random.Random) -> tuple[str, str]:
        kinds = list(self.weights)
        kind = rng.choices(kinds, [self.weights[k] for k in kinds])[0]
        return kind, rng.choice(self.urls[kind])


def build_mix(host: str, port: int, seed: int = 21578) -> Mix:
    """Searches from the fixed query mix; facet clicks, articles and facet lists they lead to."""
    rng = random.Random(seed)
    queries = read_queries() or [("oil", []), ("grain prices", []), ("trade deficit", [])]
    searches, twins, clicks, articles, facet_pages, exports = [], [], [], [], [], []
    for query, filters in queries:
        params = urlencode([("q", query), *filters])
        searches.append(f"/?{params}")
        twins.append(f"/search.json?{params}")
    for query, filters in rng.sample(queries, min(40, len(queries))):
        status, body = request(host, port, "/search.json?" + urlencode([("q", query), *filters]))
        if status != 200:
            continue
        page = json.loads(body)
        articles += [f"/article/{h['id']}?{urlencode({'q': query})}" for h in page["hits"][:3]]
        for facet in page.get("facets", [])[:4]:
            for value in facet["values"][:2]:
                clicks.append("/?" + urlencode([("q", query), *filters,
                                                (facet["name"], value["value"])]))
            facet_pages.append(f"/facet/{facet['name']}?{urlencode({'q': query})}")
        if page["total"] and page["total"] <= 200:
            exports.append("/export.csv?" + urlencode([("q", query), *filters]))
    mix = Mix()
    for kind, urls, weight in (("search", searches, 40), ("json", twins, 15),
                               ("facet-click", clicks, 15), ("article", articles, 20),
                               ("facet-list", facet_pages, 5), ("export", exports, 5)):
        if urls:
            mix.urls[kind], mix.weights[kind] = urls, weight
    if "export" in mix.urls and request(host, port, mix.urls["export"][0])[0] == 404:
        del mix.urls["export"], mix.weights["export"]  # no export in this version
    return mix


@dataclass
class Result:
    seconds: float
    clients: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def all(self) -> list[float]:
        return [x for v in self.latencies.values() for x in v]

    @property
    def requests(self) -> int:
        return len(self.all) + len(self.errors)

    def as_dict(self) -> dict:
        every = self.all
        return {
            "clients": self.clients, "seconds": round(self.seconds, 1),
            "requests": self.requests, "errors": len(self.errors),
            "requests_per_s": round(self.requests / self.seconds, 1),
            "p50_ms": round(percentile(every, 50) * 1000, 1),
            "p95_ms": round(percentile(every, 95) * 1000, 1),
            "p99_ms": round(percentile(every, 99) * 1000, 1),
            "kinds": {k: {"requests": len(v), "p50_ms": round(percentile(v, 50) * 1000, 1),
                          "p95_ms": round(percentile(v, 95) * 1000, 1)}
                      for k, v in sorted(self.latencies.items())},
            "error_samples": self.errors[:10],
        }


def drive(host: str, port: int, mix: Mix, seconds: float, clients: int,
          seed: int = 1, think: float = 0.0) -> Result:
    """`clients` threads, each with a keep-alive connection, requesting until time is up.

    With `think` > 0 each client pauses a random time (exponential, that mean) between
    requests, like a reporter reading a page; with 0 the clients saturate the server.
    """
    result = Result(seconds, clients)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine: dict[str, list[float]] = {}
        errors: list[str] = []
        while time.monotonic() < stop:
            kind, url = mix.draw(rng)
            started = time.perf_counter()
            try:
                status, _body = request(host, port, url, conn)
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{url}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                continue
            took = time.perf_counter() - started
            if status != 200:
                errors.append(f"{url}: HTTP {status}")
            else:
                mine.setdefault(kind, []).append(took)
            if think > 0:
                time.sleep(min(rng.expovariate(1 / think), stop - time.monotonic(), 10 * think)
                           if stop > time.monotonic() else 0)
        conn.close()
        with lock:
            for k, v in mine.items():
                result.latencies.setdefault(k, []).extend(v)
            result.errors.extend(errors)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.monotonic() - started
    return result


def prepare(work: Path, files: list[Path]) -> tuple[Path, Path]:
    corpus, index = work / "corpus", work / "index"
    corpus.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy2(f, corpus / f.name)
    done = subprocess.run(manage(corpus, index, "reindex"), cwd=REPO, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"reindex failed:\n{done.stderr}")
    return corpus, index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds not measured")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause of each client between requests (default 0: saturate)")
    parser.add_argument("--work", type=Path, help="reuse this folder (corpus/ and index/)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    files = sorted(need(SHARED / "data" / "reuters21578").glob("reut2-*.sgm"))
    temp = None
    if args.work and (args.work / "index").exists():
        corpus, index = args.work / "corpus", args.work / "index"
    else:
        work = args.work or Path(temp := tempfile.mkdtemp(prefix="morgue-load-"))
        started = time.monotonic()
        corpus, index = prepare(work, files)
        print(f"indexed {len(files)} files in {time.monotonic() - started:.0f} s",
              file=sys.stderr)
    try:
        with ServedArchive(corpus, index, "--threads", str(args.threads), "--no-build") as server:
            host_port = (server.host, server.port)
            mix = build_mix(*host_port)
            if args.warmup:
                drive(*host_port, mix, args.warmup, args.clients, seed=99)
            result = drive(*host_port, mix, args.seconds, args.clients, think=args.think)
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
    out = result.as_dict() | {"machine": machine(), "server_threads": args.threads,
                              "think_s": args.think,
                              "mix": {k: len(v) for k, v in mix.urls.items()}}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{out['requests']} requests in {out['seconds']} s from {args.clients} clients "
              f"(think {args.think:g} s): "
              f"{out['requests_per_s']} req/s, p50 {out['p50_ms']} ms, p95 {out['p95_ms']} ms, "
              f"p99 {out['p99_ms']} ms, {out['errors']} errors")
        for kind, v in out["kinds"].items():
            print(f"  {kind:12} {v['requests']:6} requests  p50 {v['p50_ms']:7.1f} ms  "
                  f"p95 {v['p95_ms']:7.1f} ms")
        for sample in out["error_samples"]:
            print("  error:", sample)
    ok = out["errors"] == 0 and out["p95_ms"] < TARGET_P95_MS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
