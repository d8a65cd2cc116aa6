"""Cross-validated choice of the ranking settings (`archive.ranking.RankSettings`).

    python -m bench.relevance ../shared/data/ir/time ../shared/data/ir/cranfield --cv 5

The judged queries of each collection are dealt into K folds (sorted by query id,
round-robin). For each fold the settings are chosen on the other folds' queries
(`choose`: coordinate ascent over `GRID`), and the chosen settings' average
precision is measured on the held fold's queries; pooled over the held folds this
gives the cross-validated MAP, the estimate for queries the choice never saw. With
several collections one setting is chosen for all of them (the objective is the
mean of their MAPs), fold i of every collection being held out together.

Every setting is measured through `search_batch` (`Archive.search`, the search box's
default search, top 100) on an index built once per collection; average precision
is the shared scorer's (`score_ir.py`). A measured setting is remembered, so the
folds share the searches they have in common.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from archive import Config, open_archive
from archive.batch import read_queries, search_batch
from archive.ranking import RankSettings

DEPTH = 100
# The values the search tries for each setting, in the order it tries them. The least query
# length for feedback and proximity (`prf_words`, `prox_words`) stays at 3: every query of
# the collections has 3 or more words, so they cannot say what shorter queries need.
GRID: dict[str, tuple] = {
    "title": (0.1, 0.2, 0.3, 0.5, 1.0),
    "b": (0.6, 0.75, 0.9),
    "k1": (0.9, 1.2, 1.5),
    "prf_weight": (0.0, 0.1, 0.2, 0.3),
    "prf_docs": (5, 10, 20),
    "prf_terms": (5, 10, 20),
    "prox_weight": (0.0, 0.05, 0.1),
    "prox_slop": (1, 2, 4),
    "widen_words": (3, 4),
}
# Settings that do nothing while another is 0 (feedback and proximity off): not tried then.
NEEDS = {"prf_docs": "prf_weight", "prf_terms": "prf_weight", "prox_slop": "prox_weight"}
# A move must raise the training objective by more than this (a smaller gain is noise).
MARGIN = 0.002
MAX_ROUNDS = 2
# Where the choice starts: Whoosh's BM25 defaults, title and body weighed alike, no feedback,
# no proximity bonus; nothing in it was learned from the queries it is measured on.
START = RankSettings(k1=1.2, b=0.75, title=1.0, widen_words=3, prf_weight=0.0,
                     prox_weight=0.0, prox_slop=1)
# The settings of the search before they were chosen by cross-validation (tuned by hand on
# all the dev queries), measured next to the choice.
MAIN = RankSettings(k1=1.2, b=0.75, title=0.3, widen_words=3, prf_words=3, prf_docs=10,
                    prf_terms=10, prf_weight=0.2, prox_words=3, prox_slop=2, prox_weight=0.08)

Table = Mapping[str, Mapping[str, float]]  # collection -> query id -> average precision


@dataclass(frozen=True)
class Collection:
    """A test collection with its index: queries, relevant documents per judged query."""

    name: str
    folder: Path
    corpus: Path
    index: Path
    queries: tuple[tuple[str, str], ...]
    relevant: Mapping[str, frozenset[str]]  # judged query id -> relevant document ids

    @property
    def judged(self) -> list[str]:
        """Judged query ids, in query id order."""
        return sorted(self.relevant, key=_qid_order)


def _qid_order(qid: str) -> tuple:
    return (0, int(qid), "") if qid.isdigit() else (1, 0, qid)


def folds(qids: Iterable[str], k: int) -> list[tuple[str, ...]]:
    """K disjoint folds covering the query ids: sorted by id and dealt round-robin."""
    if k < 2:
        raise ValueError(f"--cv: needs at least 2 folds, got {k}")
    ordered = sorted(set(qids), key=_qid_order)
    if len(ordered) < k:
        raise ValueError(f"--cv: {k} folds but only {len(ordered)} judged queries")
    return [tuple(ordered[i::k]) for i in range(k)]


def shared_scorer():
    """The shared `score_ir.py` as a module (for its average precision)."""
    from bench.common import SHARED

    path = SHARED / "tools" / "score_ir.py"
    spec = importlib.util.spec_from_file_location("score_ir", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(folder: Path, work: Path, build: Callable[[Path, Path], Path]) -> Collection:
    """A collection with its index in `work` (built with `build` when missing)."""
    index = work / "index"
    if not index.exists():
        build(folder, work)
    queries = tuple(read_queries((folder / "queries.tsv").read_text("utf-8").splitlines()))
    return Collection(folder.name, folder, work / "corpus", index, queries,
                      read_qrels(folder / "qrels.txt"))


def read_qrels(path: Path) -> dict[str, frozenset[str]]:
    """Relevant documents of each judged query (grade > 0), as the shared scorer reads them."""
    relevant: dict[str, set[str]] = {}
    for line in path.read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and int(parts[3]) > 0:
            relevant.setdefault(parts[0], set()).add(parts[2])
    return {q: frozenset(docs) for q, docs in relevant.items()}


def code_stamp(root: Path = Path(__file__).resolve().parents[1] / "archive") -> str:
    """A digest of the archive package's source, subpackages included (the Whoosh engine is
    `archive/whoosh/`): a remembered measurement is valid for it."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:16]


class Evaluator:
    """Average precision per query of a setting on every collection, each setting searched once.

    `cache` (optional) keeps the measurements in a JSON lines file for a later run of the
    same code (`code_stamp`).
    """

    def __init__(self, collections: Sequence[Collection], cache: Path | None = None):
        self.collections = list(collections)
        self.cache = cache
        self.stamp = code_stamp()
        self.searched = 0  # settings searched in this run (not from the cache)
        self._table: dict[RankSettings, dict[str, dict[str, float]]] = {}
        self._ap = shared_scorer().average_precision
        if cache is not None and cache.is_file():
            for line in cache.read_text("utf-8").splitlines():
                row = json.loads(line)
                if row.get("stamp") == self.stamp:
                    self._table.setdefault(RankSettings(**row["settings"]), {})[
                        row["collection"]] = row["ap"]

    def __call__(self, settings: RankSettings, names: Iterable[str] | None = None) -> Table:
        """{collection: {query id: AP}} of the settings (on the named collections only)."""
        known = self._table.setdefault(settings, {})
        wanted = set(names) if names is not None else None
        for c in self.collections:
            if c.name not in known and (wanted is None or c.name in wanted):
                known[c.name] = self.search(c, settings)
                self._remember(c.name, settings, known[c.name])
        return known

    def search(self, c: Collection, settings: RankSettings) -> dict[str, float]:
        """Run every query of a collection with these settings; average precision per query."""
        archive = open_archive(Config(c.corpus, c.index), result_cache=0, ranking=settings)
        results = search_batch(archive, c.queries, limit=DEPTH)
        self.searched += 1
        return self.average_precision(c, {r.qid: [a.source_id or a.id for a in r.articles]
                                           for r in results})

    def average_precision(self, c: Collection, run: Mapping[str, list[str]]
                          ) -> dict[str, float]:
        """The shared scorer's average precision of each judged query of a run."""
        return {q: self._ap(run.get(q, []), rel) for q, rel in c.relevant.items()}

    def _remember(self, name: str, settings: RankSettings, ap: dict[str, float]) -> None:
        if self.cache is None:
            return
        row = {"stamp": self.stamp, "collection": name,
               "settings": dataclasses.asdict(settings), "ap": ap}
        with self.cache.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")


def mean_ap(table: Table, qids: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """MAP per collection over the given query ids."""
    return {name: sum(table[name][q] for q in ids) / len(ids) for name, ids in qids.items()}


def objective(table: Table, qids: Mapping[str, Sequence[str]]) -> float:
    """What the choice maximises: the mean over collections of their MAP on these queries."""
    maps = mean_ap(table, qids)
    return sum(maps.values()) / len(maps)


Evaluate = Callable[..., Table]  # (settings, collection names) -> table


def choose(evaluate: Evaluate, qids: Mapping[str, Sequence[str]],
           start: RankSettings, grid: Mapping[str, Sequence] = GRID,
           margin: float = MARGIN, rounds: int = MAX_ROUNDS) -> RankSettings:
    """The settings that maximise the objective on these queries, by coordinate ascent.

    Each setting in turn is set to the grid value that scores best with the others fixed;
    a value replaces the current one only when it scores more than `margin` higher.
    The passes stop when one changes nothing (or after `rounds`).
    """
    names = list(qids)
    current = start
    best = objective(evaluate(current, names), qids)
    for _ in range(rounds):
        moved = False
        for name, values in grid.items():
            if name in NEEDS and not getattr(current, NEEDS[name]):
                continue
            for value in values:
                trial = dataclasses.replace(current, **{name: value})
                if trial == current:
                    continue
                score = objective(evaluate(trial, names), qids)
                if score > best + margin:
                    current, best, moved = trial, score, True
        if not moved:
            break
    return current


@dataclass(frozen=True)
class CrossValidation:
    """Per fold: the settings chosen without it; per collection: held-out average precision."""

    folds: dict[str, list[tuple[str, ...]]]  # collection -> folds of query ids
    chosen: list[RankSettings]  # per fold
    held: dict[str, dict[str, float]]  # collection -> query id -> AP under its fold's choice

    def cv_map(self, name: str) -> float:
        """Held-out average precision pooled over every judged query of a collection."""
        values = self.held[name].values()
        return sum(values) / len(values)

    def fold_maps(self, name: str) -> list[float]:
        """The held-out MAP of each fold."""
        return [sum(self.held[name][q] for q in fold) / len(fold) for fold in self.folds[name]]


def cross_validate(evaluate: Evaluate, collections: Sequence[Collection],
                   k: int, start: RankSettings, **choice) -> CrossValidation:
    """Choose on K-1 folds, measure on the held one, for each of the K folds."""
    split = {c.name: folds(c.judged, k) for c in collections}
    chosen, held = [], {c.name: {} for c in collections}
    for i in range(k):
        train = {name: [q for j, f in enumerate(fs) if j != i for q in f]
                 for name, fs in split.items()}
        settings = choose(evaluate, train, start, **choice)
        chosen.append(settings)
        table = evaluate(settings, list(split))
        for name, fs in split.items():
            held[name].update({q: table[name][q] for q in fs[i]})
        print(f"fold {i + 1}/{k}: {changes(start, settings)}", file=sys.stderr, flush=True)
    return CrossValidation(split, chosen, held)


def changes(base: RankSettings, other: RankSettings) -> str:
    """The settings in which `other` differs from `base`, as `name=value` words."""
    diff = [f"{f.name}={getattr(other, f.name)}" for f in dataclasses.fields(RankSettings)
            if getattr(other, f.name) != getattr(base, f.name)]
    return " ".join(diff) or "(no change)"


__all__ = ["Collection", "CrossValidation", "Evaluator", "GRID", "MAIN", "START", "changes",
           "choose",
           "cross_validate", "folds", "load", "mean_ap", "objective"]
