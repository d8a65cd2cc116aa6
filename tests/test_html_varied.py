"""Main text of real varied pages: forums, blogs, services and news in several languages.

Each case is a shared page whose text the extraction used to drop (or whose
furniture it used to keep), checked with the page's own annotations: the
"with" snippets must be in the body, the "without" ones must not.
"""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path

import pytest

from indexer.html import read_html
from tests.conftest import shared_path


@functools.lru_cache(maxsize=1)
def _evaldata() -> dict:
    return json.loads(shared_path("data", "extraction-varied", "evaldata.json").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def _body(path: Path) -> str:
    return " ".join(read_html(gzip.decompress(path.read_bytes()), path.name)[0].body.split())


def _page(url: str) -> tuple[str, dict]:
    item = _evaldata()[url]
    return _body(shared_path("data", "extraction-varied", "html", item["file"])), item


def _norm(text: str) -> str:
    return " ".join(text.split())


KEPT = [
    # trafilatura's precision mode drops the posts of a forum thread and a tutorial's text
    # (its second snippet, cut inside a quoted word, is found by no extractor)
    pytest.param("https://www.pocketpc.ch/windows-phone-7-allgemein/122760-microsoft-beginnt-auslieferung-"
                 "vorbereitungsupdate-34.html", (0, 2), id="forum"),
    pytest.param("https://it-for-kids.org/blog/191211_variables/", None, id="blog-tutorial"),
    # a Blogger post that is printed inside <noscript>
    pytest.param("https://security.googleblog.com/2020/05/enhanced-safe-browsing-protection-now.html",
                 None, id="blog-noscript"),
    # a page whose unclosed <nav> holds the whole content
    pytest.param("https://www.fifplay.com/fifa-21-game-settings/", None, id="content-in-nav"),
    # trafilatura's fast mode finds under a tenth of the page; its fallbacks find the text
    pytest.param("https://www.smava.de/privatkredit/privatkredit-zinsen/", None, id="service-page"),
    pytest.param("https://www.zdf.de/sport/us-sport-corona-100.html", None, id="broadcaster"),
    # a long lead that readability leaves out
    pytest.param("hard::dw.com.colonial.html", None, id="lead"),
    # trafilatura takes the navigation for the text; readability has the article
    pytest.param("https://www.rnz.de/nachrichten_artikel,-zz-dpa-Schlaglichter-Frank-Witzel-erhaelt-"
                 "Deutschen-Buchpreis-2015-_arid,133484.html", None, id="navigation-primary"),
]


@pytest.mark.parametrize("url, snippets", KEPT)
def test_main_text_is_kept(url: str, snippets: tuple[int, ...] | None) -> None:
    """Every "with" snippet of the page (or those numbered) is in the body."""
    body, item = _page(url)
    wanted = item["with"] if snippets is None else [item["with"][i] for i in snippets]
    missing = [w for w in wanted if _norm(w) not in body]
    assert not missing, f"{url}: {missing}"


FURNITURE_OUT = [
    ("hard::elheraldo.hn-JOH.html", "LE PUEDE INTERESAR"),  # Spanish "you may be interested in"
    ("https://www.eluniversal.com/internacional/125703/senador-republicano-califica-a-biden-de-incapacitado",
     "Siguenos en Telegram"),  # Spanish "follow us on"
    ("https://www.fitforfun.de/news/studie-zeigt-zwei-beliebte-lebensmittel-koennen-gegen-soziale-aengste-"
     "helfen-531297.html", "Top-Themen bei FIT FOR FUN"),  # German "top stories"
    ("https://www.express.de/duesseldorf/duesseldorf-tote-tauben-im-iss-dome-gefunden----peta--erstattet-"
     "strafanzeige-33335766", "zwischen türkischer und kurdischer Mannschaft"),  # "Lesen Sie hier: ..."
]


@pytest.mark.parametrize("url, line", FURNITURE_OUT, ids=["es-interesar", "es-follow", "de-top", "de-lesen"])
def test_furniture_in_other_languages_stays_out_and_the_text_in(url: str, line: str) -> None:
    body, item = _page(url)
    assert any(w.startswith(line) for w in item["without"])
    assert not [w for w in item["without"] if _norm(w) in body]
    assert not [w for w in item["with"] if _norm(w) not in body]


@pytest.mark.parametrize("key, line", [
    ("23aaecd14171f96cfd201a8a46666097e286ad71f74f29347a78c5ecba50da1e", "Tempo de leitura"),  # reading time
    ("624fcd903d56fc7055fa7097b330629450c095ad6937318deb027be7803bbf35", "DON'T MISS"),
])
def test_news_page_furniture_stays_out(key: str, line: str) -> None:
    path = shared_path("data", "extraction", "html", f"{key}.html.gz")
    truth = json.loads(shared_path("data", "extraction", "ground-truth.json").read_text(encoding="utf-8"))[key]
    raw = gzip.decompress(path.read_bytes())
    assert line in raw.decode("utf-8", "replace")  # it is on the page
    body = _body(path)
    assert line not in body
    assert _norm(truth["articleBody"])[:200] in body  # and the article is there
