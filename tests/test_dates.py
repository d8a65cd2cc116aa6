"""Publication dates of HTML pages: parsing, the sources a page offers, and the confidence model."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.date_model import MODEL, judge
from indexer.date_text import headline_days, headline_places, month_first
from indexer.dates import parse_date, parse_stamp, plausible, text_date, zone_for
from indexer.decode import decode_html
from indexer.html import page_metadata, parse_tree
from indexer.html_date import (
    _PUBLISHED_LABEL,
    _UPDATED_LABEL,
    SOURCES,
    Evidence,
    _label_candidates,
    gather,
    written_days,
)
from indexer.html_meta import read_meta
from tests.conftest import shared_path

PROSE = "<p>The council voted on Tuesday to close the old bridge after engineers found cracks.</p>" * 4


def _page(head: str = "", body: str = "", lang: str = "en") -> str:
    return (f"<html lang='{lang}'><head><title>Bridge closed | The Daily Example</title>{head}</head>"
            f"<body><article><h1>Bridge closed</h1>{body}{PROSE}</article><footer>Contact us</footer></body></html>")


def _evidence(html: str, url: str | None = None) -> Evidence:
    tree = parse_tree(html)
    return gather(tree, read_meta(tree), url)


def _days(html: str, url: str | None = None) -> dict[str, str]:
    return {s: d.isoformat() for s, d in _evidence(html, url).days.items()}


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
    assert "meta" not in _days(html)


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


def test_days_written_out_in_the_text() -> None:
    text = ("Erschienen am 1. November 2023. Updated March 3, 2011; filed 2019-06-17 and 02.01.2020. "
            "In 2018 nothing happened; call 2017 0815.")
    assert written_days(text) == {dt.date(2023, 11, 1), dt.date(2011, 3, 3), dt.date(2019, 6, 17),
                                  dt.date(2020, 1, 2)}
    # dates next to each other are all read, however close their years are
    assert written_days("2019-10-27 2019-10-28, 27.10.2019") == {dt.date(2019, 10, 27), dt.date(2019, 10, 28)}
    assert written_days("no date here") == frozenset()


def test_slashed_dates_are_read_in_the_order_of_the_pages_region() -> None:
    assert written_days("Posted 12/04/2020, revised 2016/11/18") == {dt.date(2020, 4, 12), dt.date(2016, 11, 18)}
    assert written_days("Posted 12/04/2020", us=True) == {dt.date(2020, 12, 4)}
    assert written_days("Posted 04/23/2020", us=False) == {dt.date(2020, 4, 23)}  # no 23rd month
    assert written_days("version 1/2/20 of 30.10.23") == frozenset()  # two-digit years only next to a headline
    assert month_first("en-US", None) and month_first("en", "https://example.com/x")
    assert not month_first("en-GB", "https://example.com/x") and not month_first("en", "https://example.co.uk/x")
    assert not month_first("de", "https://example.com/x") and not month_first(None, None)


# --- the sources of a page -----------------------------------------------------------------------

def test_utc_stamp_takes_the_offset_the_page_uses_elsewhere() -> None:
    html = _page(_ld(datePublished="2020-08-25T00:23:33Z", dateModified="2020-08-24T21:30:00-04:00"))
    assert _days(html)["json-ld"] == "2020-08-24"


def test_utc_stamp_near_midnight_takes_the_language_region() -> None:
    meta = '<meta property="article:published_time" content="2021-11-04T23:00Z">'
    assert _days(_page(meta, lang="de"))["meta"] == "2021-11-05"
    assert _days(_page(meta, lang="en"))["meta"] == "2021-11-04"


def test_explicit_offset_is_the_publishers_day() -> None:
    assert _days(_page(_ld(datePublished="2020-06-29T00:16:15+03:00"), lang="de"))["json-ld"] == "2020-06-29"


def test_time_element_showing_the_utc_day_is_not_shifted() -> None:
    html = _page("", '<time datetime="2020-10-28T22:22:49.000Z">28 October 2020</time>', lang="en-AU")
    assert _days(html)["time"] == "2020-10-28"


def test_modified_dates_are_kept_apart() -> None:
    ev = _evidence(_page('<meta property="og:updated_time" content="2020-06-02T11:57:06+02:00">',
                         '<div class="submitted"><time>31.03.2020</time></div>', lang="de"))
    assert ev.days["time"] == dt.date(2020, 3, 31) and "meta" not in ev.days
    assert ev.modified == {dt.date(2020, 6, 2)}
    ev = _evidence(_page("", '<time class="updated" datetime="2018-08-29">29.08.2018</time>'
                             '<time itemprop="datePublished" datetime="2018-06-22 10:20:00">22.06.2018</time>'))
    assert ev.days["microdata"] == ev.days["time-published"] == dt.date(2018, 6, 22)
    assert ev.modified == {dt.date(2018, 8, 29)}


def test_published_label_in_text_and_last_change() -> None:
    ev = _evidence(_page("", '<p class="footer">Letzte Änderung: 31.10.2023 - 14:49:39<br>'
                             'Erschienen am: 01.11.2023</p>', lang="de"))
    assert ev.days["label"] == dt.date(2023, 11, 1)
    assert dt.date(2023, 10, 31) in ev.modified
    assert {dt.date(2023, 11, 1), dt.date(2023, 10, 31)} <= ev.written


def test_dates_of_reader_comments_are_not_a_source() -> None:
    html = _page("", '<div class="comments"><div class="comment"><time datetime="2022-02-04">04.02.2022</time>'
                     '<p>Great piece.</p></div></div>', lang="de")
    assert "time" not in _days(html)


def test_date_next_to_the_headline_is_a_source() -> None:
    byline = '<p class="byline">By Jane Doe, 12/04/2020</p>'
    assert _days(_page("", byline, lang="en-GB"))["headline"] == "2020-04-12"
    assert _days(_page("", byline, lang="en-US"))["headline"] == "2020-12-04"
    assert _days(_page("", '<p>Politik, 30.10.23</p>', lang="de"))["headline"] == "2023-10-30"
    # the nearest of several dates, and none far below the headline
    ev = _evidence(_page("", '<p>Updated 3 March 2021</p><p>Filed 1 March 2021</p>'))
    assert ev.headline == (dt.date(2021, 3, 3), dt.date(2021, 3, 1)) and ev.days["headline"] == dt.date(2021, 3, 3)
    far = _evidence(_page("", "<p>" + "Words of the story. " * 30 + "3 March 2021</p>"))
    assert "headline" not in far.days and dt.date(2021, 3, 3) in far.written


def test_headline_is_found_by_its_h1_or_its_title() -> None:
    text = "Home News Bridge closed after cracks found 2 May 2021 The council voted"
    assert headline_days(text, headline_places(text, "Bridge closed after cracks found", ""), False) == (
        dt.date(2021, 5, 2),)
    places = headline_places(text, "News", "Bridge closed after cracks found | The Daily Example")
    assert places == [(text.index("Bridge"), text.index(" 2 May"))]  # a short <h1> is not the headline
    assert headline_places(text, "Not on the page at all", "Nor this title either") == []


def test_published_labels_with_a_name_or_a_date_heading() -> None:
    def label(text: str) -> str | None:
        found = [c.day.isoformat() for c in _label_candidates(text) if c.kind == "published"]
        return found[0] if found else None

    assert label("Posted by: Ed de Leon on February 18, 2020 in Showbiz") == "2020-02-18"
    assert label("Veröffentlicht von SeglerBlog am 23. Februar 2020") == "2020-02-23"
    assert label("4 Bewertungen Datum: 03.02.2022 Autor: se") == "2022-02-03"
    assert label("Date 2 mars 2020 Partager") == "2020-03-02"
    assert label("Date of Last Revision: August 9, 2017") is None
    assert label("Datum und Uhrzeit: 11/02/20, 07:22 pm") is None


def _labels_scanning_everything(text: str) -> list[tuple[dt.date, str]]:
    out = []
    for pattern, kind in ((_PUBLISHED_LABEL, "published"), (_UPDATED_LABEL, "modified")):
        days = (text_date(m) for m in pattern.finditer(text))
        day = next((d for d in days if d and plausible(d)), None)
        if day:
            out.append((day, kind))
    return out


PIECES = st.sampled_from([
    "Posted by Jane Doe on", "Veröffentlicht von Max Mustermann am Mittwoch,", "Datum:", "Updated", "Erschienen am",
    "published", "date", "by", "on", "March 3, 2011", "3. März 2019", "01.11.2023", "2019-06-17", "2020", "12",
    "the council voted on Tuesday", "Ein Bericht über die Brücke", ",", "|",
])


@given(st.lists(PIECES, max_size=30))
def test_labels_are_the_ones_a_scan_of_the_whole_text_finds(pieces) -> None:
    text = " ".join(pieces)
    assert [(c.day, c.kind) for c in _label_candidates(text)] == _labels_scanning_everything(text)


def test_url_day_and_month() -> None:
    assert _days(_page(), "https://example.com/2019/11/18/story/")["url"] == "2019-11-18"
    ev = _evidence(_page(), "https://example.com/2019/11/story/")
    assert "url" not in ev.days and ev.url_month == dt.date(2019, 11, 1)


# --- the confidence model ------------------------------------------------------------------------

def test_sources_that_agree_give_a_dated_article_with_its_confidence() -> None:
    html = _page(_ld(datePublished="2019-11-18T10:00:00-05:00")
                 + '<meta property="article:published_time" content="2019-11-18T10:00:00-05:00">',
                 '<p class="byline">Published November 18, 2019</p>')
    d = page_metadata(html)
    assert (d.published, d.date_precision, d.date_source) == (dt.date(2019, 11, 18), "day", "json-ld")
    assert MODEL.threshold <= d.date_confidence <= 1
    assert [c.day for c in d.date_candidates] == [dt.date(2019, 11, 18)]
    assert {"json-ld", "meta", "label"} <= set(d.date_candidates[0].sources)


def test_sources_that_disagree_give_no_date_and_name_the_candidates() -> None:
    html = _page(_ld(datePublished="2020-03-02T10:00:00+01:00"), '<p class="byline">Von Anna Muster, 20.05.2020</p>',
                 lang="de")
    d = page_metadata(html)
    assert (d.published, d.date_precision, d.date_confidence) == (None, None, None)
    found = {c.day: c.sources for c in d.date_candidates}
    assert set(found) == {dt.date(2020, 3, 2), dt.date(2020, 5, 20)}
    assert found[dt.date(2020, 3, 2)][0] == "json-ld" and found[dt.date(2020, 5, 20)] == ("headline",)


def test_date_next_to_the_headline_alone_dates_the_page() -> None:
    d = page_metadata(_page("", '<p class="byline">Politik, 20.05.20</p>', lang="de"))
    assert (d.published, d.date_precision, d.date_source) == (dt.date(2020, 5, 20), "day", "headline")


def test_url_day_agreeing_with_the_page_is_named_first() -> None:
    html = _page('<meta property="article:published_time" content="2019-11-18T10:00:00-05:00">',
                 "<p>November 18, 2019</p>")
    d = page_metadata(html, "https://example.com/2019/11/18/story/")
    assert (d.published, d.date_precision, d.date_source) == (dt.date(2019, 11, 18), "day", "url")


# --- real pages, read in place -------------------------------------------------------------------

def _real(name: str) -> tuple[str, str]:
    path = shared_path("data", "dates", "html", f"{name}.gz")
    truth = json.loads(shared_path("data", "dates", "ground-truth.json").read_text(encoding="utf-8"))[name]
    return decode_html(gzip.decompress(path.read_bytes())), truth["date"]


def test_real_page_whose_sources_agree_is_dated() -> None:
    html, want = _real("nytimes.com.blackouts.html")
    d = page_metadata(html)
    assert (d.published.isoformat(), d.date_precision, d.date_source) == (want, "day", "url")
    assert d.date_confidence >= MODEL.threshold
    assert {"url", "json-ld", "meta", "time"} <= set(d.date_candidates[0].sources)


def test_real_page_showing_a_british_date_reads_it_day_first() -> None:
    # the <time> element and the byline show "12/04/2020" on an en-GB page: 12 April, as its metadata says
    html, want = _real("flawlessfood.co.uk.olive.html")
    d = page_metadata(html)
    assert (d.published.isoformat(), d.date_precision) == (want, "day") == ("2020-04-12", "day")
    assert [c.day.isoformat() for c in d.date_candidates] == [want]
    assert {"json-ld", "meta", "time", "headline"} <= set(d.date_candidates[0].sources)


def test_real_page_whose_sources_disagree_abstains_and_lists_them() -> None:
    # the date next to the headline is the page's last update (19 February 2020); its meta tags
    # and htmldate give the first publication, 12 April 2017
    html, want = _real("madame.lefigaro.fr.dintestin.html")
    d = page_metadata(html)
    assert (d.published, d.date_precision, d.date_source, d.date_confidence) == (None, None, None, None)
    found = {c.day.isoformat(): c.sources for c in d.date_candidates}
    assert set(found) == {want, "2020-02-19"}
    assert "meta" in found[want] and found["2020-02-19"] == ("headline",)
    assert "2020-02-19 from the date next to the headline" in [c.label() for c in d.date_candidates]


def test_real_page_whose_sources_disagree_on_the_day_only_gives_the_month() -> None:
    # the meta tags say 21 January 2022, the page's <time> element 25 January
    html, want = _real("umweltbundesamt.de-atomkraft.html")
    d = page_metadata(html)
    assert (d.published, d.date_precision) == (dt.date(2022, 1, 1), "month")
    assert want in {c.day.isoformat() for c in d.date_candidates} and len(d.date_candidates) == 2


# --- properties ----------------------------------------------------------------------------------

def _check_verdict(day, precision, confidence, cands) -> None:
    """What every verdict promises about its date, confidence and candidates."""
    days = [c.day for c in cands]
    assert len(days) == len(set(days)), "one candidate per day"
    named = [s for c in cands for s in c.sources]
    assert all(c.sources for c in cands) and len(named) == len(set(named)), "each source under one day"
    assert set(named) <= set(SOURCES)
    if precision == "day":
        assert day in days and MODEL.threshold <= confidence <= 1
    else:
        assert confidence is None
    if precision == "month":
        assert day.day == 1 and all((d.year, d.month) == (day.year, day.month) for d in days)


DAYS = st.dates(dt.date(2015, 1, 1), dt.date(2015, 3, 31))


@given(found=st.dictionaries(st.sampled_from(SOURCES), DAYS), modified=st.frozensets(DAYS, max_size=2),
       written=st.frozensets(DAYS, max_size=3), month=st.none() | DAYS.map(lambda d: d.replace(day=1)))
def test_a_confident_date_is_one_of_the_candidates(found, modified, written, month) -> None:
    ev = Evidence(days=dict(found), url_month=month, modified=modified, written=written)
    v = judge(ev)
    _check_verdict(v.day, v.precision, v.confidence, v.candidates)
    assert {c.day for c in v.candidates} == set(found.values())
    for c in v.candidates:  # every source is named under the day it gave
        assert all(found[s] == c.day for s in c.sources)


@pytest.fixture(scope="module")
def page_names() -> list[str]:
    truth = json.loads(shared_path("data", "dates", "ground-truth.json").read_text(encoding="utf-8"))
    return sorted(truth)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_real_pages_keep_the_candidate_promises(page_names, data) -> None:
    html, _ = _real(data.draw(st.sampled_from(page_names)))
    d = page_metadata(html)
    _check_verdict(d.published, d.date_precision, d.date_confidence, d.date_candidates)


# --- the model is the one its procedure fits -----------------------------------------------------

@pytest.mark.slow
def test_shipped_model_is_the_one_fitted_on_the_shared_set() -> None:
    from bench import date_fit

    folder = shared_path("data", "dates")
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    evs, days, sites = {}, {}, {}
    for key in sorted(truth):
        html = decode_html(gzip.decompress((folder / "html" / f"{key}.gz").read_bytes()))
        tree = parse_tree(html)
        pm = read_meta(tree)
        evs[key] = gather(tree, pm, page_metadata(html, None, tree, pm).url)
        evs[key].text()
        days[key] = dt.date.fromisoformat(truth[key]["date"])
        sites[key] = date_fit.site_of(truth[key]["url"])
    fitted = date_fit.fit(sorted(truth), evs, days, sites)
    assert fitted.threshold == MODEL.threshold
    for mine, shipped in ((fitted.first, MODEL.first), (fitted.second, MODEL.second)):
        assert mine.weights.keys() == shipped.weights.keys()
        assert all(abs(mine.weights[k] - shipped.weights[k]) <= 0.011 for k in mine.weights)


def test_folds_group_pages_by_site_and_do_not_change() -> None:
    from bench.date_fit import make_folds, site_of

    assert site_of("https://web.archive.org/web/2016/http://www.medialepfade.de/2016/01/x/") == "medialepfade.de"
    assert site_of("https://www.bbc.co.uk/news/x") == "bbc.co.uk"
    sites = {f"p{i}": f"site{i % 7}.org" for i in range(40)}
    folds = make_folds(sites, 5)
    assert make_folds(dict(reversed(list(sites.items()))), 5) == folds
    assert sorted(k for f in folds for k in f) == sorted(sites)
    for fold in folds:
        others = {sites[k] for f in folds if f is not fold for k in f}
        assert not {sites[k] for k in fold} & others
