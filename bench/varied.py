"""Main text of varied web pages, settings chosen by cross-validation over sites.

    python -m bench.varied ../shared/data/extraction-varied [--news ../shared/data/extraction]
                           [--cv 5] [--before ../main] [--runs 3] [--out DIR]

Two sets are scored together: the varied pages (news, blogs, institutions,
shops, forums; trafilatura's evaluation method: "with" snippets found,
"without" snippets kept out) and the news pages with hand-checked bodies
(4-token shingles, per page). Every combination of `bench.crossval.GRID` is
applied to every page; pages are grouped by site into folds, and each fold is
given the settings with the best mean of the two F1 scores on the other folds.
The cross-validated figures are those held-out predictions scored together.
trafilatura alone (its default settings) is scored on the same pages, and
`--before CHECKOUT` scores another checkout's indexer and compares the CPU time
per page of the whole HTML path.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import SHARED
from bench.crossval import choose, cross_validate, describe, folds, grid, site
from bench.extraction import load_scorer
from indexer.decode import decode_html
from indexer.html import page_metadata, parse_tree
from indexer.html_body import SETTINGS, BodySettings, finish, prepare
from indexer.html_clean import link_texts
from indexer.html_extractors import (
    count_words,
    needs_fallbacks,
    run_trafilatura,
    second_opinion,
    trafilatura_copy,
)
from indexer.html_meta import read_meta

TOOLS = SHARED / "tools"


@dataclass
class Page:
    """One page of either set and what scores it."""

    kind: str  # "varied" or "news"
    name: str  # the file name (varied) or the ground-truth key (news)
    url: str
    path: Path
    truth: dict


def load_pages(varied: Path, news: Path | None) -> list[Page]:
    """The pages of both sets, varied first, each in its file order."""
    pages = []
    evaldata = json.loads((varied / "evaldata.json").read_text(encoding="utf-8"))
    for url, item in evaldata.items():
        pages.append(Page("varied", item["file"], url, varied / "html" / item["file"], item))
    if news is not None:
        truth = json.loads((news / "ground-truth.json").read_text(encoding="utf-8"))
        for key, item in truth.items():
            pages.append(Page("news", key, item.get("url") or key, news / "html" / f"{key}.html.gz", item))
    return pages


class Scores:
    """Per-page counts and the two sets' precision, recall and F1, as the shared scorers compute them."""

    def __init__(self) -> None:
        self.varied = load_scorer(TOOLS / "score_varied.py")
        self.news = load_scorer(TOOLS / "score_extraction.py")
        self._seen: dict[tuple[str, str, str], tuple[float, float, float]] = {}

    def page(self, page: Page, body: str) -> tuple[float, float, float]:
        """(tp, fp, fn) of one page: snippet counts (varied) or shares of its shingles (news)."""
        if page.kind == "news":
            return self.news.page_counts(page.truth.get("articleBody", ""), body)
        found = self.varied.norm(body)
        tp = sum(1 for w in page.truth["with"] if found and self.varied.norm(w) in found)
        fp = sum(1 for w in page.truth["without"] if found and self.varied.norm(w) in found)
        return tp, fp, len(page.truth["with"]) - tp

    def pages(self, pages: list[Page], bodies: list[str]) -> list[tuple[float, float, float]]:
        """`page` of every page; a body already scored for that page is not scored again."""
        out = []
        for page, body in zip(pages, bodies, strict=True):
            key = (page.kind, page.name, body)
            if key not in self._seen:
                self._seen[key] = self.page(page, body)
            out.append(self._seen[key])
        return out

    def sets(self, pages: list[Page], counts: list[tuple[float, float, float]], which) -> dict:
        """{"varied": (p, r, f1), "news": (p, r, f1)} over the pages numbered in `which`."""
        out = {}
        varied = [counts[i] for i in which if pages[i].kind == "varied"]
        if varied:
            tp, fp, fn = (sum(c[j] for c in varied) for j in range(3))
            p, r = (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)
            out["varied"] = (p, r, 2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        news = [counts[i] for i in which if pages[i].kind == "news"]
        if news:
            ratio = self.news.ratio
            p = statistics.mean([ratio(tp, fp, fn) for tp, fp, fn in news if tp + fp > 0] or [0.0])
            r = statistics.mean([ratio(tp, fn, fp) for tp, fp, fn in news if tp + fn > 0] or [0.0])
            out["news"] = (p, r, 2 * p * r / (p + r) if p + r else 0.0)
        return out


def objective(figures: dict) -> float:
    """What the cross-validation maximises: the mean F1 of the sets present."""
    return statistics.mean(f1 for _, _, f1 in figures.values())


def _line(label: str, figures: dict) -> str:
    parts = [f"{kind} P {p:.4f} R {r:.4f} F1 {f:.4f}" for kind, (p, r, f) in figures.items()]
    return f"{label:<44} " + " | ".join(parts)


def extract_all(pages: list[Page], focuses: list[str], escalate: float, cache: Path | None = None
                ) -> list[dict]:
    """What the settings are applied to, per page: title, links, the extractions; trafilatura alone.

    trafilatura runs in its fast mode for each focus, and with its fallbacks too
    where the fast mode found fewer words than `escalate` times the page's. With
    `cache`, the extractions are read from that file when it holds them for these
    pages and choices, and written to it otherwise (for re-scoring after a change
    to the clean-up or the merge; delete it after changing an extractor).
    """
    import trafilatura

    wanted = {"pages": [str(p.path) for p in pages], "focuses": focuses, "escalate": escalate}
    if cache and cache.is_file():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored["wanted"] == wanted:
            return stored["extractions"]
    out = []
    for n, page in enumerate(pages):
        html = decode_html(gzip.decompress(page.path.read_bytes()))
        got = {"alone": trafilatura.extract(html, include_comments=False, include_tables=True) or ""}
        tree = parse_tree(html)
        if tree is not None:
            pm = read_meta(tree)
            got.update(title=page_metadata(html, None, tree, pm).title, links=sorted(link_texts(tree)),
                       page_words=count_words(pm.text), second=second_opinion(tree), fast={}, full={})
            page = trafilatura_copy(tree)
            for focus in focuses:
                got["fast"][focus] = run_trafilatura(page, focus)
                if needs_fallbacks(got["fast"][focus], got["page_words"], escalate):
                    got["full"][focus] = run_trafilatura(page, focus, fast=False)
        out.append(got)
        if (n + 1) % 100 == 0:
            print(f"  {n + 1} pages extracted", file=sys.stderr, flush=True)
    if cache:
        cache.write_text(json.dumps({"wanted": wanted, "extractions": out}, ensure_ascii=False), encoding="utf-8")
    return out


def apply_all(extractions: list[dict], settings: list[BodySettings]) -> list[list[str]]:
    """Each setting's body of each page (the clean-up and alignment done once per page and primary)."""
    bodies: list[list[str]] = [[] for _ in settings]
    for got in extractions:
        if "fast" not in got:
            for out in bodies:
                out.append("")
            continue
        title, links = got["title"], set(got["links"])
        prepared: dict = {}
        for out, s in zip(bodies, settings, strict=True):
            fast = got["fast"][s.focus]
            key = ("full" if needs_fallbacks(fast, got["page_words"], s.escalate) else "fast", s.focus)
            if key not in prepared:
                prepared[key] = prepare(got[key[0]][s.focus], got["second"], title, links)
            out.append("\n\n".join(finish(prepared[key], title, links, s)[0]))
    return bodies


def run_checkout(checkout: Path, pages: list[Page], runs: int = 1) -> tuple[list[str], list[float]]:
    """Bodies and CPU ms per page from another checkout's indexer (`bench/bodies.py` in a subprocess)."""
    with tempfile.TemporaryDirectory(prefix="morgue-varied-") as tmp:
        listing, out = Path(tmp) / "pages.json", Path(tmp) / "bodies.json"
        listing.write_text(json.dumps([str(p.path.resolve()) for p in pages]), encoding="utf-8")
        subprocess.run([sys.executable, str(Path(__file__).with_name("bodies.py")), str(checkout),
                        str(listing), str(out), "--runs", str(runs)], check=True)
        result = json.loads(out.read_text(encoding="utf-8"))
    return result["bodies"], result["cpu_ms"]


def write_predictions(folder: Path, label: str, pages: list[Page], bodies: list[str]) -> None:
    """PRED files the shared scorers read: varied-LABEL.jsonl and news-LABEL.json."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"varied-{label}.jsonl").open("w", encoding="utf-8") as fh:
        for page, body in zip(pages, bodies, strict=True):
            if page.kind == "varied":
                fh.write(json.dumps({"file": page.name, "body": body}, ensure_ascii=False) + "\n")
    news = {p.name: {"articleBody": b} for p, b in zip(pages, bodies, strict=True) if p.kind == "news"}
    (folder / f"news-{label}.json").write_text(json.dumps(news, ensure_ascii=False), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="the varied set: evaldata.json and html/")
    ap.add_argument("--news", type=Path, default=SHARED / "data" / "extraction",
                    help="the news set (ground-truth.json and html/); 'none' to leave it out")
    ap.add_argument("--cv", type=int, default=5, help="number of folds (sites never straddle two)")
    ap.add_argument("--before", type=Path, help="another checkout to score and time (e.g. ../main)")
    ap.add_argument("--runs", type=int, default=3, help="timing runs of each checkout; medians reported")
    ap.add_argument("--cache", type=Path, help="keep the extractions in this file to re-score quickly")
    ap.add_argument("--limit", type=int, help="only the first N pages of each set (a quick look)")
    ap.add_argument("--out", type=Path, help="folder for the predictions, to check with the shared scorers")
    args = ap.parse_args(argv)
    if not (args.data / "evaldata.json").is_file():
        sys.exit(f"bench.varied: no evaldata.json in {args.data} (is the shared data folder there?)")
    news = None if str(args.news) == "none" else args.news
    if news is not None and not (news / "ground-truth.json").is_file():
        sys.exit(f"bench.varied: no ground-truth.json in {news} (pass --news none to leave the news set out)")
    pages = load_pages(args.data, news)
    if args.limit:
        pages = [p for kind in ("varied", "news") for p in [q for q in pages if q.kind == kind][:args.limit]]
    scores = Scores()
    settings = grid()
    if SETTINGS not in settings:
        settings.append(SETTINGS)
    product = settings.index(SETTINGS)
    extractions = extract_all(pages, sorted({s.focus for s in settings}), max(s.escalate for s in settings),
                              args.cache)
    alone = [got["alone"] for got in extractions]
    bodies = apply_all(extractions, settings)
    counts = [scores.pages(pages, out) for out in bodies]
    every = range(len(pages))

    fold_of = folds([site(p.url) for p in pages], args.cv)
    choices = cross_validate(settings, fold_of, args.cv,
                             lambda s, train: objective(scores.sets(pages, counts[s], train)))
    held = [bodies[choices[fold_of[i]].settings][i] for i in every]
    held_counts = [counts[choices[fold_of[i]].settings][i] for i in every]
    best_all = choose(settings, lambda s: objective(scores.sets(pages, counts[s], every)))

    print(f"{sum(p.kind == 'varied' for p in pages)} varied pages, {sum(p.kind == 'news' for p in pages)} news "
          f"pages, {len(set(site(p.url) for p in pages))} sites in {args.cv} folds, {len(settings)} settings")
    for c in choices:
        print(f"  fold {c.fold} ({fold_of.count(c.fold)} pages): {describe(settings[c.settings])}")
    print(_line("Morgue, cross-validated (held-out folds)", scores.sets(pages, held_counts, every)))
    print(_line("Morgue, product settings, whole sets", scores.sets(pages, counts[product], every)))
    print(f"  product settings: {describe(SETTINGS)}")
    print(_line("best settings on the whole sets", scores.sets(pages, counts[best_all], every)))
    print(f"  best on the whole sets: {describe(settings[best_all])}")
    print(_line("trafilatura alone (default settings)",
                scores.sets(pages, scores.pages(pages, alone), every)))
    if args.out:
        write_predictions(args.out, "cv", pages, held)
        write_predictions(args.out, "product", pages, bodies[product])
        write_predictions(args.out, "trafilatura", pages, alone)
    if args.before:
        here = Path(__file__).resolve().parents[1]
        before_ms, now_ms = [], []
        for _ in range(max(1, args.runs)):  # interleaved, so that both see the same machine
            before, ms = run_checkout(args.before, pages)
            before_ms += ms
            now, ms = run_checkout(here, pages)
            now_ms += ms
        print(_line(f"{args.before} (whole sets)", scores.sets(pages, scores.pages(pages, before), every)))
        if now != bodies[product]:
            print("  note: this checkout's extract_html differs from the product settings' bodies")
        print(f"CPU per page, whole HTML path, one process (median of {args.runs}): "
              f"{args.before} {statistics.median(before_ms):.1f} ms, this checkout "
              f"{statistics.median(now_ms):.1f} ms ({statistics.median(now_ms) / statistics.median(before_ms):.2f}x)")
        if args.out:
            write_predictions(args.out, "before", pages, before)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
