"""One rule for input with no text, in every reader: skipped, counted and named, never a failure.

A record (or a single-article file) that can be read but has neither title nor
body text is reported as `skipped WHERE: no text (...)` and does not fail
`reindex` or `add`; input that cannot be read at all is a failure. Real files
in a temporary corpus, through the real pipeline and Click's runner.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

STORY = ("Harbour workers in Rotterdam ended their strike on Thursday after talks with the port "
         "authority over pay and night shifts. ") * 4


def _warc(path: Path, pages: list[tuple[str, bytes]]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=path.name.endswith(".gz"))
        for uri, body in pages:
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
                warc_headers_dict={"WARC-Record-ID": f"<urn:uuid:{uri[-1] * 8}-0000-0000-0000-"
                                                     f"000000000000>"}))


GOOD_PAGE = (f"<html><head><title>Port strike ends</title></head><body><article>"
             f"<h1>Port strike ends</h1><p>{STORY}</p></article></body></html>").encode()
LINKS_PAGE = (b"<html><head><title>Sections</title></head><body><nav><a href='/a'>World</a> "
              b"<a href='/b'>Sport</a></nav></body></html>")

# Where the report names every input without text: the file, or the file and the record.
NO_TEXT = {"empty.txt", "blank.txt", "title-only.txt", "empty.html", "links.html", "empty.jsonl",
           "wire.jsonl#line 2", "wire.jsonl#line 3", "wire.sgm#2",
           "crawl.warc#urn:uuid:bbbbbbbb-0000-0000-0000-000000000000"}


def no_text_corpus(corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "blank.txt").write_text("\n   \n\t\n")
    (corpus / "title-only.txt").write_text("Just a title\n")
    (corpus / "empty.html").write_text("   \n")
    (corpus / "links.html").write_bytes(LINKS_PAGE)
    (corpus / "empty.jsonl").write_bytes(b"")
    (corpus / "story.txt").write_text(f"Port strike ends\n\n{STORY}\n")
    (corpus / "wire.jsonl").write_text("\n".join([
        json.dumps({"title": "Dockers return", "body": STORY}),
        json.dumps({}),
        json.dumps({"title": " ", "body": "", "url": "https://example.org/x"}),
    ]) + "\n")
    (corpus / "wire.sgm").write_text(
        f'<REUTERS NEWID="1"><TEXT><TITLE>Cocoa talks</TITLE><BODY>{STORY}</BODY></TEXT>'
        f'</REUTERS>\n<REUTERS NEWID="2"><TEXT>&#3;</TEXT></REUTERS>\n')
    _warc(corpus / "crawl.warc", [("https://example.org/a", GOOD_PAGE),
                                  ("https://example.org/b", LINKS_PAGE)])


def report_lines(output: str, kind: str) -> dict[str, str]:
    """`kind WHERE: reason` lines of a report -> {where: reason}."""
    found = {}
    for line in output.splitlines():
        m = re.match(rf"^{kind} (.+?): (.*)$", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def test_no_text_is_skipped_in_every_reader_and_does_not_fail_reindex(cli, corpus):
    no_text_corpus(corpus)
    result = cli("reindex", "--json")
    assert result.exit_code == 0, result.output
    skipped = report_lines(result.output, "skipped")
    assert set(skipped) == NO_TEXT
    assert all(reason.startswith("no text (") for reason in skipped.values()), skipped
    assert skipped["wire.jsonl#line 2"] == "no text (neither title nor body)"
    assert skipped["wire.sgm#2"] == "no text (neither title nor body)"
    assert skipped["empty.txt"] == "no text (empty file)"
    assert "FAILED" not in result.output
    report = json.loads(result.output.splitlines()[-1])
    assert report["failed"] == 0 and report["skipped"] == len(NO_TEXT)
    assert {s.split(": ", 1)[0] for s in report["skips"]} == NO_TEXT
    # seed, story.txt, one JSON Lines record, one Reuters record, one WARC page
    assert report["indexed"] == 5


def test_no_text_is_the_same_rule_for_add_which_copies_nothing_without_text(cli, tmp_path):
    incoming = tmp_path / "incoming"
    no_text_corpus(incoming)
    result = cli("add", str(incoming))
    assert result.exit_code == 0, result.output
    skipped = report_lines(result.output, "skipped")
    assert len(skipped) == len(NO_TEXT)
    assert all(reason.startswith("no text (") for reason in skipped.values()), skipped
    assert {Path(w.split("#")[0]).name for w in skipped} == {
        w.split("#")[0] for w in NO_TEXT}
    copied = {p.name for p in (tmp_path / "corpus" / "incoming").iterdir()}
    assert copied == {"story.txt", "wire.jsonl", "wire.sgm", "crawl.warc"}


def test_check_notes_files_without_text_and_passes(cli, corpus):
    no_text_corpus(corpus)
    assert cli("reindex").exit_code == 0
    result = cli("check", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    unindexable = {d["where"]: d["reason"] for d in data["differences"]
                   if d["kind"] == "unindexable"}
    files = {w for w in NO_TEXT if "#" not in w}
    assert set(unindexable) == files
    assert all(r.startswith("no text (") for r in unindexable.values())


def test_unreadable_records_are_still_failures(cli, corpus):
    (corpus / "mixed.jsonl").write_text(json.dumps({"title": "Fine", "body": STORY}) +
                                        "\n{broken\n" + json.dumps({}) + "\n")
    result = cli("reindex")
    assert result.exit_code == 1
    failed = report_lines(result.output, "FAILED")
    assert list(failed) == ["mixed.jsonl#line 2"]
    assert failed["mixed.jsonl#line 2"].startswith("not valid JSON")
    assert report_lines(result.output, "skipped") == {
        "mixed.jsonl#line 3": "no text (neither title nor body)"}


@pytest.mark.parametrize("name, data", [
    ("a.txt", b""), ("a.txt", b"\n\n"), ("a.html", b""), ("a.html", LINKS_PAGE),
    ("a.jsonl", b"{}\n"), ("a.jsonl", b'{"title": "", "body": []}\n'),
    ("a.sgm", b'<REUTERS NEWID="7"><TEXT></TEXT></REUTERS>'),
])
def test_extract_bytes_skips_no_text_without_failing(name, data):
    from indexer.formats import detect_format
    from indexer.pipeline import extract_bytes

    result = extract_bytes(data, name, detect_format(name))
    assert not result.failed and not result.problems and not result.articles
    assert [p.reason.startswith("no text (") for p in result.skipped] == [True]


def test_extract_names_what_it_skips(cli, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "story.txt").write_text(f"Port strike ends\n\n{STORY}\n")
    result = cli("extract", str(tmp_path / "empty.txt"), str(tmp_path / "story.txt"), "--json")
    assert result.exit_code == 0, result.output
    assert report_lines(result.output, "skipped") == {
        str(tmp_path / "empty.txt"): "no text (empty file)"}
    assert [json.loads(x)["title"] for x in result.output.splitlines() if x.startswith("{")] == \
        ["Port strike ends"]
