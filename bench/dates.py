"""Publication-date benchmark: `python -m bench.dates DATA_DIR [--cv K] [--fit] [--out PRED.jsonl] [--with-url]`.

Scores the product's dates (`indexer.html.page_metadata`, only day-precision
answers count as given) and htmldate alone in the same run. `--cv K` also
cross-validates the date model's fitting procedure (bench/date_fit.py) with K
folds grouped by site, printing right, wrong and abstained per fold and
pooled; `--baseline PRED.jsonl` scores another run's predictions (e.g. an
older version's `--out`) on the same folds. `--fit` prints the model fitted on
every page, as `indexer.date_model.MODEL` is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

from bench import date_fit
from indexer.date_model import MODEL, judge
from indexer.decode import decode_html
from indexer.html import page_metadata, parse_tree
from indexer.html_date import gather
from indexer.html_meta import read_meta


def htmldate_alone(html: str, url: str | None) -> str | None:
    """htmldate's own answer: original date, extensive search, its default settings."""
    from htmldate import find_date
    from htmldate.extractors import try_date_expr

    try_date_expr.cache_clear()  # no answer depends on the page read before
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return find_date(html, url=url, original_date=True, extensive_search=True)
    except Exception:  # htmldate is lenient but not proof against every page
        return None


def _line(name: str, counts: tuple[int, int, int]) -> str:
    right, wrong, abstained = counts
    n = max(1, right + wrong + abstained)
    return (f"  {name:<22} right {right / n:.3f} ({right})  wrong {wrong / n:.3f} ({wrong})  "
            f"abstained {abstained / n:.3f} ({abstained})")


def _tally(keys: list[str], preds: dict[str, str | None], truth: dict[str, dict]) -> tuple[int, int, int]:
    days = [dt.date.fromisoformat(preds[k][:10]) if preds.get(k) else None for k in keys]
    return date_fit.count(days, [dt.date.fromisoformat(truth[k]["date"]) for k in keys])


def main(argv: list[str] | None = None) -> int:
    """Score the product's dates and htmldate's against DATA_DIR/ground-truth.json."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", type=Path, help="folder with ground-truth.json and html/<file>.gz")
    ap.add_argument("--out", type=Path, help="write predictions as JSON lines {key, published}")
    ap.add_argument("--with-url", action="store_true",
                    help="pass the page URL from the ground truth (the pipeline does not know it)")
    ap.add_argument("--cv", type=int, metavar="K", help="cross-validate the model's fitting in K folds by site")
    ap.add_argument("--baseline", type=Path, metavar="PRED.jsonl", help="another run's --out, scored per fold")
    ap.add_argument("--fit", action="store_true", help="print the model fitted on every page")
    args = ap.parse_args(argv)
    truth_path = args.data / "ground-truth.json"
    if not truth_path.is_file():
        sys.exit(f"bench.dates: no ground-truth.json in {args.data} (is the shared data folder there?)")
    if args.cv is not None and args.cv < 2:
        sys.exit("bench.dates: --cv needs at least 2 folds")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    keys = sorted(truth)
    pages = {k: decode_html(gzip.decompress((args.data / "html" / f"{k}.gz").read_bytes())) for k in keys}
    urls = {k: truth[k].get("url") if args.with_url else None for k in keys}

    start = time.process_time()
    preds: dict[str, str | None] = {}
    sources: Counter[str] = Counter()
    coarser: Counter[str] = Counter()
    drafts = {}
    for key in keys:
        found = drafts[key] = page_metadata(pages[key], urls[key])
        # only a day counts as a date here; a month or year is not a wrong day
        preds[key] = found.published.isoformat() if found.published and found.date_precision == "day" else None
        sources[found.date_source if preds[key] else "none"] += 1
        if found.published and found.date_precision != "day":
            coarser[found.date_precision or "?"] += 1
    cpu = time.process_time() - start
    start = time.process_time()
    alone = {k: htmldate_alone(pages[k], urls[k]) for k in keys}
    cpu_alone = time.process_time() - start

    n = len(keys)
    print(f"pages {n}; CPU: Morgue metadata {cpu:.1f} s ({n / cpu:.0f} pages/s), htmldate alone {cpu_alone:.1f} s")
    print("whole set")
    print(_line("Morgue", _tally(keys, preds, truth)))
    print(_line("htmldate alone", _tally(keys, alone, truth)))
    print(f"  Morgue: {sum(coarser.values())} more given at coarser precision {dict(coarser)}; "
          f"sources {dict(sources)}")
    month_right = sum(1 for k in keys if drafts[k].date_precision == "month"
                      and drafts[k].published.strftime("%Y-%m") == truth[k]["date"][:7])
    print(f"  Morgue month-precision answers in the right month: {month_right} of {coarser.get('month', 0)}")
    if args.out:
        with args.out.open("w", encoding="utf-8") as fh:
            for key in keys:
                fh.write(json.dumps({"key": key, "published": preds[key]}) + "\n")

    if args.cv or args.fit:
        evs, days = {}, {}
        for key in keys:
            tree = parse_tree(pages[key])
            ev = evs[key] = gather(tree, read_meta(tree), drafts[key].url)
            ev.text()  # every page's text search, so that any threshold can be tried
            days[key] = dt.date.fromisoformat(truth[key]["date"])
            got = judge(ev, MODEL)
            if (got.day, got.precision) != (drafts[key].published, drafts[key].date_precision):
                sys.exit(f"bench.dates: {key}: the model's verdict differs from the product's")
        sites = {k: date_fit.site_of(truth[k]["url"]) for k in keys}
    if args.cv:
        baseline = None
        if args.baseline:
            rows = [json.loads(line) for line in args.baseline.read_text(encoding="utf-8").splitlines() if line]
            baseline = {r["key"]: r.get("published") for r in rows}
        _cross_validate(keys, evs, days, sites, truth, alone, baseline, args.cv)
    if args.fit:
        model = date_fit.fit(keys, evs, days, sites)
        print("fitted on every page:")
        print(date_fit.model_source(model))
    return 0


def _cross_validate(keys, evs, days, sites, truth, alone, baseline, k: int) -> None:
    folds = date_fit.make_folds(sites, k)
    print(f"cross-validation: {k} folds grouped by site ({len(set(sites.values()))} sites), "
          f"fold sizes {[len(f) for f in folds]}")
    pooled: dict[str, list[int]] = {}
    for i, held in enumerate(folds):
        train = [key for key in keys if key not in set(held)]
        model = date_fit.fit(train, evs, days, sites)
        got = {key: judge(evs[key], model) for key in held}
        rows = {"Morgue": date_fit.count([got[key].day if got[key].precision == "day" else None for key in held],
                                         [days[key] for key in held]),
                "htmldate alone": _tally(held, alone, truth)}
        if baseline is not None:
            rows["baseline"] = _tally(held, baseline, truth)
        print(f"fold {i + 1} ({len(held)} pages, threshold {model.threshold})")
        for name, counts in rows.items():
            print(_line(name, counts))
            pooled[name] = [a + b for a, b in zip(pooled.get(name, [0, 0, 0]), counts)]
    print("pooled")
    for name, counts in pooled.items():
        print(_line(name, tuple(counts)))


if __name__ == "__main__":
    raise SystemExit(main())
