"""Article bodies of pages, extracted end to end by the indexer of a given checkout.

    python bench/bodies.py CHECKOUT LIST.json OUT.json [--runs 3]

LIST.json is a list of gzip-compressed HTML files. Run by path in its own
process so that CHECKOUT's `indexer` is the one imported (`bench.varied` uses it
to compare the code of two checkouts in one run). OUT.json receives the bodies
and the CPU time per page (decode, parse, body, metadata) of each run, taken
after a warm-up on the first pages.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path

WARM_UP = 20  # pages extracted before the timed runs


def main(argv: list[str]) -> int:
    checkout, listing, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 1
    sys.path.insert(0, str(checkout.resolve()))
    from indexer.decode import decode_html
    from indexer.draft import ExtractionError
    from indexer.html import extract_html

    raw = [gzip.decompress(Path(p).read_bytes()) for p in json.loads(listing.read_text(encoding="utf-8"))]
    def body(data: bytes) -> str:
        try:
            return extract_html(decode_html(data)).body
        except ExtractionError:
            return ""

    for data in raw[:WARM_UP]:  # imports and first-use compilations are not what is compared
        body(data)
    cpu_ms: list[float] = []
    bodies: list[str] = []
    for _ in range(max(1, runs)):
        start = time.process_time()
        bodies = [body(data) for data in raw]
        cpu_ms.append((time.process_time() - start) * 1000 / max(1, len(raw)))
    out.write_text(json.dumps({"bodies": bodies, "cpu_ms": cpu_ms}, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
