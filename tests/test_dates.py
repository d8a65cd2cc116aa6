"""Publication dates of HTML pages: time zones, evidence voting, modified/comment dates, weak evidence."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from pathlib import Path

import pytest

from indexer.dates import parse_date, parse_stamp, plausible, zone_for
from indexer.decode import decode_html
from indexer.html import page_metadata

SHARED = Path(os.environ.get("MORGUE_SHARED") or Path(__file__).resolve().parents[2] / "shared")
DATES = SHARED / "data" / "dates"

PROSE = "<p>The council voted on Tuesday to close the old bridge after engineers found cracks.</p>" * 4


def _page(head: str = "", body: str = "", lang: str = "en") -> str:
    return (f"<html lang='{lang}'><head><title>Bridge closed | The Daily Example</title>{head}</head>"
            f"<body><article><h1>Bridge closed</h1>{body}{PROSE}</article><footer>Contact us</footer></body></html>")


def _date(html: str, url: str | None = None) -> tuple[dt.date | None, str | None, str | None]:
    d = page_metadata(html, url)
    return d.published, d.date_precision, d.date_source


def _ld(**fields: str) -> str:
    return ('<script type="application/ld+json">'
            + json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "x", **fields})
            + "</script>")


# --- parsing -------------------------------------------------------------------------------------

def test_stamp_keeps_time_and_offset() -> None:
    s = parse_stamp("2020-08-25T00:23:33.312Z")
    assert (s.day, s.minutes, s.offset) == (dt.date(2020, 8, 25), 23, 0)
    s = parse_stamp("2020-06-29T00:16:15+03:00")
    assert (s.day, s.minutes, s.offset) == (dt.date(2020, 6, 29), 16, 180)
    s = parse_stamp("Tue Aug 25 2020 00:23:33 GMT+0000 (Coordinated Universal Time)")
    assert (s.day, s.offset) == (dt.date(2020, 8, 25), 0)
    assert parse_stamp("2019-06-17").minutes is None


def test_written_out_dates_in_several_languages() -> None:
    assert parse_date("1. November 2023 10:29") == (dt.date(2023, 11, 1), "day")
    assert parse_date("Samstag, 19. Oktober 2019") == (dt.date(2019, 10, 19), "day")
    assert parse_date("06 Dicembre 2020") == (dt.date(2020, 12, 6), "day")
    assert parse_date("March 3, 2011") == (dt.date(2011, 3, 3), "day")


def test_impossible_dates_rejected() -> None:
    assert parse_date("2021-02-30") is None
    assert parse_date("31.13.2020") is None
    assert not plausible(dt.date.today() + dt.timedelta(days=30))
    assert not plausible(dt.date(1970, 1, 1))
    html = _page(f'<meta property="article:published_time" content="{dt.date.today().year + 2}-05-01T10:00:00Z">')
    assert _date(html)[0] is None


def test_local_day_of_utc_stamp() -> None:
    s = parse_stamp("2021-11-04T23:00Z")
    assert s.local_day("Europe/Berlin") == dt.date(2021, 11, 5)
    assert s.local_day(None) == dt.date(2021, 11, 4)
    assert parse_stamp("2019-06-17T00:00:00+00:00").local_day("America/New_York") == dt.date(2019, 6, 17)
    assert parse_stamp("2020-06-29T00:16:15+03:00").local_day("Europe/Berlin") == dt.date(2020, 6, 29)


def test_zone_from_language_and_domain() -> None:
    assert zone_for("fr", "ici.radio-canada.ca") == "America/Toronto"
    assert zone_for("de-DE", None) == "Europe/Berlin"
    assert zone_for(None, "www.example.it") == "Europe/Rome"
    assert zone_for("en", "www.example.com") is None  # English alone says nothing about the region


# --- time zones ----------------------------------------------------------------------------------

def test_utc_stamp_takes_the_offset_the_page_uses_elsewhere() -> None:
    html = _page(_ld(datePublished="2020-08-25T00:23:33Z", dateModified="2020-08-24T21:30:00-04:00"))
    assert _date(html)[:2] == (dt.date(2020, 8, 24), "day")


def test_utc_stamp_near_midnight_takes_the_language_region() -> None:
    html = _page('<meta property="article:published_time" content="2021-11-04T23:00Z">', lang="de")
    assert _date(html)[:2] == (dt.date(2021, 11, 5), "day")
    html = _page('<meta property="article:published_time" content="2021-11-04T23:00Z">', lang="en")
    assert _date(html)[:2] == (dt.date(2021, 11, 4), "day")


def test_explicit_offset_is_the_publishers_day() -> None:
    html = _page(_ld(datePublished="2020-06-29T00:16:15+03:00"), lang="de")
    assert _date(html)[:2] == (dt.date(2020, 6, 29), "day")


def test_page_showing_the_utc_day_is_not_shifted() -> None:
    html = _page(_ld(datePublished="2020-10-28T22:22:49Z"),
                 '<time datetime="2020-10-28T22:22:49.000Z">28 October 2020</time>', lang="en-AU")
    assert _date(html)[:2] == (dt.date(2020, 10, 28), "day")


# --- voting --------------------------------------------------------------------------------------

def test_microdata_published_beats_a_generic_meta_date() -> None:
    html = _page('<meta name="date" content="2022-01-21T15:38:44+01:00">',
                 '<time itemprop="datePublished" datetime="2022-01-27">27.01.2022</time>', lang="de")
    assert _date(html)[:2] == (dt.date(2022, 1, 27), "day")


def test_modified_date_is_not_the_publication_date() -> None:
    html = _page('<meta property="og:updated_time" content="2020-06-02T11:57:06+02:00">',
                 '<div class="submitted"><time>31.03.2020</time></div>', lang="de")
    assert _date(html)[:2] == (dt.date(2020, 3, 31), "day")
    html = _page("", '<time class="updated" datetime="2018-08-29">29.08.2018</time>'
                     '<time itemprop="datePublished" datetime="2018-06-22 10:20:00">22.06.2018</time>', lang="de")
    assert _date(html)[:2] == (dt.date(2018, 6, 22), "day")


def test_published_label_in_text_beats_the_last_change() -> None:
    html = _page("", '<p class="footer">Letzte Änderung: 31.10.2023 - 14:49:39<br>Erschienen am: 01.11.2023</p>',
                 lang="de")
    assert _date(html)[:2] == (dt.date(2023, 11, 1), "day")


def test_dates_of_reader_comments_are_not_the_article_date() -> None:
    html = _page("", '<div class="comments"><div class="comment"><div class="comment__date">04.02.2022 - 00:00 Uhr'
                     '</div><p>Great piece.</p></div></div>', lang="de")
    published, precision, _ = _date(html)
    assert precision != "day"


def test_disagreeing_strong_sources_give_no_day() -> None:
    html = _page(_ld(datePublished="2020-03-02T10:00:00+01:00")
                 + '<meta property="article:published_time" content="2020-05-20T10:00:00+01:00">', lang="de")
    assert _date(html)[1] != "day"


def test_ambiguous_numeric_date_gives_no_day() -> None:
    html = _page('<meta name="date" content="11/01/2023 12:43:42">', lang="de")
    assert _date(html)[1] != "day"


def test_first_of_january_without_time_is_a_year() -> None:
    html = _page('<meta itemprop="dateCreated" content="01/01/2004">')
    published, precision, _ = _date(html)
    assert (published, precision) == (dt.date(2004, 1, 1), "year")


def test_url_day_and_source_recorded() -> None:
    html = _page('<meta property="article:published_time" content="2019-11-19T10:00:00-05:00">')
    assert _date(html, "https://example.com/2019/11/18/story/") == (dt.date(2019, 11, 18), "day", "url")
    assert _date(html)[2] == "meta"


# --- real pages, read in place -------------------------------------------------------------------

REAL = [  # (file, why)
    ("1691900941.html", "UTC time stamp, French-Canadian page: local day is the day before"),
    ("1789111868.html", "UTC time stamp late in the evening, Italian page: local day is the day after"),
    ("kas.de-nordmazedonien.html", "local midnight written as 23:00Z"),
    ("1753036930.html", "UTC stamp, but the page shows the UTC day"),
    ("literaturkritik.de-Ann-Cotten.html", "'Erschienen am' beats 'Letzte Änderung'"),
    ("nmb-media.de.ebay.html", "datePublished beats dateModified"),
    ("fluter.de.vorbild.html", "og:updated_time is not the publication date"),
    ("exxpress.at-zaehne.html", "visible '1. November 2023' beats datetime='01-11-2023'"),
]


def _real(name: str) -> tuple[str, str]:
    path = DATES / "html" / f"{name}.gz"
    if not path.is_file():
        pytest.skip(f"shared data not found at {path} (set MORGUE_SHARED)")
    truth = json.loads((DATES / "ground-truth.json").read_text(encoding="utf-8"))[name]
    return decode_html(gzip.decompress(path.read_bytes())), truth["date"]


@pytest.mark.parametrize("name,why", REAL, ids=[n[:24] for n, _ in REAL])
def test_real_page(name: str, why: str) -> None:
    html, want = _real(name)
    published, precision, _ = _date(html)
    assert (published.isoformat() if published else None, precision) == (want, "day"), why


@pytest.mark.parametrize("name", ["kochbar.de.schneiden.html", "simmeltalzeitung.ch-Trinkwasser.html"])
def test_real_page_with_weak_evidence_gives_no_day(name: str) -> None:
    html, _ = _real(name)
    assert _date(html)[1] != "day"
