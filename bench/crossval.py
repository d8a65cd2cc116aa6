"""Cross-validation over sites for the body-extraction settings (used by `bench.varied`).

Pages are grouped by site (the registered domain of their URL), sites are dealt
into folds, and for each fold the settings that score best on the other folds
are applied to it. Everything here is deterministic: the same pages give the
same folds and the same choices.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from indexer.html_body import BodySettings
from indexer.html_merge import MergeSettings

# The settings tried: trafilatura's focus and fallbacks (indexer.html_body.BodySettings)
# and the merge's limits (indexer.html_merge.MergeSettings).
GRID = {
    "focus": ("precision", "balanced"),
    "escalate": (0.0, 0.05, 0.1, 0.15, 0.2),
    "lead_keep_words": (None, 15, 20, 25, 30),
    "lead_trim": (0.1, 0.2),
    "tail_trim": (0.2, 0.3),
    "min_added_words": (10, 20),
}


def grid() -> list[BodySettings]:
    """Every combination of `GRID`, in a fixed order."""
    keys = list(GRID)
    out = []
    for values in itertools.product(*(GRID[k] for k in keys)):
        chosen = dict(zip(keys, values, strict=True))
        focus, escalate = chosen.pop("focus"), chosen.pop("escalate")
        out.append(BodySettings(focus=focus, escalate=escalate, merge=MergeSettings(**chosen)))
    return out


def describe(settings: BodySettings) -> str:
    """The settings on one line."""
    m = settings.merge
    return (f"focus={settings.focus} escalate={settings.escalate} lead_keep_words={m.lead_keep_words} lead_trim={m.lead_trim} "
            f"tail_trim={m.tail_trim} min_added_words={m.min_added_words} takeover={m.takeover}")


_NAMED_PAGE = re.compile(r"^[a-z]+::")  # "hard::dw.com.colonial.html": a page named after its site


def site(url: str) -> str:
    """The registered domain of a page's URL ("jamaica.gleaner.com/..." -> "gleaner.com").

    An archived copy counts as the site it archives; a page named after its site
    ("hard::laprensagrafica.com.fiscal.html") counts as that site.
    """
    from tld import get_fld

    url = url.strip()
    if _NAMED_PAGE.match(url):
        name = _NAMED_PAGE.sub("", url).split("-")[0].split(".")
        for end in range(len(name), 1, -1):
            found = get_fld("http://" + ".".join(name[:end]), fail_silently=True)
            if found:
                return found
        return ".".join(name)
    url = url[url.find("http"):] if "http" in url else url
    inner = re.search(r"web\.archive\.org/web/[^/]+/(.+)$", url)
    if inner:
        url = inner.group(1) if "://" in inner.group(1) else "http://" + inner.group(1)
    return get_fld(url, fail_silently=True) or url


def folds(sites: Sequence[str], k: int) -> list[int]:
    """The fold of each page: whole sites dealt largest first to the emptiest fold."""
    size: dict[str, int] = {}
    for s in sites:
        size[s] = size.get(s, 0) + 1
    order = sorted(size, key=lambda s: (-size[s], hashlib.sha1(s.encode()).hexdigest()))
    load = [0] * k
    fold_of: dict[str, int] = {}
    for s in order:
        fold_of[s] = min(range(k), key=lambda f: (load[f], f))
        load[fold_of[s]] += size[s]
    return [fold_of[s] for s in sites]


# Settings whose training score is this close to the best count as equals; of equals the
# cheapest is taken (the one running trafilatura's fallbacks on fewest pages), then the first.
TOLERANCE = 0.0005


def cost(settings: BodySettings) -> float:
    """What a setting costs beyond the fast extractions: the share below which trafilatura runs twice."""
    return settings.escalate


def choose(settings: Sequence[BodySettings], score: Callable[[int], float]) -> int:
    """The index of the cheapest setting scoring within `TOLERANCE` of the best (first of equals)."""
    scores = [score(s) for s in range(len(settings))]
    top = max(scores)
    near = [s for s in range(len(settings)) if scores[s] >= top - TOLERANCE]
    return min(near, key=lambda s: (cost(settings[s]), -scores[s], s))


@dataclass
class Choice:
    """What one fold's held pages were given: the settings chosen on the other folds."""

    fold: int
    settings: int  # index into the grid


def cross_validate(settings: Sequence[BodySettings], fold_of: Sequence[int], k: int,
                   objective: Callable[[int, Iterable[int]], float]) -> list[Choice]:
    """For each fold, `choose` over `objective(setting, training pages)` of the other folds' pages."""
    choices = []
    for fold in range(k):
        train = [i for i, f in enumerate(fold_of) if f != fold]
        choices.append(Choice(fold, choose(settings, lambda s, train=train: objective(s, train))))
    return choices
