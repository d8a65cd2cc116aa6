"""Typed records that cross the boundary of the archive core.

Nothing here knows about a search engine: the indexer builds `Article`
records, the engine stores them and answers with `SearchPage`, `Hit` and
`Facet` records, and the web app and the command line only ever see these.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

DATE_PRECISIONS = ("day", "month", "year")

# Multi-valued facet lists an article may carry (Reuters-style categories).
TAG_FIELDS = ("topics", "places", "people", "orgs", "exchanges")


@dataclass(frozen=True)
class AgeBanner:
    """An age banner the publisher printed on the page ("This story is over 5 years old")."""

    text: str
    years: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "years": self.years}


@dataclass(frozen=True)
class AgeWarning:
    """The age warning shown to a reader, computed when the article is shown."""

    text: str
    years: int
    source: str  # "date" (computed from the publication date) or "banner"

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "years": self.years, "source": self.source}


@dataclass(frozen=True)
class Article:
    """One article as the archive stores it: where it came from and what was extracted."""

    id: str
    path: str  # corpus-relative, POSIX separators
    sha256: str  # of the original file's bytes
    format: str  # "html", "text", "reuters-sgml", "jsonl", "warc"
    title: str
    body: str
    item: str | None = None  # position of the article inside a multi-article file
    authors: tuple[str, ...] = ()
    outlet: str | None = None
    outlet_source: str | None = None
    published: dt.date | None = None
    date_precision: str | None = None  # "day", "month", "year" or None
    date_source: str | None = None  # e.g. "json-ld", "meta", "url", "header", "text"
    url: str | None = None
    language: str | None = None
    age_banner: AgeBanner | None = None
    dateline: str | None = None
    agency: str | None = None  # wire service credited (Reuters, AP, AFP...)
    source_id: str | None = None  # the id the article had in the system it came from
    topics: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    exchanges: tuple[str, ...] = ()
    word_count: int = 0

    @property
    def year(self) -> int | None:
        return self.published.year if self.published else None

    def age_warning(self, today: dt.date | None = None) -> AgeWarning | None:
        """The age warning to show today (see `archive.age.age_warning`)."""
        from archive.age import age_warning

        return age_warning(self.published, self.age_banner, today)

    def as_dict(self, today: dt.date | None = None) -> dict[str, Any]:
        """A JSON-ready dict; `age_warning` is computed for `today`."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["authors"] = list(self.authors)
        for name in TAG_FIELDS:
            data[name] = list(data[name])
        data["published"] = self.published.isoformat() if self.published else None
        data["age_banner"] = self.age_banner.as_dict() if self.age_banner else None
        warning = self.age_warning(today)
        data["age_warning"] = warning.as_dict() if warning else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Article":
        """Rebuild an article from `as_dict()` output (unknown keys are ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["authors"] = tuple(values.get("authors") or ())
        for name in TAG_FIELDS:
            values[name] = tuple(values.get(name) or ())
        published = values.get("published")
        if isinstance(published, str):
            values["published"] = dt.date.fromisoformat(published[:10])
        banner = values.get("age_banner")
        if isinstance(banner, dict):
            values["age_banner"] = AgeBanner(banner["text"], banner.get("years"))
        return cls(**values)

    def replace(self, **changes: Any) -> "Article":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool = False
    label: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label or self.value,
                "count": self.count, "selected": self.selected}


@dataclass(frozen=True)
class Facet:
    name: str  # the filter key used in URLs and --filter
    title: str  # shown to people
    values: tuple[FacetValue, ...]
    total_values: int = 0  # how many distinct values exist before truncation

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title,
                "total_values": self.total_values,
                "values": [v.as_dict() for v in self.values]}


@dataclass(frozen=True)
class Hit:
    article: Article
    rank: int
    score: float | None
    snippets: tuple[str, ...]  # HTML: text escaped, matched words in <mark>

    def as_dict(self, today: dt.date | None = None) -> dict[str, Any]:
        a = self.article
        warning = a.age_warning(today)
        return {
            "rank": self.rank,
            "id": a.id,
            "title": a.title,
            "outlet": a.outlet,
            "published": a.published.isoformat() if a.published else None,
            "date_precision": a.date_precision,
            "authors": list(a.authors),
            "url": a.url,
            "language": a.language,
            "age_warning": warning.as_dict() if warning else None,
            "score": self.score,
            "snippet": " … ".join(self.snippets),
            "snippets": list(self.snippets),
        }


SORTS = ("relevance", "newest", "oldest")

# Names a search can be filtered by (URL parameters, `--filter NAME=VALUE`).
FILTER_NAMES = ("outlet", "year", "age", "language", "author", "topic", "place", "person",
                "org", "exchange", "format", "date")


@dataclass(frozen=True)
class SearchRequest:
    """What a person asked for: the query text, filters, sort and page."""

    query: str = ""
    filters: tuple[tuple[str, str], ...] = ()  # (facet name, value) pairs
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10

    def filter_values(self, name: str) -> list[str]:
        return [v for k, v in self.filters if k == name]


@dataclass(frozen=True)
class SearchPage:
    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: tuple[Facet, ...]
    seconds: float = 0.0
    notes: tuple[str, ...] = ()  # messages for the reader (e.g. about the query)

    @property
    def pages(self) -> int:
        size = self.request.page_size
        return max(1, (self.total + size - 1) // size)

    def as_dict(self, today: dt.date | None = None) -> dict[str, Any]:
        r = self.request
        return {
            "query": r.query,
            "filters": [{"name": k, "value": v} for k, v in r.filters],
            "sort": r.sort,
            "page": r.page,
            "page_size": r.page_size,
            "pages": self.pages,
            "total": self.total,
            "seconds": round(self.seconds, 4),
            "notes": list(self.notes),
            "hits": [h.as_dict(today) for h in self.hits],
            "facets": [f.as_dict() for f in self.facets],
        }


@dataclass(frozen=True)
class IndexStats:
    articles: int
    generation: str | None
    size_bytes: int
    outlets: int
    dated: int
    oldest: dt.date | None
    newest: dt.date | None
    formats: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "generation": self.generation,
            "size_bytes": self.size_bytes,
            "outlets": self.outlets,
            "dated": self.dated,
            "oldest": self.oldest.isoformat() if self.oldest else None,
            "newest": self.newest.isoformat() if self.newest else None,
            "formats": dict(self.formats),
        }
