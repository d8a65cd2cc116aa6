"""Bad input: a folder of nasty files goes through the real pipeline, and property tests.

Every nasty file must be reported in one line with a reason, the rest of the
batch indexed, nothing in the corpus changed, nothing crash or hang, and
`check` pass afterwards.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO, SEED

PROPS = settings(max_examples=150, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow])
SLOW_PROPS = settings(max_examples=40, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.too_slow])
STORY = "Harbour workers in Rotterdam ended their strike on Thursday after talks. " * 8


def manage(corpus: Path, index: Path, *args: str, timeout: float = 300):
    return subprocess.run([sys.executable, "manage.py", "--corpus", str(corpus),
                           "--index", str(index), *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, errors="backslashreplace")


def snapshot(folder: Path) -> dict[bytes, str]:
    """Every entry under `folder` (bytes names, links not followed) -> a digest of what it is."""
    out: dict[bytes, str] = {}
    root = os.fsencode(folder)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st_ = os.lstat(path)
            rel = os.path.relpath(path, root)
            if stat.S_ISLNK(st_.st_mode):
                out[rel] = "link:" + os.fsdecode(os.readlink(path))
            elif stat.S_ISREG(st_.st_mode):
                with open(path, "rb") as fh:
                    digest = hashlib.sha256()
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(block)
                out[rel] = f"file:{digest.hexdigest()}:{stat.S_IMODE(st_.st_mode):o}"
            elif stat.S_ISDIR(st_.st_mode):
                out[rel] = "dir"
            else:
                out[rel] = f"other:{stat.S_IFMT(st_.st_mode)}"
    return out


# -- the nasty folder ------------------------------------------------------------
SAMPLES = {  # encoding -> text that needs it
    "cp1252": "Café owners’ “fair” prices – naïve résumé of the week",
    "latin-1": "Ångström façade: Zürich café owners raise prices",
    "shift_jis": "東京の港湾労働者がストライキを終えた。交渉は木曜日に妥結した。",
    "koi8-r": "Портовые рабочие в Москве закончили забастовку в четверг",
    "utf-16-le": "Dock workers in Hamburg ended their strike after long talks",
}
DECLARED = ["utf-8", "cp1252", "latin-1", "shift_jis", "koi8-r", "utf-16", "x-no-such-charset"]


def _reuters(n: int, body: str) -> str:
    return (f'<REUTERS TOPICS="YES" NEWID="{n}">\n<DATE>26-FEB-1987 15:01:01.79</DATE>\n'
            f"<TOPICS><D>ship</D></TOPICS>\n<TEXT>\n<TITLE>PORT STORY {n}</TITLE>\n"
            f"<DATELINE>    ROTTERDAM, Feb 26 - </DATELINE><BODY>{body}\n Reuter\n</BODY></TEXT>\n"
            f"</REUTERS>\n")


def _warc_records(pages: int) -> list[bytes]:
    """WARC/1.0 response records, written by hand (one gzip member each when gzipped)."""
    records = []
    for i in range(pages):
        html = (f"<html><head><title>Warc page {i}</title></head><body><article><h1>Warc page "
                f"{i}</h1><p>{STORY}</p><p>{STORY}</p></article></body></html>").encode()
        http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                + f"Content-Length: {len(html)}\r\n\r\n".encode() + html)
        head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://example.org/p{i}"
                f"\r\nWARC-Date: 2020-01-0{i + 1}T00:00:00Z\r\nWARC-Record-ID: "
                f"<urn:uuid:00000000-0000-0000-0000-00000000000{i}>\r\nContent-Type: "
                f"application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n")
        records.append(head.encode() + http + b"\r\n\r\n")
    return records


BIG_BYTES = 200 * 2**20


def build_nasty(corpus: Path, outside: Path) -> dict[str, str]:
    """Write the nasty files; returns name -> a piece of the reason the ingest must give."""
    expect: dict[str, str] = {}
    corpus.mkdir(parents=True, exist_ok=True)
    # Good files that must be indexed whatever their neighbours do.
    (corpus / SEED.name).write_bytes(SEED.read_bytes())
    (corpus / "good.txt").write_text(f"Good harbour story\n\n{STORY}\n")
    (corpus / "good.html").write_text(f"<html><head><title>Good page</title></head><body>"
                                      f"<article><h1>Good page</h1><p>{STORY}</p></article>"
                                      f"</body></html>")
    # Empty, binary, truncated gzip, deep nesting, huge.
    (corpus / "empty.txt").write_bytes(b"")
    expect["empty.txt"] = "empty file"
    (corpus / "empty.html").write_bytes(b"")
    expect["empty.html"] = "empty file"
    (corpus / "binary.html").write_bytes(os.urandom(64 * 1024))
    expect["binary.html"] = "binary content"
    (corpus / "png.html").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2048))
    expect["png.html"] = "binary content"
    whole = gzip.compress(f"<html><body><p>{STORY}</p></body></html>".encode())
    (corpus / "truncated.html.gz").write_bytes(whole[: len(whole) // 2])
    expect["truncated.html.gz"] = "truncated gzip"  # a warning: indexed as far as it goes
    (corpus / "notgzip.txt.gz").write_bytes(b"plain text pretending to be gzip\n" * 10)
    expect["notgzip.txt.gz"] = "not a valid gzip file"
    (corpus / "deep.html").write_bytes(b"<html><body>" + b"<div>" * 10_000 + b"deep words"
                                       + b"</div>" * 10_000 + b"</body></html>")
    expect["deep.html"] = "no article text"
    with open(corpus / "big.txt", "wb") as fh:  # 200 MB of real text, written in 0.2 s
        block = (f"Big file\n\n{STORY}\n".encode()) * 2048
        while fh.tell() < BIG_BYTES:
            fh.write(block)
    expect["big.txt"] = "one article is at most"
    # NUL bytes: up front (binary), and late in otherwise good text (kept, NULs dropped).
    (corpus / "nul-start.txt").write_bytes(b"\x00\x00\x00Title\n\nBody text\n")
    expect["nul-start.txt"] = "binary content"
    (corpus / "nul-late.txt").write_bytes(f"NUL story\n\n{STORY * 10}".encode() + b"\x00tail\n")
    # Every encoding declared as another one (HTML), and undeclared (text).
    for enc, text in SAMPLES.items():
        for declared in DECLARED:
            if declared.replace("-", "") == enc.replace("-", ""):
                continue
            html = (f'<html><head><meta charset="{declared}"><title>{text[:30]}</title></head>'
                    f"<body><article><h1>{text[:30]}</h1><p>{text} {text} {text}</p>"
                    f"<p>{text}</p></article></body></html>")
            (corpus / f"enc-{enc}-as-{declared}.html").write_bytes(html.encode(enc))
        (corpus / f"enc-{enc}.txt").write_bytes(f"{text}\n\n{text} {text}\n".encode(enc))
    # A file name that is not UTF-8.
    with open(os.path.join(os.fsencode(corpus), b"bad-name-\xff\xfe.txt"), "wb") as fh:
        fh.write(f"Bad name\n\n{STORY}\n".encode())
    expect[os.fsdecode(b"bad-name-\xff\xfe.txt")] = "not valid UTF-8"
    # Links out of the corpus, link loops, a FIFO.
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.txt").write_text("Secret\n\nZyxwvut words, not for the archive.\n")
    (corpus / "outside.txt").symlink_to(outside / "secret.txt")
    expect["outside.txt"] = "pointing outside the corpus"
    (corpus / "etc.html").symlink_to("/etc/passwd")
    expect["etc.html"] = "pointing outside the corpus"
    (corpus / "loop-a.txt").symlink_to(corpus / "loop-b.txt")
    (corpus / "loop-b.txt").symlink_to(corpus / "loop-a.txt")
    expect["loop-a.txt"] = ""
    expect["loop-b.txt"] = ""
    (corpus / "sub").mkdir()
    (corpus / "sub" / "story.txt").write_text(f"Sub story\n\n{STORY}\n")
    (corpus / "sub" / "back").symlink_to(corpus / "sub", target_is_directory=True)
    os.mkfifo(corpus / "pipe.html")
    expect["pipe.html"] = "not a regular file"
    # Reuters SGML with broken tags: each damaged record spoils only itself.
    sgml = [_reuters(i, f"Story {i} about ports and ships. {STORY}") for i in range(1, 9)]
    sgml[2] = sgml[2].replace("</REUTERS>", "")  # element left open
    sgml[4] = sgml[4].replace("<TEXT>", "<TEXT", 1).replace("<BODY>", "<BO")  # cut tags
    sgml[5] = sgml[5].replace('<REUTERS TOPICS="YES" NEWID="6">', '<REUTERS NEWID="6"')
    text = "".join(sgml) + "garbage <<<>>> between\n" + _reuters(9, "Cut off in the mid")[:120]
    (corpus / "broken.sgm").write_text(text)
    (corpus / "only-garbage.sgm").write_text("<REUTERS <<<< no records >>>\x01\n")
    expect["only-garbage.sgm"] = ""
    # WARC records cut in half, plain and gzipped; a WARC that is not one.
    records = _warc_records(3)
    warc = b"".join(records)
    (corpus / "cut.warc").write_bytes(warc[: len(records[0]) + len(records[1]) // 2])
    members = b"".join(gzip.compress(r) for r in records)
    (corpus / "cut.warc.gz").write_bytes(members[: len(members) * 2 // 3])
    (corpus / "fake.warc").write_bytes(b"GET / HTTP/1.1\r\n\r\n" * 50)
    expect["fake.warc"] = "not a WARC file"
    # JSON Lines with broken lines around a good one.
    good_line = json.dumps({"title": "Jsonl story", "body": STORY, "url": "https://x.org/j"})
    (corpus / "lines.jsonl").write_text("{broken\n" + good_line + "\n[1, 2]\n\"str\"\n{}\n")
    (corpus / "all-bad.jsonl").write_text("{not json\n\x00\x00\n")
    expect["all-bad.jsonl"] = ""
    return expect


def line_for(name: str, output: str) -> list[str]:
    return [line for line in output.splitlines()
            if re.match(rf"^(FAILED|skipped|warning) (\S*/)?{re.escape(name)}(#[^:]+)?: ", line)]


@pytest.mark.slow
def test_nasty_folder_through_reindex_check_and_add(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    expect = build_nasty(corpus, tmp_path / "outside")
    before = snapshot(corpus)
    started = time.monotonic()
    run = manage(corpus, index, "reindex", "--workers", "2", "--json")
    took = time.monotonic() - started
    out = run.stderr + run.stdout
    assert run.returncode == 1, out  # files failed: reported, status 1, no traceback
    assert "Traceback" not in out
    for name, reason in expect.items():
        lines = line_for(os.fsencode(name).decode("utf-8", "backslashreplace"), out)
        assert lines, f"{name} is not reported:\n{out}"
        assert reason in lines[0], lines
    # Every reported line is one line naming a file and a reason.
    for line in out.splitlines():
        if line.startswith(("FAILED", "skipped", "warning")):
            assert re.match(r"^(FAILED|skipped|warning) \S.*: \S", line), line
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["indexed"] >= 3 + 1 + 6 + 1 + 1  # good files, sub, Reuters, WARC, JSONL
    assert took < 120, f"reindex took {took:.0f} s"
    assert snapshot(corpus) == before

    def total(query):
        res = manage(corpus, index, "search", query, "--json", "--limit", "100")
        return json.loads(res.stdout)["total"]

    assert total("Taliban") == 1
    assert total('"Good page"') >= 1 and total('"Sub story"') >= 1
    assert total("Jsonl story") >= 1 and total("warc page") >= 1
    assert total("zyxwvut") == 0
    assert 4 <= total('"port story"') <= 8  # damaged records lost, the others kept

    checked = manage(corpus, index, "check", "--json")
    result = json.loads(checked.stdout)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert result["counts"]["missing"] == result["counts"]["stale"] == 0
    assert result["counts"]["unindexable"] >= 10
    assert snapshot(corpus) == before

    # `add` of the same folder into another archive: same reports, only good files copied.
    corpus2, index2 = tmp_path / "corpus2", tmp_path / "index2"
    added = manage(corpus2, index2, "add", str(corpus), "--json")
    out2 = added.stderr + added.stdout
    assert added.returncode == 1 and "Traceback" not in out2, out2
    assert "not valid UTF-8" in out2 and "one article is at most" in out2
    assert snapshot(corpus) == before
    copied = {p.name for p in corpus2.rglob("*") if p.is_file()}
    assert {"good.txt", "good.html", SEED.name} <= copied
    assert not copied & {"empty.txt", "binary.html", "big.txt", "secret.txt", "passwd"}
    assert manage(corpus2, index2, "check").returncode == 0


def test_unreadable_file_is_reported(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("running as root: permission bits do not stop root from reading "
                    "(the reason 'permission denied' comes from indexer.corpus)")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "locked.txt").write_text("Locked\n\nBody\n")
    (corpus / "locked.txt").chmod(0)
    from archive import Config, open_archive
    from indexer import pipeline

    report = pipeline.rebuild(open_archive(Config(corpus, tmp_path / "index")), corpus)
    assert [str(p) for p in report.failed] == ["locked.txt: permission denied"]


def test_a_file_over_the_time_budget_is_stopped_and_reported(tmp_path):
    from archive import Config, SearchRequest, open_archive
    from indexer import pipeline

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a-good.txt").write_text(f"First good\n\n{STORY}\n")
    with open(corpus / "b-slow.txt", "w") as fh:  # about 5 s of extraction here
        fh.write("Slow\n\n" + (STORY + "\n\n") * 30_000)
    (corpus / "c-good.txt").write_text(f"Second good\n\n{STORY}\n")
    archive = open_archive(Config(corpus, tmp_path / "index"))
    started = time.monotonic()
    report = pipeline.rebuild(archive, corpus, workers=1, file_seconds=0.5)
    assert time.monotonic() - started < 20
    assert [str(p) for p in report.failed] == ["b-slow.txt: took longer than 0.5 s"]
    assert report.indexed == 2
    assert archive.search(SearchRequest("rotterdam")).total == 2


def _allocate(n: int) -> int:
    return len(bytearray(n))


def _die(_item) -> None:
    os.kill(os.getpid(), 9)


def test_worker_memory_budget_and_dead_workers(tmp_path):
    from indexer.workers import Failure, WorkerPool

    with WorkerPool(_allocate, workers=2, seconds=30, memory=1536 * 2**20) as pool:
        results = list(pool.map([10, 3 * 2**30, 20]))
    assert results[0] == 10 and results[2] == 20
    assert isinstance(results[1], Failure) and "memory budget" in results[1].reason
    with WorkerPool(_die, workers=1, seconds=30) as pool:
        results = list(pool.map([1, 2]))
    assert [r.reason for r in results] == ["the extraction process died (killed by signal 9)"] * 2


# -- properties ------------------------------------------------------------------
CHARSETS = st.sampled_from([None, "utf-8", "latin-1", "cp1252", "shift_jis", "koi8-r",
                            "utf-16", "utf-32", "ascii", "x-bogus", "", "utf 8", "euc-jp",
                            "big5", "gb18030", "mac-roman", "cp037", "idna", "rot13",
                            "base64", "hex", "zlib", "uu"])
BOMS = st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00"])


@PROPS
@given(st.binary(max_size=4096), BOMS, CHARSETS)
def test_decode_never_raises(data, bom, charset):
    from indexer.decode import decode, decode_html, decode_text

    text, encoding = decode(bom + data, charset)
    assert isinstance(text, str) and isinstance(encoding, str)
    assert isinstance(decode_html(bom + data), str)
    assert isinstance(decode_text(bom + data), str)


def test_decode_with_a_nul_in_the_charset_name():
    from indexer.decode import decode

    assert decode(b"caf\xe9", "utf-8\x00")[0] == "café"


MARKUP = st.lists(st.sampled_from([
    "<html>", "<head>", "<title>", "</title>", "<meta charset=koi8-r>", "<body>", "<p>", "</p>",
    "<div>", "</div>", "<article>", "<h1>", "<script>", "</script>", "<!--", "-->", "&amp;",
    "&#0;", "&#xD800;", "<REUTERS>", "</REUTERS>", "<TEXT>", "<BODY>", "<TITLE>", "\x00", "\r",
    "WARC/1.0\r\n", "Content-Length: 99\r\n", "\r\n\r\n", '{"title": "x", "body": "y"}\n',
    "Title: x\n", "Date: 2099-99-99\n", "\n\n", "words of a story ", "Москва ", "東京 ",
]), max_size=60).map("".join)
NAMES = st.sampled_from(["a.html", "a.txt", "a.sgm", "a.jsonl", "a.warc", "a.html.gz",
                         "a.txt.gz", "a.warc.gz"])


@SLOW_PROPS
@given(st.one_of(st.binary(max_size=3000), MARKUP.map(lambda s: s.encode("utf-8", "replace"))),
       NAMES)
def test_extractors_raise_only_extraction_error(data, name):
    from indexer.draft import Draft, ExtractionError, FileWarning, RecordError
    from indexer.formats import detect_format, read_file_bytes
    from indexer.pipeline import extract_bytes

    if name.endswith(".gz") and data[:1] != b"\x1f":
        data = gzip.compress(data)[: max(1, len(data))]  # valid or cut gzip
    try:
        drafts = read_file_bytes(data, name)
    except ExtractionError:
        drafts = []
    assert all(isinstance(d, (Draft, RecordError, FileWarning)) for d in drafts)
    result = extract_bytes(data, name, detect_format(name))  # never raises at all
    assert result.failed or result.articles or result.skipped  # skipped: no text
    assert all(not p.reason.startswith("extraction failed") for p in result.problems), \
        result.problems


QUERY_BITS = st.sampled_from([
    '"', "(", ")", " OR ", " AND ", " NOT ", "-", "*", "?", "~", "^2", ":", "date:", "title:",
    "author:", "outlet:", "place:", "topic:", "nosuchfield:", "2017", "..", ">=", "<", "2015..",
    "date:2020-13", "date:>=", "[", "]", "{", "}", " TO ", "econom*", "\\", "'", "\x00", "é",
    "taliban", " ", "date:1000..3000", "*a", "a*b*c", "\u202e", "\ud800",
])
QUERIES = st.one_of(st.text(max_size=300), st.lists(QUERY_BITS, max_size=40).map("".join))


@PROPS
@given(QUERIES)
def test_query_parser_raises_only_bad_query(text):
    from archive.errors import BadQuery
    from archive.whoosh.compile import parse_query
    from archive.whoosh.schema import build_schema

    try:
        parse_query(text, build_schema())
    except BadQuery as exc:
        assert str(exc)


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory):
    from archive import Config, open_archive
    from indexer import pipeline
    from webapp import create_app

    root = tmp_path_factory.mktemp("fuzzweb")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / SEED.name).write_bytes(SEED.read_bytes())
    for i, date in enumerate(["1987-03-02", "2015-06-01", "2024-02-02"]):
        (corpus / f"s{i}.txt").write_text(f"Date: {date}\nOutlet: Reuters\nAuthor: Ann Lee\n\n"
                                          f"Story {i}\n\n{STORY} Grain prices in Moscow.\n")
    report = pipeline.rebuild(open_archive(Config(corpus, root / "index")), corpus, workers=1)
    assert report.ok
    app = create_app({"TESTING": False, "INDEX_DIR": str(root / "index"),
                      "CORPUS_DIR": str(corpus), "PROPAGATE_EXCEPTIONS": False})
    return app.test_client()


PARAM_NAMES = st.sampled_from(["q", "page", "size", "sort", "group", "outlet", "year", "age",
                               "date", "language", "author", "topic", "place", "format",
                               "colour", "as", "back", "format"])
PARAM_VALUES = st.one_of(st.text(max_size=40), QUERIES,
                         st.sampled_from(["0", "-1", "1", "999999999999999999999", "1e3",
                                          "unknown", "lt1", "2015..2018", ">=2010", "newest",
                                          "off", "json", "NaN", "%00", "../../etc/passwd"]))
PATHS = st.sampled_from(["/", "/search.json", "/facet/outlet", "/facet/year.json",
                         "/facet/nosuch", "/export.csv", "/export.json", "/feed.atom",
                         "/article/b399cf9d66da118e", "/article/b399cf9d66da118e.json",
                         "/article/b399cf9d66da118e/original"])


@PROPS
@given(PATHS, st.lists(st.tuples(PARAM_NAMES, PARAM_VALUES), max_size=6))
def test_web_never_answers_500(fuzz_client, path, params):
    from urllib.parse import urlencode

    query = urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in params])
    response = fuzz_client.get(path + ("?" + query if query else ""))
    body = response.get_data()
    response.close()
    assert response.status_code < 500, (path, params, body[:500])
