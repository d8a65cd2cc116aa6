"""Telling corpus files apart and handing each to the reader for its format."""

from __future__ import annotations

import importlib
from pathlib import PurePath
from typing import Callable, Iterable

from indexer.decode import gunzip, looks_binary
from indexer.draft import Draft, ExtractionError, FileWarning, NoArticleText, RecordError

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

Reader = Callable[[bytes, str], Iterable["Draft | RecordError | FileWarning"]]


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


def read_file_bytes(data: bytes, relpath: str, fmt: str | None = None
                    ) -> list["Draft | RecordError | FileWarning"]:
    """Turn the bytes of one corpus file into drafts; raises ExtractionError with the reason.

    A gzip file cut short is read as far as it goes: the list ends with a
    FileWarning saying where it was cut, and a last record that the cut spoiled
    is named there instead of being reported as a failure of its own.
    """
    fmt = fmt or detect_format(relpath)
    if fmt is None:
        raise ExtractionError("unsupported file type")
    if not data:
        raise NoArticleText("empty file")
    warning = None
    if relpath.lower().endswith(COMPRESSED) and fmt not in SELF_DECOMPRESSING:
        data, warning = gunzip(data, relpath)
        if not data:
            raise NoArticleText("empty file once decompressed")
    if fmt != "warc" and looks_binary(data):
        raise ExtractionError(f"binary content, not {fmt}")
    drafts: list = list(reader_for(fmt)(data, relpath))
    if warning:
        last = drafts[-1] if drafts else None
        if isinstance(last, RecordError) and not last.skip:
            drafts.pop()
            warning += f"; its last record ({last.item}) is cut off and was not indexed"
        drafts.append(FileWarning(warning))
    if not drafts:
        raise NoArticleText("no article in the file")
    return drafts
