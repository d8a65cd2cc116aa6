"""Bytes to text: BOMs, declared charsets, then detection; never crashes on mojibake."""

from __future__ import annotations

import codecs
import re
import zlib

from indexer.draft import ExtractionError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.]+)""")

# Limits that keep one file from exhausting the machine.
MAX_DECOMPRESSED = 256 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
_PIECE = 64 * 1024  # compressed bytes given to zlib at a time (at most ~64 MB out)


class Inflater:
    """gzip decompression a block at a time, over every member of the file.

    With `keep`, the output is collected (up to MAX_DECOMPRESSED). `warning()`
    says how the data ended when it did not end cleanly: cut short inside the
    compressed data, or followed by bytes that are not gzip.
    """

    def __init__(self, keep: bool = True):
        self.out = bytearray() if keep else None
        self.size = 0  # bytes of content decompressed
        self.read = 0  # compressed bytes given
        self.members = 0
        self.trailing = 0  # bytes after the last member that are not gzip (zero padding aside)
        self._member = None  # the current member's decompressor; None between members
        self._pending = b""  # the start of a next member's header, until it is whole

    @property
    def cut(self) -> bool:
        """True when the data ended inside a member."""
        return self._member is not None or bool(self._pending)

    def feed(self, block: bytes) -> None:
        """Decompress the next compressed bytes; raises ExtractionError on data that is not gzip."""
        view = memoryview(block)
        for start in range(0, len(view), _PIECE):
            self._feed(bytes(view[start:start + _PIECE]))
        self.read += len(block)

    def _feed(self, data: bytes) -> None:
        data = self._pending + data
        self._pending = b""
        while data:
            if self._member is None:
                if self.trailing:
                    self.trailing += len(data)
                    return
                data = data.lstrip(b"\x00") if self.members else data
                if len(data) < 2 and GZIP_MAGIC.startswith(data):
                    self._pending = data
                    return
                if not data.startswith(GZIP_MAGIC):
                    if not self.members:
                        raise ExtractionError("not a valid gzip file (no gzip header)")
                    self.trailing = len(data)
                    return
                self._member = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self.members += 1
            budget = MAX_DECOMPRESSED - self.size + 1
            try:
                chunk = self._member.decompress(data, budget)
            except zlib.error as exc:
                raise ExtractionError(f"not a valid gzip file ({exc})") from None
            self.size += len(chunk)
            if self.size > MAX_DECOMPRESSED:
                raise ExtractionError(f"gzip content larger than {MAX_DECOMPRESSED // 2**20} MB")
            if self.out is not None:
                self.out += chunk
            if not self._member.eof:
                return
            data = self._member.unused_data
            self._member = None

    def warning(self) -> str | None:
        """Why the data did not end cleanly (for the report), or None when it did."""
        if self.cut:
            return (f"truncated gzip file: it ends at byte {self.read:,} inside the compressed "
                    f"data; the {self.size:,} bytes before the cut were read")
        if self.trailing:
            return (f"{self.trailing:,} bytes after the end of the gzip data (at byte "
                    f"{self.read - self.trailing:,}) are not gzip and were ignored")
        return None


def _whole_characters(data: bytes) -> bytes:
    """Text cut inside a UTF-8 character loses that piece, so the rest still reads as UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":
            return data[:exc.start]
    return data


def gunzip(data: bytes, name: str) -> tuple[bytes, str | None]:
    """Decompress gzip bytes (every member); returns (content, warning or None).

    A stream cut short gives what could be read before the cut, with a warning;
    one cut before any content, data that is not gzip and decompression bombs are
    refused (ExtractionError).
    """
    inflater = Inflater()
    inflater.feed(data)
    warning = inflater.warning()
    out = bytes(inflater.out)
    if inflater.cut:
        if not out:
            raise ExtractionError(f"truncated gzip file: it ends at byte {len(data):,}, "
                                  f"before any content")
        out = _whole_characters(out)
    return out, warning


def gzip_warning(path) -> str | None:
    """The warning `gunzip` would give for a gzip file on disk (read a block at a time)."""
    inflater = Inflater(keep=False)
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                inflater.feed(block)
    except (OSError, ExtractionError):
        return None  # unreadable or not gzip: extraction says why
    return inflater.warning()


def _codec(name: bytes | str) -> str | None:
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        return codecs.lookup(name.strip()).name
    except (LookupError, ValueError):  # unknown name, or one codecs refuses (a NUL byte)
        return None


def utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" for text in UTF-16 that lacks a byte-order mark."""
    head = data[:4096]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    for zeros, chars, name in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) >= 0.9 * len(zeros) and chars.count(0) <= 0.05 * len(chars):
            return name
    return None


def looks_binary(data: bytes) -> bool:
    """True for bytes that are clearly not text (NULs or many control bytes up front)."""
    head = data[:4096]
    if not head:
        return False
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    if b"\x00" in head:
        return utf16_without_bom(head) is None
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls / len(head) > 0.05


def _detect(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None:
        return "utf-8"
    return best.encoding


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes to text; returns (text, encoding used).

    Order: byte-order mark, strict UTF-8, the declared charset when it decodes
    cleanly, then charset-normalizer's guess; the last resort replaces bad bytes.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    wide = utf16_without_bom(data)
    if wide:
        return data.decode(wide, errors="replace"), wide
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        codec = _codec(declared)
        if codec and codec not in ("utf-8", "utf_8"):
            try:
                return data.decode(codec), codec
            except (UnicodeDecodeError, LookupError):
                pass
    guess = _detect(data)
    if _codec(guess) in ("utf-16", "utf-16-be", "utf-16-le", "utf-32", "utf-32-be",
                         "utf-32-le") and b"\x00" not in data[:4096]:
        # Text in UTF-16/32 without a byte-order mark is full of NUL bytes; a guess of
        # UTF-16 for short text without any is a detector's accident. Legacy web
        # pages are most often Windows-1252.
        guess = "cp1252"
    try:
        return data.decode(guess), guess
    except (UnicodeDecodeError, LookupError):
        return data.decode("utf-8", errors="replace"), "utf-8 (with replacements)"


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML or XML document declares in its first bytes."""
    head = data[:4096]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "ignore") if m else None


def decode_html(data: bytes) -> str:
    text, _ = decode(data, declared_charset(data))
    return text


def decode_text(data: bytes) -> str:
    text, _ = decode(data)
    return text.replace("\r\n", "\n").replace("\r", "\n")
