"""How sure a page's publication date is: a logistic model over the sources that agree and disagree.

Every distinct day the page's sources give (`indexer.html_date.gather`) is a
candidate. Its score, the log-odds that it is the date judged on its own, is
a weighted sum of general signs: which groups of independent sources give
this day and which give another (GROUPS, among them the date written next
to the headline; htmldate's searches count fully only when they found a day
no other source gives), whether the day is written out in the page text (or
the text writes other days but not this one), lies in the month the URL
gives, precedes a change the page records, and whether it is the first of a
month or 1 January (where partial dates are filled in). The candidates then
compete: a day's confidence is its odds against those of every other
candidate and of "none of them" (`Stage.probabilities`), so sources that
disagree share the confidence. The most likely candidate is the date when
its confidence reaches the model's threshold; otherwise the date is unknown
and the candidates are kept to be shown, with the month when every source
(and the URL) agrees on it.

htmldate's search of the page text is costly: the first stage leaves it out,
and only a page whose first-stage confidence is below the threshold is
searched and judged again with the second stage's weights.

The weights and the threshold are fitted by `python -m bench.dates DATA --fit`
(bench/date_fit.py) on the shared date set; `--cv 5` measures the same
procedure on pages of sites it was not fitted on.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from archive.records import DateCandidate
from indexer.html_date import SOURCES, Evidence

FIRST_SOURCES = tuple(s for s in SOURCES if s != "text")
# Sources that read the same kind of evidence count as one: the URL; the page's
# machine-readable metadata; what it shows as its publication date; its first
# unlabelled <time> element; the date written next to its headline. htmldate's
# two searches count on their own when no such source gives their day, and as an
# echo when one does (they read the same tags).
GROUPS = {"url": ("url",), "metadata": ("json-ld", "meta", "microdata"),
          "shown": ("time-published", "label"), "time": ("time",), "headline": ("headline",)}
HTMLDATE = ("htmldate", "text")
SIGNS = ("url-month", "not-url-month", "written", "not-written", "later-modified", "first-of-month", "1-january")


def feature_names(sources: tuple[str, ...]) -> tuple[str, ...]:
    """The names of the model's inputs for a stage that reads `sources`."""
    searches = [s for s in HTMLDATE if s in sources]
    return ("bias", *("+" + g for g in GROUPS), *(f"+{s}-own" for s in searches),
            *(f"+{s}-echo" for s in searches), *("-" + g for g in GROUPS), *("-" + s for s in searches), *SIGNS)


def features(ev: Evidence, day: dt.date, sources: tuple[str, ...]) -> list[float]:
    """The inputs for one candidate day: which sources give it, which give another day, general signs."""
    given = {s: ev.days[s] for s in sources if s in ev.days}
    searches = [s for s in HTMLDATE if s in sources]
    backed = {g: any(given.get(s) == day for s in members) for g, members in GROUPS.items()}
    against = {g: any(s in given and given[s] != day for s in members) for g, members in GROUPS.items()}
    structured = any(backed.values())
    month = ev.url_month
    in_month = month is not None and (day.year, day.month) == (month.year, month.month)
    return [1.0,
            *(float(backed[g]) for g in GROUPS),
            *(float(given.get(s) == day and not structured) for s in searches),
            *(float(given.get(s) == day and structured) for s in searches),
            *(float(against[g]) for g in GROUPS),
            *(float(s in given and given[s] != day) for s in searches),
            float(in_month), float(month is not None and not in_month),
            float(day in ev.written), float(bool(ev.written) and day not in ev.written),
            float(any(m > day for m in ev.modified)),
            float(day.day == 1), float((day.month, day.day) == (1, 1))]


def candidate_days(ev: Evidence, sources: tuple[str, ...]) -> list[dt.date]:
    """The distinct days the given sources offer, oldest first."""
    return sorted({ev.days[s] for s in sources if s in ev.days})


@dataclass(frozen=True)
class Stage:
    """The weights of one stage, by feature name (see `feature_names`)."""

    sources: tuple[str, ...]
    weights: dict[str, float]

    def score(self, ev: Evidence, day: dt.date) -> float:
        """The log-odds that `day` is the publication date, judged on its own signs."""
        names = feature_names(self.sources)
        return sum(self.weights.get(n, 0.0) * x for n, x in zip(names, features(ev, day, self.sources)))

    def probabilities(self, ev: Evidence) -> dict[dt.date, float]:
        """Each candidate day's probability of being the date, the candidates competing for it.

        A day's odds are set against those of every other candidate and of
        "none of them": P(day) = e^score(day) / (1 + sum of e^score over the candidates).
        A lone candidate keeps its own logistic probability; two strong ones share it.
        """
        scores = {d: max(-30.0, min(30.0, self.score(ev, d))) for d in candidate_days(ev, self.sources)}
        top = max([0.0, *scores.values()])
        odds = {d: math.exp(z - top) for d, z in scores.items()}
        total = math.exp(-top) + sum(odds.values())
        return {d: o / total for d, o in odds.items()}

    def best(self, ev: Evidence) -> tuple[dt.date | None, float]:
        """The most likely candidate day and its probability ((None, 0.0) without candidates)."""
        probs = self.probabilities(ev)
        if not probs:
            return None, 0.0
        day = max(probs, key=lambda d: (probs[d], d))
        return day, probs[day]


@dataclass(frozen=True)
class Model:
    """Two stages (without and with htmldate's text search) and the confidence a date needs."""

    first: Stage
    second: Stage
    threshold: float


@dataclass(frozen=True)
class Verdict:
    """A page's publication date with its confidence, or None with the candidates when unsure."""

    day: dt.date | None
    precision: str | None
    source: str | None
    confidence: float | None
    candidates: tuple[DateCandidate, ...]


def judge(ev: Evidence, model: Model | None = None) -> Verdict:
    """The page's publication date when its sources make it likely enough, else the candidates only."""
    model = model or MODEL
    stage = model.first
    day, p = stage.best(ev)
    if p < model.threshold:
        ev.text()
        stage = model.second
        day, p = stage.best(ev)
    cands = candidates(ev, stage)
    if day is not None and p >= model.threshold:
        source = next(s for s in stage.sources if ev.days.get(s) == day)  # the first in SOURCES' order
        return Verdict(day, "day", source, round(p, 3), cands)
    months = {(c.day.year, c.day.month) for c in cands}
    month = ev.url_month
    if month and months <= {(month.year, month.month)}:
        return Verdict(month, "month", "url", None, cands)  # the URL's month, and no source says otherwise
    if len(months) == 1 and len(cands) > 1:  # the sources disagree on the day only
        first = cands[0].day.replace(day=1)
        return Verdict(first, "month", cands[0].sources[0], None, cands)
    return Verdict(None, None, None, None, cands)


def candidates(ev: Evidence, stage: Stage) -> tuple[DateCandidate, ...]:
    """Every day the page's sources give, most likely first, each with the sources that give it."""
    probs = stage.probabilities(ev)
    out = [DateCandidate(day, tuple(s for s in SOURCES if ev.days.get(s) == day))
           for day in candidate_days(ev, SOURCES)]
    return tuple(sorted(out, key=lambda c: (-probs.get(c.day, 0.0), c.day)))


# Fitted by `python -m bench.dates ../shared/data/dates --fit` (see docs/BENCHMARKS.md).
MODEL = Model(
    first=Stage(FIRST_SOURCES, {
        "bias": 0.9, "+url": 0.64, "+metadata": 0.76, "+shown": 1.3, "+time": 0.42,
        "+headline": 0.93, "+htmldate-own": 0.3, "+htmldate-echo": 0.43, "-url": -1.42,
        "-metadata": -1.49, "-shown": -2.46, "-time": -0.72, "-headline": -1.05,
        "-htmldate": -1.42, "url-month": 0.73, "not-url-month": -0.26, "written": 1.25,
        "not-written": -1.01, "later-modified": -0.7, "first-of-month": 0.21, "1-january": -0.83,
    }),
    second=Stage(SOURCES, {
        "bias": 0.94, "+url": 0.59, "+metadata": 0.75, "+shown": 1.34, "+time": 0.39,
        "+headline": 0.94, "+htmldate-own": 0.27, "+text-own": 0.1, "+htmldate-echo": 0.09,
        "+text-echo": 0.46, "-url": -1.4, "-metadata": -1.47, "-shown": -2.48, "-time": -0.74,
        "-headline": -1.0, "-htmldate": -0.85, "-text": -0.56, "url-month": 0.4,
        "not-url-month": -0.31, "written": 1.16, "not-written": -1.14, "later-modified": -0.74,
        "first-of-month": -0.31, "1-january": -1.01,
    }),
    threshold=0.52,
)
