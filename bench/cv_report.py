"""The report of `python -m bench.relevance COLLECTION_DIR... --cv K` (see bench/cv.py).

Per collection, in one run: plain Whoosh (BM25F defaults, `archive.whoosh.reference`), the
settings before the choice (`cv.MAIN`), the cross-validated choice (CV MAP: each
fold measured with the settings chosen without it) and the settings the same
procedure chooses on all the queries (the ones to ship), with the MAP of every
fold. Then what each fold chose, and what its feedback and proximity bonus gained
on its held queries.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from archive.whoosh import reference
from archive.ranking import DEFAULT
from bench import cv

# Features whose gain on the held folds is reported: name -> the settings that turn it off.
FEATURES = {"feedback (RM3)": {"prf_weight": 0.0}, "proximity bonus": {"prox_weight": 0.0}}


def plain_ap(c: cv.Collection, folder: Path, evaluate: cv.Evaluator) -> dict[str, float]:
    """Average precision per judged query of plain Whoosh (an index built once in `folder`)."""
    if not folder.exists():
        with (c.folder / "docs.jsonl").open(encoding="utf-8") as fh:
            records = (json.loads(line) for line in fh if line.strip())
            reference.build(folder, ({"id": r["id"], "title": r.get("title") or "",
                                      "body": r.get("text") or ""} for r in records))
    searcher = reference.PlainSearcher(folder)
    try:
        run = {qid: searcher.ranked(text, cv.DEPTH) for qid, text in c.queries}
    finally:
        searcher.close()
    return evaluate.average_precision(c, run)


def _map(ap: dict[str, float], qids: Sequence[str]) -> float:
    return sum(ap[q] for q in qids) / len(qids)


def _row(label: str, whole: float | None, cv_map: float | None, per_fold: list[float]) -> str:
    def cell(x: float | None) -> str:
        return f"{x:.4f}" if x is not None else "–"
    spread = f"{min(per_fold):.3f}-{max(per_fold):.3f}"
    return (f"  {label:<44} {cell(whole):>9} {cell(cv_map):>7}  "
            + " ".join(f"{x:.3f}" for x in per_fold) + f"  ({spread})")


def main(folders: Sequence[Path], k: int, work: Path, cache: Path | None, each: bool,
         build: Callable[[Path, Path], Path]) -> None:
    """Cross-validate the ranking settings over the collections and print the report."""
    collections = [cv.load(f, work / f.name, build) for f in folders]
    evaluate = cv.Evaluator(collections, cache)
    everything = {c.name: c.judged for c in collections}
    plain = {c.name: plain_ap(c, work / c.name / "plain", evaluate) for c in collections}
    before = evaluate(cv.MAIN)
    result = cv.cross_validate(evaluate, collections, k, cv.START)
    final = cv.choose(evaluate, everything, cv.START)
    chosen = evaluate(final)

    print(f"{k}-fold cross-validation by query (judged queries sorted by id, dealt "
          f"round-robin); one setting for {', '.join(everything)}; objective: the mean of "
          f"their MAPs; coordinate ascent from START, a move must gain more than {cv.MARGIN}")
    print(f"START: {cv.START.describe()}")
    print("grid: " + "; ".join(f"{n} {'/'.join(map(str, v))}" for n, v in cv.GRID.items()))
    for c in collections:
        fs = result.folds[c.name]
        print(f"\n{c.name}: {len(c.judged)} judged queries, folds of "
              f"{'/'.join(str(len(f)) for f in fs)}")
        print(f"  {'system':<44} {'whole-set':>9} {'CV MAP':>7}  MAP of each held fold")
        print(_row("plain Whoosh (BM25F defaults, OR)", _map(plain[c.name], c.judged),
                   _map(plain[c.name], c.judged), [_map(plain[c.name], f) for f in fs]))
        print(_row("main's settings (hand-tuned on all queries)",
                   _map(before[c.name], c.judged), None,
                   [_map(before[c.name], f) for f in fs]))
        print(_row("cross-validated choice", None, result.cv_map(c.name),
                   result.fold_maps(c.name)))
        print(_row("chosen on all queries (shipped)", _map(chosen[c.name], c.judged), None,
                   [_map(chosen[c.name], f) for f in fs]))

    print("\nsettings chosen without each fold (changes from START):")
    for i, s in enumerate(result.chosen, start=1):
        print(f"  fold {i}: {cv.changes(cv.START, s)}")
    print(f"  all queries: {cv.changes(cv.START, final)}")

    print("\ngain on the held queries of each feature the fold chose (its MAP minus the MAP "
          "with the feature off):")
    for label, off in FEATURES.items():
        for c in collections:
            gains = []
            for i, s in enumerate(result.chosen):
                without = dataclasses.replace(s, **off)
                if without == s:
                    gains.append(None)
                    continue
                fold = result.folds[c.name][i]
                gains.append(_map(evaluate(s, [c.name])[c.name], fold)
                             - _map(evaluate(without, [c.name])[c.name], fold))
            used = [g for g in gains if g is not None]
            pooled = sum(g * len(f) for g, f in zip(gains, result.folds[c.name], strict=True)
                         if g is not None) / len(c.judged)
            cells = " ".join("off" if g is None else f"{g:+.3f}" for g in gains)
            print(f"  {label:<16} {c.name:<10} chosen in {len(used)}/{k} folds; "
                  f"per fold {cells}; pooled {pooled:+.4f}")

    if each and len(collections) > 1:
        print("\neach collection on its own (settings chosen on that collection only):")
        for c in collections:
            alone = cv.cross_validate(evaluate, [c], k, cv.START)
            own = cv.choose(evaluate, {c.name: c.judged}, cv.START)
            print(f"  {c.name}: CV MAP {alone.cv_map(c.name):.4f} (one setting for all: "
                  f"{result.cv_map(c.name):.4f}); chosen on all its queries: "
                  f"{cv.changes(cv.START, own)}")

    print(f"\nchosen on all queries: {final!r}")
    print(f"archive.ranking.DEFAULT is this setting: {'yes' if final == DEFAULT else 'no'}")
    print(f"settings searched in this run: {evaluate.searched} (collection runs)")
