"""Web archives (WARC, WARC.gz, ARC): every archived HTML page with status 200 is an article."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import zlib
from collections.abc import Iterator
from typing import Any

from indexer.decode import GZIP_MAGIC, Inflater, decode_html
from indexer.draft import Draft, ExtractionError, FileWarning, RecordError, record_problem

HTML_TYPES = {"text/html", "application/xhtml+xml"}
MAX_PAGE = 32 * 1024 * 1024  # bytes of one HTTP payload we are willing to parse


def _head(data: bytes, size: int = 64) -> bytes:
    """The first bytes of the archive, gunzipped when it is gzip."""
    if not data.startswith(GZIP_MAGIC):
        return data[:size]
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[:65536], size)
    except zlib.error:
        return b""


def _check_archive(data: bytes) -> None:
    head = _head(data).lstrip(b"\r\n")
    if not (head.startswith(b"WARC/") or head.startswith(b"filedesc://")):
        shown = head[:20].decode("latin-1").encode("unicode_escape").decode("ascii")
        raise ExtractionError(f"not a WARC file (starts with {shown!r})")


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            value = value.strip().strip("\"'")
            try:
                return codecs.lookup(value).name
            except LookupError:
                return None
    return None


def decode_payload(payload: bytes, content_type: str) -> str:
    """HTML text from an HTTP payload: the charset of its Content-Type, else sniffed."""
    charset = _charset(content_type)
    if charset:
        try:
            return payload.decode(charset)
        except UnicodeDecodeError:
            pass
    return decode_html(payload)


def capture_date(value: str | None) -> dt.date | None:
    """The day of a WARC-Date ("2019-05-01T12:00:00Z") or an ARC 14-digit date."""
    if not value:
        return None
    value = value.strip()
    try:
        if value.isdigit() and len(value) >= 8:
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _record_id(record: Any, position: int) -> str:
    rid = (record.rec_headers.get_header("WARC-Record-ID") or "").strip().strip("<>")
    return rid or f"record-{position}"


def _drain(record: Any) -> bool:
    """Read what is left of the record; False when the file ends before its Content-Length."""
    raw = record.raw_stream
    while raw.read(1 << 16):
        pass
    return getattr(raw, "limit", 0) <= 0


def html_payload(record: Any) -> tuple[bytes, str] | None:
    """(payload, content type) of an HTTP 200 HTML response record, else None."""
    http = record.http_headers
    if record.rec_type != "response" or http is None:
        return None
    if (http.get_statuscode() or "").strip() != "200":
        return None
    content_type = http.get_header("Content-Type") or ""
    if content_type.split(";")[0].strip().lower() not in HTML_TYPES:
        return None
    return record.content_stream().read(MAX_PAGE + 1), content_type


def page_from_payload(payload: bytes, content_type: str, target: str | None,
                      captured: dt.date | None, item: str) -> Draft | RecordError:
    """The article of one archived HTML page."""
    if len(payload) > MAX_PAGE:
        return RecordError(item, f"page larger than {MAX_PAGE // 2**20} MB")
    from indexer.html import extract_html

    try:
        draft = extract_html(decode_payload(payload, content_type), url=target)
    except ExtractionError as exc:
        return record_problem(item, exc)
    except RecursionError:
        return RecordError(item, "markup nested too deeply to parse")
    except Exception as exc:  # an extractor bug must not lose the rest of the archive
        return RecordError(item, f"extraction failed ({type(exc).__name__}: {exc})")
    draft.item = item
    draft.url = draft.url or target
    draft.language = None
    if draft.published and captured and draft.published > captured:
        # A page cannot have been published after it was archived.
        draft.published = draft.date_precision = draft.date_source = None
    return draft


def _ends_inside_a_record(data: bytes, offset: int) -> bool:
    """True when the archive ends inside the record that starts at `offset`.

    In plain WARC: something is left from `offset` on, and no other record starts
    after it. In gzip: the last member is cut short (offsets do not matter).
    """
    if not data.startswith(GZIP_MAGIC):
        rest = data[offset:]
        return bool(rest.strip()) and b"\nWARC/" not in rest
    inflater = Inflater(keep=False)
    try:
        inflater.feed(data)
    except ExtractionError:
        return False
    return inflater.cut


def _cut_short(data: bytes, item: str, detail: str = "") -> FileWarning:
    """The file ends inside a record: the records before it are kept, and the report says so."""
    name = item.removeprefix("record ")  # a record known by its position ("record 3")
    return FileWarning(f"WARC file cut short: it ends at byte {len(data):,} inside record "
                       f"{name}, which was not indexed{detail}")


def _unreadable(data: bytes, offset: int, item: str, exc: Exception) -> FileWarning | RecordError:
    """A record warcio cannot read: where the file is cut short, or damaged (a failure)."""
    why = f"({type(exc).__name__}: {exc})"
    if _ends_inside_a_record(data, offset):
        return _cut_short(data, item, f" {why}")
    return RecordError(item, f"unreadable WARC record, damaged; the rest of the file was not "
                             f"read {why}")


def read_warc(data: bytes, path: str) -> Iterator[Draft | RecordError | FileWarning]:
    """Reader for .warc, .warc.gz and .arc files (see indexer.formats).

    A file cut short gives the records before the cut and a FileWarning naming it.
    """
    from warcio.archiveiterator import ArchiveIterator

    _check_archive(data)
    records = ArchiveIterator(io.BytesIO(data), arc2warc=True)
    iterator = iter(records)
    seen: set[str] = set()
    count = 0
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            if _ends_inside_a_record(data, records.offset):  # warcio stops quietly there
                yield _cut_short(data, f"record {count + 1}")
            return
        except Exception as exc:  # warcio raises many types on damaged input
            yield _unreadable(data, records.offset, f"record {count + 1}", exc)
            return
        count += 1
        # (Not records.get_record_offset(): it reads the record to its end.)
        item = _record_id(record, count)
        if item in seen:
            item = f"{item}@record-{count}"
        seen.add(item)
        try:
            page = html_payload(record)
            complete = _drain(record)
        except Exception as exc:  # a truncated gzip member or chunked body fails mid-read
            yield _unreadable(data, records.offset, item, exc)
            return
        length = (record.rec_headers.get_header("Content-Length") or "").strip()
        if not complete or (record.format == "warc" and not length.isdigit()):
            yield _cut_short(data, item)  # (a header block cut before its length)
            return
        if page is None:
            continue
        headers = record.rec_headers
        target = (headers.get_header("WARC-Target-URI") or "").strip().strip("<>") or None
        yield page_from_payload(page[0], page[1], target,
                                capture_date(headers.get_header("WARC-Date")), item)
