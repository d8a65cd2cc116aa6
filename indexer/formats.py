"""Telling corpus files apart and handing each to the reader for its format."""

from __future__ import annotations

import importlib
from pathlib import PurePath
from typing import Callable, Iterable

from indexer.decode import gunzip, looks_binary
from indexer.draft import Draft, ExtractionError, RecordError

# format name -> (module, function). A reader takes (bytes, corpus-relative path)
# and returns the drafts of the articles in the file. Imported lazily so that
# a command that never meets a WARC file never imports warcio.
READERS: dict[str, tuple[str, str]] = {
    "html": ("indexer.html", "read_html"),
    "text": ("indexer.text", "read_text"),
    "reuters-sgml": ("indexer.reuters", "read_reuters"),
    "jsonl": ("indexer.jsonl", "read_jsonl"),
    "warc": ("indexer.warc", "read_warc"),
}

# File name endings -> format. Checked longest first.
SUFFIXES: dict[str, str] = {
    ".html": "html", ".htm": "html", ".xhtml": "html", ".shtml": "html",
    ".txt": "text", ".text": "text",
    ".sgm": "reuters-sgml", ".sgml": "reuters-sgml",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".warc": "warc", ".arc": "warc",
}
COMPRESSED = ".gz"
# Formats whose reader handles compression itself.
SELF_DECOMPRESSING = {"warc"}

Reader = Callable[[bytes, str], Iterable["Draft | RecordError"]]


def detect_format(path: str | PurePath) -> str | None:
    """The format of a corpus file from its name, or None when it is not an article file."""
    name = PurePath(path).name.lower()
    if name.endswith(COMPRESSED):
        name = name[: -len(COMPRESSED)]
    for suffix, fmt in SUFFIXES.items():
        if name.endswith(suffix):
            return fmt
    return None


def reader_for(fmt: str) -> Reader:
    module, func = READERS[fmt]
    return getattr(importlib.import_module(module), func)


def read_file_bytes(data: bytes, relpath: str, fmt: str | None = None) -> list["Draft | RecordError"]:
    """Turn the bytes of one corpus file into drafts; raises ExtractionError with the reason."""
    fmt = fmt or detect_format(relpath)
    if fmt is None:
        raise ExtractionError("unsupported file type")
    if not data:
        raise ExtractionError("empty file")
    if relpath.lower().endswith(COMPRESSED) and fmt not in SELF_DECOMPRESSING:
        data = gunzip(data, relpath)
        if not data:
            raise ExtractionError("empty file after decompression")
    if fmt != "warc" and looks_binary(data):
        raise ExtractionError(f"binary content, not {fmt}")
    drafts = list(reader_for(fmt)(data, relpath))
    if not drafts:
        raise ExtractionError("no article found in the file")
    return drafts
