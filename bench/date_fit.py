"""Fitting the date model (indexer.date_model) on pages with known dates, and cross-validating the fit.

The procedure, the same for the shipped model and for every fold:
1. each stage's weights are a logistic regression (L2 = 1.0, not tuned) of
   "this candidate day is the publication date" on the candidate's features,
   over every candidate day of every training page (the model then sets the
   candidates' odds against each other, `indexer.date_model.Stage.probabilities`);
2. the threshold is the lowest one (0.50 to 0.99) whose wrong rate, measured
   by an inner cross-validation on the training pages (folds grouped by site),
   is at most TARGET_WRONG; without one, the threshold with the fewest wrong.
Folds group pages by site (the registered domain of their URL), so a fold's
pages come from sites the fit never saw.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from indexer.date_model import FIRST_SOURCES, Model, Stage, candidate_days, feature_names, features
from indexer.html_date import SOURCES, Evidence

L2 = 1.0
TARGET_WRONG = 0.04  # the share of wrong dates a threshold may give (the goal: 4% at most)
THRESHOLDS = tuple(round(0.5 + i / 100, 2) for i in range(50))


def site_of(url: str) -> str:
    """The registered domain of a page's URL (the archived page's own for web.archive.org copies)."""
    from tld import get_fld

    if "web.archive.org/web/" in url:
        inner = url.split("/web/", 1)[1].partition("/")[2]
        url = inner if "://" in inner else "http://" + inner
    try:
        return get_fld(url, fail_silently=True) or url
    except Exception:  # a malformed URL is its own site
        return url


def make_folds(sites: dict[str, str], k: int) -> list[list[str]]:
    """`k` folds of page keys, each site's pages in one fold (sites in a fixed hash order, smallest fold first)."""
    groups: dict[str, list[str]] = {}
    for key in sorted(sites):
        groups.setdefault(sites[key], []).append(key)
    folds: list[list[str]] = [[] for _ in range(k)]
    for site in sorted(groups, key=lambda s: hashlib.sha1(s.encode()).hexdigest()):
        min(folds, key=len).extend(groups[site])
    return [sorted(f) for f in folds]


def _logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> np.ndarray:
    """Weights of an L2-penalised logistic regression (the bias, column 0, is not penalised), by Newton steps."""
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return w


def fit_stage(evs: Sequence[Evidence], truths: Sequence[dt.date], sources: tuple[str, ...]) -> Stage:
    """One stage's weights, fitted on every candidate day of the given pages."""
    rows, labels = [], []
    for ev, truth in zip(evs, truths):
        for day in candidate_days(ev, sources):
            rows.append(features(ev, day, sources))
            labels.append(float(day == truth))
    names = feature_names(sources)
    if not rows:
        return Stage(sources, {})
    w = _logistic(np.array(rows), np.array(labels))
    return Stage(sources, {n: round(float(v), 2) for n, v in zip(names, w)})


@dataclass(frozen=True)
class Outcome:
    """What the two stages say about one page, for any threshold."""

    first: tuple[dt.date | None, float]
    second: tuple[dt.date | None, float]

    def day(self, threshold: float) -> dt.date | None:
        """The date given at this threshold, or None (the same steps as `indexer.date_model.judge`)."""
        day, p = self.first
        if p < threshold:
            day, p = self.second
        return day if day is not None and p >= threshold else None


def outcome(first: Stage, second: Stage, ev: Evidence) -> Outcome:
    """Both stages' best candidate for a page whose text search has already run."""
    return Outcome(first.best(ev), second.best(ev))


def count(days: Sequence[dt.date | None], truths: Sequence[dt.date]) -> tuple[int, int, int]:
    """(right, wrong, abstained) of predicted days against the true ones."""
    right = sum(1 for d, t in zip(days, truths) if d is not None and d == t)
    given = sum(1 for d in days if d is not None)
    return right, given - right, len(days) - given


def choose_threshold(outcomes: Sequence[Outcome], truths: Sequence[dt.date]) -> float:
    """The lowest threshold with at most TARGET_WRONG wrong, else the one with the fewest wrong."""
    n = max(1, len(truths))
    scored = []
    for t in THRESHOLDS:
        right, wrong, _ = count([o.day(t) for o in outcomes], truths)
        scored.append((t, right, wrong))
    within = [s for s in scored if s[2] / n <= TARGET_WRONG]
    if within:
        return max(within, key=lambda s: (s[1], -s[2], -s[0]))[0]
    return min(scored, key=lambda s: (s[2], -s[1], s[0]))[0]


def fit(keys: Sequence[str], evs: dict[str, Evidence], truths: dict[str, dt.date],
        sites: dict[str, str], inner: int = 4) -> Model:
    """The model the procedure gives for these pages (weights on all of them, threshold by inner CV)."""
    pooled_out: list[Outcome] = []
    pooled_truth: list[dt.date] = []
    sub = {k: sites[k] for k in keys}
    for held in make_folds(sub, inner):
        train = [k for k in keys if k not in set(held)]
        first, second = _stages(train, evs, truths)
        pooled_out += [outcome(first, second, evs[k]) for k in held]
        pooled_truth += [truths[k] for k in held]
    first, second = _stages(list(keys), evs, truths)
    return Model(first, second, choose_threshold(pooled_out, pooled_truth))


def _stages(keys: Sequence[str], evs: dict[str, Evidence], truths: dict[str, dt.date]) -> tuple[Stage, Stage]:
    return (fit_stage([evs[k] for k in keys], [truths[k] for k in keys], FIRST_SOURCES),
            fit_stage([evs[k] for k in keys], [truths[k] for k in keys], SOURCES))


def model_source(model: Model) -> str:
    """The Python text of `indexer.date_model.MODEL` for a fitted model."""
    lines = ["MODEL = Model("]
    for name, stage in (("first", model.first), ("second", model.second)):
        sources = "FIRST_SOURCES" if stage.sources == FIRST_SOURCES else "SOURCES"
        lines.append(f"    {name}=Stage({sources}, {{")
        row = ""
        for key, value in stage.weights.items():
            item = f'"{key}": {value},'
            if row and len(row) + len(item) > 90:
                lines.append("        " + row)
                row = ""
            row = f"{row} {item}".strip()
        lines += ["        " + row, "    }),"]
    lines += [f"    threshold={model.threshold},", ")"]
    return "\n".join(lines)
