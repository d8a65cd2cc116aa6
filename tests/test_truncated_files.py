"""Files cut short (gzip, WARC): indexed as far as they go, and the reports say so.

`reindex`, `add` and `check` each name the file and where it was cut. Real gzip
and WARC files in a temporary corpus, through the real pipeline, Click's runner
and a real index.
"""

from __future__ import annotations

import gzip
import io
import json
import re

import pytest

PARAGRAPHS = [f"Paragraph {n} of the harbour story: dockers and the port authority talked "
              f"about pay, night shifts and the queue of ships outside." for n in range(300)]
TEXT = "Title: Harbour talks go on\nDate: 2019-03-04\n\n" + "\n\n".join(PARAGRAPHS) + \
       "\n\nThe last paragraph names the zebrafish quay.\n"


def cut(data: bytes, fraction: float = 0.5) -> bytes:
    return data[: int(len(data) * fraction)]


def warnings_in(output: str) -> dict[str, str]:
    return dict(re.findall(r"^warning (.+?): (.*)$", output, re.MULTILINE))


def search(cli, query: str) -> dict:
    return json.loads(cli("search", query, "--json").output)


def test_truncated_text_gz_is_indexed_from_its_readable_part_with_a_warning(cli, corpus):
    whole = gzip.compress(TEXT.encode())
    (corpus / "talks.txt.gz").write_bytes(cut(whole))
    result = cli("reindex", "--json")
    assert result.exit_code == 0, result.output
    warning = warnings_in(result.output)["talks.txt.gz"]
    size = len(cut(whole))
    m = re.fullmatch(r"truncated gzip file: it ends at byte ([\d,]+) inside the compressed data; "
                     r"the ([\d,]+) bytes before the cut were read", warning)
    assert m, warning
    assert int(m.group(1).replace(",", "")) == size
    assert 0 < int(m.group(2).replace(",", "")) < len(TEXT.encode())
    report = json.loads(result.output.splitlines()[-1])
    assert report["failed"] == 0 and report["indexed"] == 2
    assert report["warnings"] == [f"talks.txt.gz: {warning}"]
    assert "1 with warnings" in cli("reindex").output
    found = search(cli, '"Harbour talks go on"')
    assert found["total"] == 1
    assert search(cli, "zebrafish")["total"] == 0  # after the cut


def test_check_notes_a_truncated_file_and_still_passes(cli, corpus):
    (corpus / "talks.txt.gz").write_bytes(cut(gzip.compress(TEXT.encode())))
    cli("reindex")
    result = cli("check")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("truncated "))
    assert line.startswith("truncated talks.txt.gz: truncated gzip file: it ends at byte ")
    assert "1 truncated" in result.output.splitlines()[-1]
    data = json.loads(cli("check", "--json").output)
    assert data["ok"] and data["counts"]["truncated"] == 1


def test_add_reports_the_truncation_and_copies_the_file(cli, corpus, tmp_path):
    source = tmp_path / "talks.html.gz"
    page = (f"<html><head><title>Harbour talks go on</title></head><body><article>"
            f"<h1>Harbour talks go on</h1>{''.join(f'<p>{p}</p>' for p in PARAGRAPHS)}"
            f"</article></body></html>")
    source.write_bytes(cut(gzip.compress(page.encode()), 0.6))
    result = cli("add", str(source))
    assert result.exit_code == 0, result.output
    assert warnings_in(result.output)[str(source)].startswith("truncated gzip file: it ends at")
    assert (corpus / "talks.html.gz").read_bytes() == source.read_bytes()
    assert search(cli, '"Harbour talks go on"')["total"] == 1


def test_truncated_jsonl_gz_names_the_record_the_cut_spoiled(cli, corpus):
    lines = [json.dumps({"id": f"s{n}", "title": f"Story {n}", "body": PARAGRAPHS[n]})
             for n in range(40)]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    (corpus / "wire.jsonl.gz").write_bytes(cut(data, 0.7))
    result = cli("reindex", "--json")
    assert result.exit_code == 0, result.output
    assert "FAILED" not in result.output
    warning = warnings_in(result.output)["wire.jsonl.gz"]
    m = re.search(r"its last record \(line (\d+)\) is cut off and was not indexed$", warning)
    assert m, warning
    report = json.loads(result.output.splitlines()[-1])
    assert report["indexed"] == 1 + int(m.group(1)) - 1  # the seed and every whole line


def web_archive(texts: list[str], gz: bool) -> tuple[bytes, list[int]]:
    """A WARC of one HTML page per text, and where each record's content ends in it."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    ends = []  # (plain WARC: before the record's closing blank lines)
    for n, text in enumerate(texts):
        body = (f"<html><head><title>Page {n}</title></head><body><article><h1>Page {n}</h1>"
                f"<p>{text}</p></article></body></html>").encode()
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            f"https://example.org/{n}", "response", payload=io.BytesIO(body), length=len(body),
            http_headers=http))
        ends.append(out.tell() - (0 if gz else 4))
    return out.getvalue(), ends


def test_truncated_warc_gz_is_a_warning_not_a_failure(cli, corpus):
    data, _ = web_archive([" ".join(PARAGRAPHS[n * 5:n * 5 + 5]) for n in range(3)], gz=True)
    (corpus / "crawl.warc.gz").write_bytes(cut(data, 0.85))
    result = cli("reindex", "--json")
    assert result.exit_code == 0, result.output
    warning = warnings_in(result.output)["crawl.warc.gz"]
    assert warning.startswith(f"WARC file cut short: it ends at byte {int(len(data) * 0.85):,} "
                              f"inside record ")
    assert json.loads(result.output.splitlines()[-1])["indexed"] == 1 + 2
    checked = cli("check")
    assert checked.exit_code == 0
    assert "truncated crawl.warc.gz: truncated gzip file" in checked.output


def test_cut_before_any_content_is_a_failure(cli, corpus):
    (corpus / "stub.txt.gz").write_bytes(gzip.compress(TEXT.encode())[:12])
    result = cli("reindex")
    assert result.exit_code == 1
    assert "FAILED stub.txt.gz: truncated gzip file: it ends at byte 12, before any content" \
        in result.output


def test_every_member_of_a_concatenated_gzip_is_read(cli, corpus):
    first, second = TEXT.split("\n\nParagraph 150 ")
    (corpus / "joined.txt.gz").write_bytes(gzip.compress(first.encode())
                                           + gzip.compress(("\n\nParagraph 150 " + second)
                                                           .encode()))
    result = cli("reindex")
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    assert search(cli, "zebrafish")["total"] == 1  # in the second member


def test_bytes_after_the_gzip_data_are_a_warning(cli, corpus):
    (corpus / "padded.txt.gz").write_bytes(gzip.compress(TEXT.encode()) + b"\0" * 16
                                           + b"not gzip at all")
    result = cli("reindex")
    assert result.exit_code == 0
    assert warnings_in(result.output)["padded.txt.gz"].startswith(
        "15 bytes after the end of the gzip data")


def test_utf8_cut_inside_a_character_still_reads_as_utf8():
    import zlib

    from indexer.decode import gunzip

    whole = gzip.compress("Überfall in Zürich: café, naïve, Ελλάδα, 東京. ".encode() * 40)
    inside_a_character = 0
    for size in range(12, len(whole)):
        raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(whole[:size])
        if not raw:
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            inside_a_character += 1
        out, warning = gunzip(whole[:size], "x.txt.gz")
        assert warning and raw.startswith(out) and len(raw) - len(out) < 4
        out.decode("utf-8")  # whole characters only
    assert inside_a_character > 0


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_every_cut_of_a_web_archive_that_loses_a_record_gives_a_warning(gz):
    """Cut a small archive every few bytes: the whole records before the cut are read, and
    a warning names the cut whenever it falls inside a record (never a quiet loss)."""
    from indexer.draft import Draft, ExtractionError, FileWarning
    from indexer.warc import read_warc

    data, ends = web_archive(PARAGRAPHS[:3], gz)
    checked = 0
    for size in range(ends[0] - 40, len(data), 11 if gz else 29):
        try:
            results = list(read_warc(data[:size], "x.warc"))
        except ExtractionError:
            continue
        whole = sum(1 for end in ends if end <= size)
        # (A gzip member's content can be whole a few bytes before its checksum ends it.)
        almost = sum(1 for end in ends if end - 16 <= size) if gz else whole
        drafts = [r for r in results if isinstance(r, Draft)]
        warnings = [r for r in results if isinstance(r, FileWarning)]
        assert whole <= len(drafts) <= almost, size
        inside = whole < 3 and not any(end <= size <= end + (0 if gz else 4) for end in ends)
        assert bool(warnings) == inside, (size, results)
        if warnings:
            assert warnings[0].reason.startswith(f"WARC file cut short: it ends at byte {size:,}")
        checked += 1
    assert checked > 40


def test_the_warning_comes_back_from_the_extraction_cache(corpus, index_dir):
    from archive import Config, open_archive
    from indexer import pipeline

    (corpus / "talks.txt.gz").write_bytes(cut(gzip.compress(TEXT.encode())))
    archive = open_archive(Config(corpus, index_dir))
    reports = [pipeline.rebuild(archive, corpus, workers=1, cache_dir=index_dir)
               for _ in range(2)]  # extracted, then read from the cache
    warnings = [[str(w) for w in r.warnings] for r in reports]
    assert len(warnings[0]) == 1 and warnings[1] == warnings[0]
    assert all(r.ok and r.indexed == 2 for r in reports)
