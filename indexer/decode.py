"""Bytes to text: BOMs, declared charsets, then detection; never crashes on mojibake."""

from __future__ import annotations

import codecs
import gzip
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


def gunzip(data: bytes, name: str) -> bytes:
    """Decompress gzip bytes, refusing truncated streams and decompression bombs."""
    try:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = d.decompress(data, MAX_DECOMPRESSED)
        if d.unconsumed_tail:
            raise ExtractionError(f"gzip content larger than {MAX_DECOMPRESSED // 2**20} MB")
        if not d.eof:
            raise ExtractionError("truncated gzip file")
        return out
    except (zlib.error, gzip.BadGzipFile, EOFError) as exc:
        raise ExtractionError(f"not a valid gzip file ({exc})") from None


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
