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

from archive.age import AgeBanner, AgeWarning, age_warning

DATE_PRECISIONS = ("day", "month", "year")

# Multi-valued facet lists an article may carry (Reuters-style categories).
TAG_FIELDS = ("topics", "places", "people", "orgs", "exchanges")


# What each date source is called when shown to people.
DATE_SOURCE_NAMES = {
    "url": "the URL", "json-ld": "the page's JSON-LD", "meta": "the page's meta tags",
    "microdata": "the page's microdata", "time-published": "a publication time element",
    "time": "a time element", "label": "a label in the page text",
    "headline": "the date next to the headline", "htmldate": "htmldate's scan of the page", "text": "the page text",
}


@dataclass(frozen=True)
class DateCandidate:
    """A publication day some of an article's sources give, with those sources."""

    day: dt.date
    sources: tuple[str, ...]  # e.g. ("url", "meta"); names in DATE_SOURCE_NAMES

    def label(self) -> str:
        """The day and where it comes from, for people ("2019-03-04 from the URL")."""
        names = [DATE_SOURCE_NAMES.get(s, s) for s in self.sources] or ["an unknown source"]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"{self.day.isoformat()} from {listed}"

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "sources": list(self.sources)}

    @classmethod
    def from_dict(cls, data: Any) -> "DateCandidate | None":
        """A candidate from `as_dict()` output; None when it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("date"), str):
            return None
        try:
            day = dt.date.fromisoformat(data["date"][:10])
        except ValueError:
            return None
        sources = data.get("sources")
        sources = [sources] if isinstance(sources, str) else sources if isinstance(sources, list) else []
        return cls(day, tuple(dict.fromkeys(str(s) for s in sources if isinstance(s, str) and s.strip())))


def date_candidates(values: Any) -> tuple[DateCandidate, ...]:
    """Candidates from a list of `DateCandidate.as_dict()` outputs, one per day (sources merged)."""
    merged: dict[dt.date, tuple[str, ...]] = {}
    for value in values if isinstance(values, list) else []:
        cand = value if isinstance(value, DateCandidate) else DateCandidate.from_dict(value)
        if cand is not None:
            merged[cand.day] = tuple(dict.fromkeys(merged.get(cand.day, ()) + cand.sources))
    return tuple(DateCandidate(day, sources) for day, sources in merged.items())


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
    date_confidence: float | None = None  # how sure the date is (0-1), when it was weighed
    date_candidates: tuple[DateCandidate, ...] = ()  # every day the sources gave (shown when unsure)
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
    # When its file entered the archive (UTC, whole seconds): the corpus file's modification
    # time, which Morgue never changes, so a reindex gives the same value (indexer.corpus).
    added: dt.datetime | None = None

    @property
    def year(self) -> int | None:
        return self.published.year if self.published else None

    @property
    def date_source_name(self) -> str | None:
        """Where the date comes from, for people ("the URL", "the page's JSON-LD", "header")."""
        return DATE_SOURCE_NAMES.get(self.date_source, self.date_source) if self.date_source else None

    def age_warning(self, today: dt.date | None = None) -> AgeWarning | None:
        """The age warning to show today (see `archive.age.age_warning`)."""
        return age_warning(self.published, self.age_banner, today)

    def as_dict(self, today: dt.date | None = None) -> dict[str, Any]:
        """A JSON-ready dict; `age_warning` is computed for `today`."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["authors"] = list(self.authors)
        for name in TAG_FIELDS:
            data[name] = list(data[name])
        data["published"] = self.published.isoformat() if self.published else None
        data["date_candidates"] = [c.as_dict() for c in self.date_candidates]
        data["age_banner"] = self.age_banner.as_dict() if self.age_banner else None
        data["added"] = self.added.isoformat() if self.added else None
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
        values["date_candidates"] = date_candidates(values.get("date_candidates"))
        confidence = values.get("date_confidence")
        if not isinstance(confidence, (int, float)) or isinstance(confidence, bool) or not 0 <= confidence <= 1:
            values["date_confidence"] = None
        published = values.get("published")
        if isinstance(published, str):
            values["published"] = dt.date.fromisoformat(published[:10])
        added = values.get("added")
        if isinstance(added, str):
            values["added"] = dt.datetime.fromisoformat(added)
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
    article: Article  # a long body is cut to its opening (the archive's `get` has it whole)
    rank: int
    score: float | None
    snippets: tuple[str, ...]  # HTML: text escaped, matched words in <mark>
    story: str | None = None  # near-duplicate cluster key (the same story in several versions)
    versions: int = 0  # other versions of the story that match too (when grouped)

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
            "story": self.story,
            "other_versions": self.versions,
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
    group: bool = True  # near-duplicate versions of a story shown as one hit

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
    stories: int | None = None  # distinct stories among `total` articles (when grouped)
    explanation: tuple["QueryClause", ...] = ()
    histogram: "Histogram | None" = None
    suggestion: "Suggestion | None" = None
    partial: bool = False  # the query hit its time or expansion budget

    @property
    def pages(self) -> int:
        size = self.request.page_size
        shown = self.stories if self.stories is not None else self.total
        return max(1, (shown + size - 1) // size)

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
            "group": r.group,
            "stories": self.stories,
            "partial": self.partial,
            "explanation": [c.as_dict() for c in self.explanation],
            "suggestion": self.suggestion.as_dict() if self.suggestion else None,
            "histogram": self.histogram.as_dict() if self.histogram else None,
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


# -- reporter tools: query explanation, spelling, time histogram, story versions ----------


@dataclass(frozen=True)
class QueryClause:
    """One part of a query as the archive understood it (for the query explainer)."""

    role: str  # "required", "excluded", "optional" (one of an OR group), "filter"
    kind: str  # "word", "phrase", "near", "prefix", "wildcard", "fuzzy", "range", "date", "any-of"
    text: str  # the words as searched (stemmed words are shown as stems)
    fields: tuple[str, ...] = ()  # index fields searched ("title", "body", "author"...)
    detail: str | None = None  # e.g. "within 5 words", "up to 1 letter different"
    children: tuple["QueryClause", ...] = ()  # the alternatives of an "any-of" clause

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role, "kind": self.kind, "text": self.text,
                "fields": list(self.fields), "detail": self.detail,
                "children": [c.as_dict() for c in self.children]}


@dataclass(frozen=True)
class Suggestion:
    """A spelling suggestion ("Did you mean") built from the archive's own words."""

    query: str
    total: int  # articles the suggested query finds

    def as_dict(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total}


@dataclass(frozen=True)
class HistogramBar:
    """Matching articles in one period; `value` is the `date` filter selecting it."""

    label: str
    start: dt.date
    end: dt.date
    count: int
    value: str

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "count": self.count, "value": self.value}


@dataclass(frozen=True)
class DatePreset:
    """A ready-made date range ("last 5 years") with the number of matches it keeps."""

    label: str
    value: str  # the `date` filter value
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value, "count": self.count}


@dataclass(frozen=True)
class Histogram:
    """Matching articles per period (year, month or day), plus the undated ones."""

    unit: str  # "year", "month" or "day"
    bars: tuple[HistogramBar, ...]
    undated: int  # matching articles without a date (filter: date=unknown)
    presets: tuple[DatePreset, ...] = ()

    @property
    def peak(self) -> int:
        return max((b.count for b in self.bars), default=0)

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "undated": self.undated,
                "bars": [b.as_dict() for b in self.bars],
                "presets": [p.as_dict() for p in self.presets]}


@dataclass(frozen=True)
class Version:
    """One version of a story (an exact or near duplicate of another article)."""

    id: str
    title: str
    outlet: str | None
    published: dt.date | None
    identical: bool  # same normalised text as the article it is compared with

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "outlet": self.outlet,
                "published": self.published.isoformat() if self.published else None,
                "identical": self.identical}


@dataclass(frozen=True)
class ExportRow:
    """One article of an exported result set (every match, in the order of the search)."""

    rank: int
    article: Article
    story: str | None  # near-duplicate cluster key
    versions: int  # other matching versions of the same story

    def as_dict(self) -> dict[str, Any]:
        a = self.article
        return {"rank": self.rank, "id": a.id, "title": a.title, "outlet": a.outlet,
                "published": a.published.isoformat() if a.published else None,
                "date_precision": a.date_precision, "authors": list(a.authors),
                "url": a.url, "language": a.language, "format": a.format, "path": a.path,
                "word_count": a.word_count, "topics": list(a.topics), "places": list(a.places),
                "story": self.story, "other_versions": self.versions}


@dataclass(frozen=True)
class ResultStream:
    """A whole result set for export: counts now, articles read one by one as `rows` is iterated."""

    request: SearchRequest
    total: int
    stories: int
    notes: tuple[str, ...]
    rows: Any  # Iterator[ExportRow]; consumed once
