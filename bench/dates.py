"""Publication-date benchmark: `python -m bench.dates DATA_DIR [--out PRED.jsonl] [--with-url]`."""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from pathlib import Path

from indexer.decode import decode_html
from indexer.html import page_metadata


def main(argv: list[str] | None = None) -> int:
    """Score `indexer.html.page_metadata` dates against DATA_DIR/ground-truth.json."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", type=Path, help="folder with ground-truth.json and html/<file>.gz")
    ap.add_argument("--out", type=Path, help="write predictions as JSON lines {key, published}")
    ap.add_argument("--with-url", action="store_true",
                    help="pass the page URL from the ground truth (the pipeline does not know it)")
    args = ap.parse_args(argv)
    truth_path = args.data / "ground-truth.json"
    if not truth_path.is_file():
        sys.exit(f"bench.dates: no ground-truth.json in {args.data} (is the shared data folder there?)")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    pages = {k: decode_html(gzip.decompress((args.data / "html" / f"{k}.gz").read_bytes())) for k in truth}
    start = time.perf_counter()
    preds: dict[str, str | None] = {}
    sources: Counter[str] = Counter()
    coarser: Counter[str] = Counter()
    for key, html in pages.items():
        found = page_metadata(html, truth[key].get("url") if args.with_url else None)
        # only a day counts as a date here; a month or year is not a wrong day
        preds[key] = found.published.isoformat() if found.published and found.date_precision == "day" else None
        sources[found.date_source if preds[key] else "none"] += 1
        if found.published and found.date_precision != "day":
            coarser[found.date_precision or "?"] += 1
    elapsed = time.perf_counter() - start
    right = sum(preds[k] == truth[k]["date"] for k in truth)
    given = sum(1 for v in preds.values() if v)
    n = len(truth)
    print(f"pages {n}  accuracy {right / n:.4f}  coverage {given / n:.4f}  "
          f"wrong {(given - right) / n:.4f}  ({len(pages) / elapsed:.1f} pages/s, metadata only)")
    print(f"day precision only: {right} right, {given - right} wrong, {n - given} without a day"
          f" (of which {sum(coarser.values())} given at coarser precision: {dict(coarser)})")
    print("sources:", dict(sources))
    if args.out:
        with args.out.open("w", encoding="utf-8") as fh:
            for key in truth:
                fh.write(json.dumps({"key": key, "published": preds[key]}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
