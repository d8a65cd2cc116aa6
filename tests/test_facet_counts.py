"""Vectorised facet counts and filters agree with plain Python counting over real indexes."""

from __future__ import annotations

import datetime as dt
import random

from archive import Article
from archive.whoosh import facets as fc
from archive.records import AgeBanner

OUTLETS = ["Reuters", "BBC News", "The Guardian", "Le Monde"]
NAMES = ["Ann Lee", "Bo Chan", "Cy Diaz", "Di Eng", "Ed Fox"]


def _articles(n: int, rng: random.Random) -> list[Article]:
    out = []
    for i in range(n):
        dated = rng.random() < 0.8
        day = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(27_000)) if dated else None
        out.append(Article(
            id=f"f{i:04d}", path=f"f{i}.txt", sha256=f"{i:064x}", format="text",
            title=f"Story {i}", body=f"Harbour story number {i}.",
            outlet=rng.choice(OUTLETS + [None]), published=day,
            date_precision="day" if day else None,
            authors=tuple(rng.sample(NAMES, rng.randrange(0, 3))),
            topics=tuple(rng.sample(["grain", "oil", "gold"], rng.randrange(0, 3))),
            age_banner=AgeBanner("This story is over 5 years old", rng.choice([1, 5, 12]))
            if rng.random() < 0.2 else None,
            language="en"))
    return out


def test_counts_and_filters_match_python(built):
    rng = random.Random(5)
    with built.update() as sink:
        for a in _articles(400, rng):
            sink.add(a)
    with built.update() as sink:  # deletions leave holes in the document numbers
        for i in range(0, 400, 9):
            sink.delete(f"f{i:04d}")
    s = built._searcher()
    cache = built.columns
    live = set(s.reader().all_doc_ids())
    cols = cache.columns(s, ["date", "banner_years"])
    dates, banners = cols["date"], cols["banner_years"]
    for subset in (live, set(rng.sample(sorted(live), 100)), set()):
        for facet in ("outlet", "author", "topic", "language", "format"):
            expected = fc.count_values(cache.facet_values(s, facet), subset)
            assert cache.count_facet(s, facet, subset) == expected, facet
        assert cache.count_years(s, subset) == fc.count_years(dates, subset)
        for today in (dt.date(2026, 11, 26), dt.date(1990, 2, 28), dt.date(2000, 1, 1)):
            assert cache.count_ages(s, subset, today) == fc.count_ages(dates, banners, subset,
                                                                        today)
    today = dt.date(2026, 11, 26)
    for band in ("lt1", "1-5", "5-10", "10-20", "gt20", "unknown"):
        got = cache.age_docs(s, {band}, today) & live
        assert got == {d for d in live if fc.band_of(dates[d], banners[d], today) == band}
    got = cache.year_docs(s, {"1987", "unknown"}) & live
    assert got == {d for d in live if (dates[d] == 0 or dt.date.fromordinal(dates[d]).year == 1987)}
    low, high = dt.date(1970, 1, 1).toordinal(), dt.date(1979, 12, 31).toordinal()
    assert cache.date_docs(s, low, high) & live == {d for d in live if low <= dates[d] <= high}
