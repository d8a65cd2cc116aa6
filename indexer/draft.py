"""What an extractor pulls out of one article, before the pipeline gives it an identity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from archive.records import AgeBanner, DateCandidate


class ExtractionError(Exception):
    """A file (or one record in it) cannot be turned into an article; the message says why."""


NO_TEXT = "no text"


class NoArticleText(ExtractionError):
    """The input is readable but holds no article text (an empty record, a page of links).

    The one rule for every reader: such a file or record is skipped, counted and
    named in the report as "no text (...)", and does not fail the run; input
    that cannot be read at all is a failure (any other ExtractionError).
    """

    def __init__(self, detail: str = ""):
        super().__init__(f"{NO_TEXT} ({detail})" if detail else NO_TEXT)


@dataclass
class Draft:
    """Mutable extraction result; `indexer.pipeline` turns it into an `archive.Article`."""

    title: str = ""
    body: str = ""
    authors: list[str] = field(default_factory=list)
    outlet: str | None = None
    outlet_source: str | None = None  # "header", "json-ld", "og:site_name", "domain", "text"...
    published: dt.date | None = None
    date_precision: str | None = None  # "day", "month" or "year"
    date_source: str | None = None  # "header", "json-ld", "meta", "url", "text", "warc"...
    date_confidence: float | None = None  # how sure the date is (0-1), when its sources were weighed
    date_candidates: list[DateCandidate] = field(default_factory=list)  # every day the sources gave
    url: str | None = None
    language: str | None = None
    age_banner: AgeBanner | None = None
    dateline: str | None = None
    agency: str | None = None
    source_id: str | None = None
    item: str | None = None  # key of the article inside a multi-article file
    topics: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    exchanges: list[str] = field(default_factory=list)


@dataclass
class RecordError:
    """One bad record inside a multi-article file; the rest of the file is still read."""

    item: str  # the record's key or position in the file
    reason: str
    skip: bool = False  # an empty or non-article record: reported as skipped, not as a failure


def record_problem(item: str, exc: ExtractionError) -> RecordError:
    """A record that gives no article: skipped when it has no text, a failure otherwise."""
    return RecordError(item, str(exc), skip=isinstance(exc, NoArticleText))


@dataclass
class FileWarning:
    """What the report must say about a file that is still indexed (it was cut short)."""

    reason: str
