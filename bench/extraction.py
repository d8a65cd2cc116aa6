"""Body-extraction benchmark: `python -m bench.extraction DATA_DIR [--out PRED.json] [--runs 3]`."""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

from indexer.decode import decode_html
from indexer.draft import ExtractionError
from indexer.html import extract_html

SCORER = Path(__file__).resolve().parents[2] / "shared" / "tools" / "score_extraction.py"


def load_scorer(path: Path = SCORER) -> ModuleType:
    """A scoring tool of the shared data (by default the 4-token shingle one), imported from its file."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None or not path.is_file():
        sys.exit(f"bench: scoring tool not found at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    """Extract every page end to end (decode, parse, body, metadata), score and time it."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", type=Path, help="folder with ground-truth.json and html/<key>.html.gz")
    ap.add_argument("--out", type=Path, help="write predictions as JSON {key: {articleBody}}")
    ap.add_argument("--runs", type=int, default=3, help="timing runs; the median is reported")
    ap.add_argument("--scorer", type=Path, default=SCORER, help="path of score_extraction.py")
    args = ap.parse_args(argv)
    truth_path = args.data / "ground-truth.json"
    if not truth_path.is_file():
        sys.exit(f"bench.extraction: no ground-truth.json in {args.data} (is the shared data folder there?)")
    scorer = load_scorer(args.scorer)
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    raw = {k: gzip.decompress((args.data / "html" / f"{k}.html.gz").read_bytes()) for k in truth}
    speeds = []
    for _ in range(max(1, args.runs)):
        pred: dict[str, dict[str, str]] = {}
        failures: list[str] = []
        start = time.perf_counter()
        for key, data in raw.items():
            try:
                pred[key] = {"articleBody": extract_html(decode_html(data)).body}
            except ExtractionError as exc:
                pred[key] = {"articleBody": ""}
                failures.append(f"{key}: {exc}")
        speeds.append(len(raw) / (time.perf_counter() - start))
    result = scorer.score(truth, pred)
    print(f"pages {result['pages']}  F1 {result['f1']:.4f}  precision {result['precision']:.4f}  "
          f"recall {result['recall']:.4f}  exact {result['accuracy']:.3f}")
    print(f"speed {statistics.median(speeds):.1f} pages/s (median of {len(speeds)} runs, one process)")
    print(f"failures {len(failures)}" + "".join(f"\n  {f}" for f in failures))
    if args.out:
        args.out.write_text(json.dumps(pred, ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
