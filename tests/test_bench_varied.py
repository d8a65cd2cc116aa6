"""The cross-validation of bench.varied: sites, folds and choices are deterministic."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from bench.crossval import TOLERANCE, choose, cross_validate, folds, grid, site
from indexer.html_body import SETTINGS, BodySettings
from tests.conftest import REPO, shared_path


@pytest.mark.parametrize("url, expected", [
    ("https://jamaica.gleaner.com/article/news/2022/x.html", "gleaner.com"),
    ("http://www.heiko-adams.de/laufen-im-winter/", "heiko-adams.de"),
    ("https://bumsbutzener-gumpfen.blogspot.com/2020/04/tach-auch.html", "bumsbutzener-gumpfen.blogspot.com"),
    ("https://web.archive.org/web/20130217080612/http://tv-orange.de/2012/08/x/", "tv-orange.de"),
    ("https://www.panamaamerica.com.pa/politica/x", "panamaamerica.com.pa"),
    ("hard::laprensagrafica.com.fiscal.html", "laprensagrafica.com"),
    ("hard::jamaica.gleaner.com-victims.html", "gleaner.com"),
    ("xhttps://www.zoo-berlin.de/de/aktuelles/", "zoo-berlin.de"),
])
def test_site_is_the_registered_domain(url: str, expected: str) -> None:
    assert site(url) == expected


def test_folds_keep_sites_whole_and_do_not_depend_on_page_order() -> None:
    sites = [f"site{i % 37}.example" for i in range(500)] + ["big.example"] * 40
    fold_of = folds(sites, 5)
    assert all(f1 == f2 for (s1, f1) in zip(sites, fold_of) for (s2, f2) in zip(sites, fold_of) if s1 == s2)
    sizes = [fold_of.count(f) for f in range(5)]
    assert max(sizes) - min(sizes) <= 40  # dealt largest first to the emptiest fold
    shuffled = sites[:]
    random.Random(7).shuffle(shuffled)
    by_site = dict(zip(shuffled, folds(shuffled, 5)))
    assert by_site == dict(zip(sites, fold_of))


def test_folds_of_the_shared_varied_pages_are_fixed() -> None:
    urls = list(json.loads(shared_path("data", "extraction-varied", "evaldata.json").read_text(encoding="utf-8")))
    first = folds([site(u) for u in urls], 5)
    assert first == folds([site(u) for u in urls], 5)
    assert sorted(set(first)) == [0, 1, 2, 3, 4]


def test_choose_takes_the_cheapest_of_near_equals() -> None:
    options = [BodySettings(escalate=0.2), BodySettings(escalate=0.1), BodySettings(escalate=0.0)]
    scores = [0.9300, 0.9300 - TOLERANCE / 2, 0.9300 - 2 * TOLERANCE]
    assert choose(options, scores.__getitem__) == 1
    assert choose(options, [0.9, 0.9, 0.9].__getitem__) == 2


def test_cross_validation_chooses_on_the_other_folds_only() -> None:
    options = [BodySettings(focus="precision"), BodySettings(focus="balanced")]
    fold_of = [0, 0, 1, 1]
    # setting 0 is best on fold 0's pages, setting 1 on fold 1's: each fold gets the other's choice
    wins = {0: {0, 1}, 1: {2, 3}}
    choices = cross_validate(options, fold_of, 2, lambda s, train: len(wins[s] & set(train)))
    assert [c.settings for c in choices] == [1, 0]


def test_the_grid_holds_the_product_settings() -> None:
    assert SETTINGS in grid()


@pytest.mark.slow
def test_bench_runs_on_a_few_pages(tmp_path) -> None:
    data = shared_path("data", "extraction-varied")
    out = subprocess.run([sys.executable, "-m", "bench.varied", str(data), "--limit", "6", "--cv", "2",
                          "--out", str(tmp_path)], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert "Morgue, cross-validated" in out and "trafilatura alone" in out
    assert (tmp_path / "varied-cv.jsonl").is_file() and (tmp_path / "news-product.json").is_file()
