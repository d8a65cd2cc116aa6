"""Readers for multi-article files: Reuters-21578 SGML, JSON Lines and WARC.

Real data is read in place from the shared folder (never copied into the
repository); set MORGUE_SHARED to point elsewhere. Tests that need it are
skipped with a reason when it is absent.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import re
from pathlib import Path

import pytest

from archive.records import AgeBanner
from indexer.draft import Draft, ExtractionError, FileWarning, RecordError
from indexer.jsonl import read_jsonl
from indexer.reuters import parse_authors, parse_dateline, read_reuters
from tests.growth import cpu_seconds, operations

SHARED = Path(os.environ.get("MORGUE_SHARED") or Path(__file__).resolve().parents[2] / "shared")
REUTERS = SHARED / "data" / "reuters21578"
IR = SHARED / "data" / "ir"
INDEXER = Path(read_reuters.__code__.co_filename).resolve().parent


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data not found: {path} (set MORGUE_SHARED)")
    return path


def split(results) -> tuple[list[Draft], list[RecordError | FileWarning]]:
    """Drafts, and the record errors and file warnings (a warning comes last)."""
    results = list(results)
    drafts = [r for r in results if isinstance(r, Draft)]
    errors = [r for r in results if isinstance(r, (RecordError, FileWarning))]
    assert len(drafts) + len(errors) == len(results)
    assert all(isinstance(r, RecordError) for r in results[:-1] if not isinstance(r, Draft))
    return drafts, errors


def by_item(drafts: list[Draft]) -> dict[str, Draft]:
    return {d.item: d for d in drafts}


# ---------------------------------------------------------------- Reuters SGML

@pytest.fixture(scope="module")
def reut000() -> list[Draft]:
    data = need(REUTERS / "reut2-000.sgm").read_bytes()
    drafts, errors = split(read_reuters(data, "reut2-000.sgm"))
    assert errors == []
    return drafts


def test_reuters_file_gives_1000_articles_with_unique_items(reut000):
    assert len(reut000) == 1000
    items = [d.item for d in reut000]
    assert len(set(items)) == 1000
    assert items[0] == "1" and items[-1] == "1000"
    assert all(d.item == d.source_id for d in reut000)
    assert all(d.title and d.body for d in reut000)
    assert all(d.language is None for d in reut000)


def test_reuters_known_article(reut000):
    a = by_item(reut000)["1"]
    assert a.title == "BAHIA COCOA REVIEW"
    assert a.published == dt.date(1987, 2, 26)
    assert (a.date_precision, a.date_source) == ("day", "sgml")
    assert a.places == ["el-salvador", "usa", "uruguay"]
    assert a.topics == ["cocoa"]
    assert a.people == a.orgs == a.exchanges == []
    assert a.dateline == "Salvador"
    assert (a.outlet, a.outlet_source, a.agency) == ("Reuters", "format", "Reuters")
    assert a.body.startswith("Showers continued throughout the week in the Bahia cocoa zone,")
    assert "\n\nThe dry period means the temporao will be late this year.\n\n" in a.body
    # The signature and the &#3; control entity are gone.
    assert a.body.endswith("carnival which ends midday on February 27.")
    assert "Reuter" not in a.body and "\x03" not in a.body


def test_reuters_entities_author_and_dateline(reut000):
    a = by_item(reut000)["45"]
    assert a.title == "CHEMLAWN <CHEM> RISES ON HOPES FOR HIGHER BIDS"
    assert a.authors == ["Cal Mankowski"]
    assert a.dateline == "New York"
    assert a.body.startswith("ChemLawn Corp <CHEM> could attract a higher bid")
    assert a.topics == ["acq"]


def test_reuters_brief_and_unprocessed_articles(reut000):
    brief = by_item(reut000)["30"]  # TYPE="BRIEF": a headline and "Blah blah blah."
    assert brief.title == "ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE 720.4 MLN DLRS IN LATEST WEEK"
    assert brief.body == brief.title
    unproc = by_item(reut000)["99"]  # TYPE="UNPROC": no TITLE, a table in TEXT
    assert unproc.title == "FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26"
    assert unproc.body.startswith("   Two weeks ended Feb 25")
    assert "\nBank borrowings...............680 vs.......425\n" in unproc.body
    assert "Reuter" not in unproc.body


def test_reuters_stray_latin1_byte_is_kept():
    data = need(REUTERS / "reut2-017.sgm").read_bytes()
    assert b"growth.\xfc" in data
    drafts, errors = split(read_reuters(data, "reut2-017.sgm"))
    assert errors == [] and len(drafts) == 1000
    hit = [d for d in drafts if "world economic growth.\u00fcside measures" in d.body]
    assert len(hit) == 1
    assert hit[0].title == "LAWSON SAYS LOUVRE CURRENCY ACCORD SATISFACTORY"
    assert "\ufffd" not in hit[0].body


def _read_all(files) -> tuple[list, list]:
    drafts, errors = [], []
    for f in files:
        d, e = split(read_reuters(f.read_bytes(), f.name))
        drafts += d
        errors += e
    return drafts, errors


def test_reuters_all_files():
    files = sorted(need(REUTERS).glob("reut2-*.sgm"))
    assert len(files) == 22
    drafts, errors = _read_all(files)
    # 21,578 <REUTERS> elements; NEWID 12793 is empty in the source (TEXT holds only &#3;).
    assert len(drafts) == 21577
    assert [(e.item, e.reason, e.skip) for e in errors] == [
        ("12793", "no text (neither title nor body)", True)]
    assert len({d.item for d in drafts}) == 21577
    assert all(dt.date(1987, 2, 26) <= d.published <= dt.date(1987, 10, 20) for d in drafts)


def _sgml_of(elements: list[bytes]) -> bytes:
    return SGML_HEAD + b"\n".join(elements) + b"\n"


@pytest.fixture(scope="module")
def reuters_elements() -> list[bytes]:
    """The <REUTERS> elements of the first files, as they are in the source."""
    elements = []
    for f in sorted(need(REUTERS).glob("reut2-*.sgm"))[:5]:
        elements += re.findall(rb"<REUTERS\b.*?</REUTERS>", f.read_bytes(), flags=re.DOTALL)
    return elements


def test_reuters_reading_grows_linearly_in_operations(reuters_elements):
    """One file of 2N articles costs about twice the Python operations of N, not four times."""
    small = _sgml_of(reuters_elements[:300])
    large = _sgml_of(reuters_elements[:600])
    n = operations(INDEXER, lambda: list(read_reuters(small, "small.sgm")))
    n2 = operations(INDEXER, lambda: list(read_reuters(large, "large.sgm")))
    assert n > 0
    assert n2 < 2.3 * n, (n, n2)


def test_reuters_reading_grows_linearly_in_time(reuters_elements):
    """The same for CPU time, which also sees the work done in C (patterns, searches in bytes)."""
    small = _sgml_of(reuters_elements[:2000])
    large = _sgml_of(reuters_elements[:4000])
    t, t2 = cpu_seconds(lambda: list(read_reuters(small, "small.sgm")),
                        lambda: list(read_reuters(large, "large.sgm")))
    assert t2 < 2.8 * t, f"{t:.2f} s for 2,000 articles, {t2:.2f} s for 4,000"


SGML_HEAD = b'<!DOCTYPE lewis SYSTEM "lewis.dtd">\n'


def sgml_article(newid: int, title: str = "TITLE", body: str = "Body text.") -> bytes:
    return (f'<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="9" '
            f'NEWID="{newid}">\n<DATE> 3-MAR-1987 09:15:05.40</DATE>\n'
            f"<TOPICS><D>grain</D><D>wheat</D></TOPICS>\n<PLACES><D>usa</D></PLACES>\n"
            f"<PEOPLE></PEOPLE>\n<ORGS><D>ec</D></ORGS>\n<EXCHANGES></EXCHANGES>\n"
            f"<COMPANIES></COMPANIES>\n<TEXT>&#2;\n<TITLE>{title}</TITLE>\n"
            f"<DATELINE>    ST. LOUIS, Mo., March 3 - </DATELINE><BODY>{body}\n Reuter\n"
            f"&#3;</BODY></TEXT>\n</REUTERS>\n").encode()


def test_reuters_broken_sgml_spoils_only_its_record():
    unclosed = sgml_article(2).replace(b"</REUTERS>", b"")
    data = (SGML_HEAD + sgml_article(1) + unclosed + b"GARBAGE <<>> here\n" + sgml_article(3)
            + sgml_article(4, "AMP &amp; CO", "First line\nsecond line.\n    New para.")
            + sgml_article(5)[:200])
    drafts, errors = split(read_reuters(data, "broken.sgm"))
    assert [d.item for d in drafts] == ["1", "3", "4"]
    assert [e.item for e in errors] == ["2", "5"]
    assert all("not closed" in e.reason for e in errors)
    four = drafts[2]
    assert four.title == "AMP & CO"
    assert four.body == "First line second line.\n\nNew para."
    assert four.dateline == "St. Louis, Mo."
    assert (four.topics, four.places, four.orgs) == (["grain", "wheat"], ["usa"], ["ec"])
    assert four.published == dt.date(1987, 3, 3)


def test_reuters_garbage_between_articles_is_reported():
    data = SGML_HEAD + sgml_article(1) + b"some junk that is not markup\n" + sgml_article(2)
    drafts, errors = split(read_reuters(data, "junk.sgm"))
    assert [d.item for d in drafts] == ["1", "2"]
    assert [(e.item, e.reason) for e in errors] == [
        ("after 1", "unexpected text between <REUTERS> elements")]


def test_reuters_not_sgml_at_all():
    with pytest.raises(ExtractionError, match="no <REUTERS> element"):
        list(read_reuters(b"just some text\n", "x.sgm"))


def test_reuters_duplicate_newid_keeps_items_unique():
    data = SGML_HEAD + sgml_article(7) + sgml_article(7)
    drafts, errors = split(read_reuters(data, "dup.sgm"))
    assert [d.item for d in drafts] == ["7"]
    assert len(errors) == 1 and "repeated" in errors[0].reason


@pytest.mark.parametrize("raw, place", [
    ("    NEW YORK, Feb 26 - ", "New York"),
    ("    WORCESTER, Mass., March 3 - ", "Worcester, Mass."),
    ("    RYE BROOK, N.Y., MArch 2 - ", "Rye Brook, N.Y."),
    ("    ST. JOHN'S, Newfoundland, April 2 - ", "St. John's, Newfoundland"),
    ("    sioux city, april 7 - ", "Sioux City"),
    ("    AMSTERDAM, 2 March - ", "Amsterdam"),
    ("    WASHINGTON - ", "Washington"),
    ("   April 7  - ", None),
    (" us        7.8015 - ", None),
])
def test_reuters_dateline_place(raw, place):
    assert parse_dateline(raw)[0] == place


def test_reuters_dateline_that_swallowed_body_text_gives_it_back():
    place, spill = parse_dateline("    RIO DE JANEIRO, Feb 26 - Brazil's \"Cruzado\" anti- ")
    assert place == "Rio De Janeiro"
    assert spill == "Brazil's \"Cruzado\" anti-"


@pytest.mark.parametrize("raw, names", [
    ("    By Cal Mankowski, Reuters", ["Cal Mankowski"]),
    ("    BY TED D'AFFLISIO, REUTERS", ["Ted D'Afflisio"]),
    ("    By STEPHEN JUKES AND PHILIP SHEHADI, REUTERS", ["Stephen Jukes", "Philip Shehadi"]),
    ("    By Patti Domm, Reuter", ["Patti Domm"]),
    ("    by Kathleen Hays", ["Kathleen Hays"]),
])
def test_reuters_authors(raw, names):
    assert parse_authors(raw) == names


# ---------------------------------------------------------------- JSON Lines

def test_jsonl_time_collection():
    data = need(IR / "time" / "docs.jsonl").read_bytes()
    drafts, errors = split(read_jsonl(data, "time/docs.jsonl"))
    assert errors == [] and len(drafts) == 423
    assert {d.published.year for d in drafts} == {1963}
    assert {d.date_precision for d in drafts} == {"day"}
    first = drafts[0]
    assert (first.item, first.source_id) == ("17", "17")
    assert first.published == dt.date(1963, 1, 4)
    # No title in the data: the first sentence, or the first 12 words.
    assert first.title == "THE ALLIES AFTER NASSAU IN DECEMBER 1960, THE U.S . FIRST PROPOSED…"
    assert by_item(drafts)["18"].title == "RUSSIA WHO'S IN CHARGE HERE ?"
    assert all(d.title and len(d.title.split()) <= 12 for d in drafts)
    assert len({d.item for d in drafts}) == 423


def test_jsonl_cranfield_collection():
    data = need(IR / "cranfield" / "docs.jsonl").read_bytes()
    drafts, errors = split(read_jsonl(data, "cranfield/docs.jsonl"))
    # Documents 471 and 995 are entirely empty in the source (no title, text or author).
    assert len(drafts) == 1398
    assert [(e.item, e.reason, e.skip) for e in errors] == [
        ("line 471", "no text (neither title nor body)", True),
        ("line 995", "no text (neither title nor body)", True)]
    one = by_item(drafts)["1"]
    assert one.title == "experimental investigation of the aerodynamics of a wing in a slipstream ."
    assert one.authors == ["brenckman,m."]
    assert one.published is None
    assert by_item(drafts)["7"].authors == ["van driest,e.r.", "mccauley,w.d."]


def jsonl(*lines) -> bytes:
    return "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines).encode()


def test_jsonl_own_export_fields_round_trip():
    record = {"path": "a/b.html", "id": "abc123", "sha256": "f" * 64, "title": "A title",
              "body": "Para one.\n\nPara two.", "authors": ["Ann Lee", "Bo Chan"],
              "outlet": "The Guardian", "published": "2011-05-03", "date_precision": "day",
              "url": "https://example.com/x", "language": "en",
              "age_banner": {"text": "This article is more than 10 years old", "years": 10},
              "age_warning": {"text": "This story is over 13 years old", "years": 13,
                              "source": "date"},
              "word_count": 4}
    (d,), errors = split(read_jsonl(jsonl(record), "export.jsonl"))
    assert errors == []
    assert (d.item, d.source_id, d.title) == ("abc123", "abc123", "A title")
    assert d.body == "Para one.\n\nPara two."
    assert d.authors == ["Ann Lee", "Bo Chan"]
    assert (d.outlet, d.url) == ("The Guardian", "https://example.com/x")
    assert (d.published, d.date_precision) == (dt.date(2011, 5, 3), "day")
    assert d.age_banner == AgeBanner("This article is more than 10 years old", 10)
    assert d.language == "en"  # an export carries the language it was indexed with


def test_jsonl_aliases():
    records = [
        {"headline": "Head", "text": "Some text.", "author": "Ann Lee and Bo Chan",
         "source": "BBC News", "link": "https://bbc.co.uk/1", "date": "1999-12-31"},
        {"title": "T2", "content": "C2", "publisher": {"name": "Le Monde"},
         "publication_date": "2001-02", "author": ["X Y"]},
        {"title": "T3", "body": "B3", "age_warning": {"text": "This story is over 5 years old",
                                                      "years": 5}},
    ]
    (a, b, c), errors = split(read_jsonl(jsonl(*records), "alias.jsonl"))
    assert errors == []
    assert (a.title, a.body, a.authors) == ("Head", "Some text.", ["Ann Lee", "Bo Chan"])
    assert (a.outlet, a.url, a.published) == ("BBC News", "https://bbc.co.uk/1", dt.date(1999, 12, 31))
    assert (b.body, b.outlet, b.authors) == ("C2", "Le Monde", ["X Y"])
    assert (b.published, b.date_precision) == (dt.date(2001, 2, 1), "month")
    assert c.age_banner == AgeBanner("This story is over 5 years old", 5)
    assert [x.item for x in (a, b, c)] == ["line-1", "line-2", "line-3"]
    assert a.source_id is None


@pytest.mark.parametrize("value, expected", [
    ("1987", (dt.date(1987, 1, 1), "year")),
    ("1987-06", (dt.date(1987, 6, 1), "month")),
    ("1987-12", (dt.date(1987, 12, 1), "month")),
    ("1987-13", None),
    ("1987-06-15", (dt.date(1987, 6, 15), "day")),
    ("1987-06-15T23:10:00+02:00", (dt.date(1987, 6, 15), "day")),
    (1987, (dt.date(1987, 1, 1), "year")),
    ("1799-12-31", None),
    ("1066", None),
    ((dt.date.today() + dt.timedelta(days=400)).isoformat(), None),
    ("2021-02-30", None),
    ("not a date", None),
])
def test_jsonl_partial_and_impossible_dates(value, expected):
    (d,), _ = split(read_jsonl(jsonl({"title": "t", "body": "b", "published": value}), "d.jsonl"))
    assert (d.published, d.date_precision) == (expected or (None, None))
    assert d.date_source == ("header" if expected else None)


def test_jsonl_stated_precision_only_coarsens():
    records = [{"title": "a", "published": "1990-01-01", "date_precision": "year"},
               {"title": "b", "published": "1990", "date_precision": "day"}]
    (a, b), _ = split(read_jsonl(jsonl(*records), "p.jsonl"))
    assert (a.published, a.date_precision) == (dt.date(1990, 1, 1), "year")
    assert (b.published, b.date_precision) == (dt.date(1990, 1, 1), "year")


def test_jsonl_bad_lines_blank_lines_and_items():
    data = jsonl({"id": 5, "title": "five"}, "", "{not json", {"id": 5, "title": "five again"},
                 "[1, 2]", {"id": "u", "body": "only a body. Second sentence."},
                 "   ", {"id": "x", "title": "", "body": ""}, {"id": "line-9", "title": "tricky"})
    drafts, errors = split(read_jsonl(data, "mixed.jsonl"))
    # id 5 is not unique: both fall back to their line numbers; blank lines still count.
    assert [(d.item, d.source_id, d.title) for d in drafts] == [
        ("line-1", "5", "five"), ("line-4", "5", "five again"),
        ("u", "u", "only a body."), ("line-9", "line-9", "tricky")]
    assert drafts[0].body == "five"  # a title-only record keeps its title as body
    assert [e.item for e in errors] == ["line 3", "line 5", "line 8"]
    assert "not valid JSON" in errors[0].reason
    assert errors[1].reason == "not a JSON object"
    assert (errors[2].reason, errors[2].skip) == ("no text (neither title nor body)", True)
    assert not errors[0].skip and not errors[1].skip  # unreadable lines are failures


def test_jsonl_items_are_stable_between_runs():
    data = jsonl({"id": "a", "title": "x"}, {"title": "y"})
    assert [d.item for d in read_jsonl(data, "s.jsonl")] == [d.item for d in read_jsonl(data, "s.jsonl")]


def test_jsonl_file_with_no_json_at_all():
    with pytest.raises(ExtractionError, match="not a JSON Lines file"):
        list(read_jsonl(b"hello\nworld\n", "x.jsonl"))


# ---------------------------------------------------------------- WARC

warcio = pytest.importorskip("warcio")

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="{charset}">
<title>{title}</title>{extra}</head><body><header><nav>Home | World | Sport</nav></header>
<article><h1>{title}</h1>
<p>{para} The council met on Tuesday evening to discuss the proposal in detail.</p>
<p>Residents said they had waited years for a decision and wanted answers soon.</p>
<p>Officials promised a full report on the costs, the timetable and the traffic plan.</p>
<p>The vote is expected next month after a public consultation closes in the spring.</p>
</article><footer>Copyright</footer></body></html>"""


def page(title: str, para: str, charset: str = "utf-8", extra: str = "") -> bytes:
    return PAGE.format(title=title, para=para, charset=charset, extra=extra).encode(charset)


def build_warc(path: Path, gz: bool) -> list[str]:
    """A small web archive; returns the record ids of the two HTML pages, in order."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    ids = []
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gz)

        def response(uri, status, ctype, body, date="2021-06-01T10:00:00Z"):
            http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            rec = writer.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                            length=len(body), http_headers=http,
                                            warc_headers_dict={"WARC-Date": date})
            writer.write_record(rec)
            return rec.rec_headers.get_header("WARC-Record-ID")

        req = StatusAndHeaders("GET /a HTTP/1.1", [("Host", "news.example.org")],
                               is_http_request=True)
        writer.write_record(writer.create_warc_record(
            "https://news.example.org/a", "request", payload=io.BytesIO(b""), length=0,
            http_headers=req))
        ids.append(response("https://news.example.org/a", "200 OK", "text/html; charset=utf-8",
                            page("Bridge plan approved", "Zürich café owners cheered.")))
        response("https://news.example.org/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n")
        response("https://news.example.org/missing", "404 Not Found", "text/html",
                 page("Not found", "This page does not exist."))
        response("https://news.example.org/old", "301 Moved Permanently", "text/html", b"")
        ids.append(response("https://news.example.org/b", "200 OK",
                            "text/html; charset=iso-8859-1",
                            page("Library reopens", "Müller said the façade was restored.",
                                 charset="iso-8859-1"), date="2019-03-02T08:00:00Z"))
        writer.write_record(writer.create_warc_record(
            "https://news.example.org/b", "metadata", payload=io.BytesIO(b"via: crawler"),
            length=12, warc_content_type="text/plain"))
    return ids


def read_warc_file(path: Path):
    from indexer.warc import read_warc

    return split(read_warc(path.read_bytes(), path.name))


@pytest.mark.parametrize("name, gz", [("crawl.warc", False), ("crawl.warc.gz", True)])
def test_warc_html_responses_become_articles(tmp_path, name, gz):
    path = tmp_path / name
    ids = build_warc(path, gz)
    drafts, errors = read_warc_file(path)
    assert errors == []
    assert [d.url for d in drafts] == ["https://news.example.org/a", "https://news.example.org/b"]
    assert [d.item for d in drafts] == [i.strip("<>") for i in ids]
    assert "Bridge plan approved" in drafts[0].title
    assert "Zürich café owners cheered." in drafts[0].body
    assert "Müller said the façade was restored." in drafts[1].body  # Latin-1 page
    assert all(d.language is None for d in drafts)
    # Items are stable: reading again gives the same keys.
    assert [d.item for d in read_warc_file(path)[0]] == [d.item for d in drafts]


def test_warc_canonical_url_and_date_after_capture(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    extra = ('<link rel="canonical" href="https://news.example.org/canonical/story">'
             '<meta property="article:published_time" content="{date}">')
    path = tmp_path / "dates.warc.gz"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n, (published, captured) in enumerate([("2018-04-05", "2019-01-01T00:00:00Z"),
                                                   ("2020-07-08", "2019-01-01T00:00:00Z")]):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.0")
            body = page(f"Story {n}", "Something happened.", extra=extra.format(date=published))
            writer.write_record(writer.create_warc_record(
                f"https://news.example.org/s?id={n}&utm_source=x", "response",
                payload=io.BytesIO(body), length=len(body), http_headers=http,
                warc_headers_dict={"WARC-Date": captured}))
    before, after = read_warc_file(path)[0]
    assert before.url == "https://news.example.org/canonical/story"
    assert (before.published, before.date_precision) == (dt.date(2018, 4, 5), "day")
    assert before.date_source is not None
    # Published after it was captured: impossible, so the date is dropped.
    assert (after.published, after.date_precision, after.date_source) == (None, None, None)


def test_warc_truncated_gz_keeps_earlier_records(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    ids = build_warc(path, gz=True)
    data = path.read_bytes()
    # Cut inside the second HTML page's gzip member.
    members = _gzip_member_offsets(data)
    second_page = members[5]
    cut = second_page + (members[6] - second_page) // 2
    (tmp_path / "cut.warc.gz").write_bytes(data[:cut])
    drafts, errors = read_warc_file(tmp_path / "cut.warc.gz")
    assert [d.url for d in drafts] == ["https://news.example.org/a"]
    # A warning, not a failure: the file is indexed as far as it goes.
    assert len(errors) == 1 and isinstance(errors[0], FileWarning)
    assert errors[0].reason.startswith(f"WARC file cut short: it ends at byte {cut:,} inside "
                                       f"record {ids[1].strip('<>')}, which was not indexed")


def test_warc_truncated_plain_warc(tmp_path):
    path = tmp_path / "crawl.warc"
    build_warc(path, gz=False)
    data = path.read_bytes()
    cut = data.index(b"Library reopens") + 10
    (tmp_path / "cut.warc").write_bytes(data[:cut])
    drafts, errors = read_warc_file(tmp_path / "cut.warc")
    assert [d.url for d in drafts] == ["https://news.example.org/a"]
    assert len(errors) == 1 and isinstance(errors[0], FileWarning)
    assert "cut short" in errors[0].reason and f"at byte {cut:,} " in errors[0].reason


def _gzip_member_offsets(data: bytes) -> list[int]:
    """Start offsets of the gzip members (one per WARC record) in a .warc.gz."""
    import zlib

    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        d.decompress(data[pos:])
        pos = len(data) - len(d.unused_data)
    return offsets


@pytest.mark.parametrize("data", [
    b"<html><body>not an archive</body></html>",
    gzip.compress(b"just some gzipped text, no WARC header\n" * 20),
    b"\x1f\x8b\x08garbage",
])
def test_not_a_warc(data):
    from indexer.warc import read_warc

    with pytest.raises(ExtractionError, match="not a WARC file"):
        list(read_warc(data, "x.warc"))


def test_warc_through_format_dispatch(tmp_path):
    from indexer.formats import read_file_bytes

    path = tmp_path / "c.warc.gz"
    build_warc(path, gz=True)
    drafts = read_file_bytes(path.read_bytes(), "c.warc.gz")
    assert len([d for d in drafts if isinstance(d, Draft)]) == 2


def test_warc_gzip_encoded_and_chunked_payloads(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    html = page("Harbour reopens", "Boats returned to the harbour at dawn.")
    zipped = gzip.compress(html)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part)
                       for part in (html[:300], html[300:])) + b"0\r\n\r\n"
    path = tmp_path / "encoded.warc.gz"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n, (headers, body) in enumerate([
                ([("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")], zipped),
                ([("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")], chunked)]):
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://news.example.org/enc/{n}", "response", payload=io.BytesIO(body),
                length=len(body), http_headers=http))
    drafts, errors = read_warc_file(path)
    assert errors == []
    assert [d.url for d in drafts] == ["https://news.example.org/enc/0",
                                       "https://news.example.org/enc/1"]
    assert all("Boats returned to the harbour at dawn." in d.body for d in drafts)
