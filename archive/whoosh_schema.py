"""The one Whoosh schema, its analyzers, and the mapping between Article records and documents."""

from __future__ import annotations

import json
from typing import Any

from whoosh import analysis, columns, fields
from whoosh.support.charset import accent_map

from archive.records import TAG_FIELDS, Article

# Bump when the schema or analyzers change: an index of another version is rebuilt.
SCHEMA_VERSION = 3  # 2: story (near-duplicate cluster key) and story_bands; 3: analyzer

# Facets counted from per-document columns: name -> (column field, title shown).
FACET_FIELDS: dict[str, tuple[str, str]] = {
    "outlet": ("fc_outlet", "Outlet"),
    "language": ("fc_language", "Language"),
    "author": ("fc_author", "Author"),
    "format": ("fc_format", "Format"),
    "topic": ("fc_topic", "Topic"),
    "place": ("fc_place", "Place"),
    "person": ("fc_person", "Person"),
    "org": ("fc_org", "Organisation"),
    "exchange": ("fc_exchange", "Exchange"),
}
# The keyword field each facet filters on (exact values, case kept).
FILTER_FIELDS = {name: "fx_" + column[3:] for name, (column, _) in FACET_FIELDS.items()}
SEPARATOR = "\x1f"


# The Snowball project's English stop words (snowballstem.org), without the contractions,
# which the possessive filter turns into other forms: general, not tuned to any collection.
STOP_WORDS = frozenset("""
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing would should could ought a an the and but if or because as until while of at by for
    with about against between into through during before after above below to from up down
    in out on off over under again further then once here there when where why how all any
    both each few more most other some such no nor not only own same so than too very
""".split())
# Words with dots inside ("U.S", "3.5") and apostrophes ("Kennedy's"); hyphens split words,
# so "boundary-layer" matches "boundary layer".
TOKEN_PATTERN = r"\w+(?:\.\w+)*(?:['’]\w+)*"


class PossessiveFilter(analysis.Filter):
    """Drops a final 's ("Kennedy's" -> "kennedy") and other apostrophes ("O'Brien" -> "obrien")."""

    def __call__(self, tokens):
        for t in tokens:
            text = t.text.replace("’", "'")
            if "'" in text:
                if text.endswith("'s"):
                    text = text[:-2]
                t.text = text.replace("'", "")
            yield t


def text_analyzer() -> analysis.Analyzer:
    """Words, lower-cased, accents folded, possessives cut, English stop words dropped, stemmed."""
    return (analysis.RegexTokenizer(TOKEN_PATTERN)
            | analysis.LowercaseFilter()
            | analysis.CharsetFilter(accent_map)
            | PossessiveFilter()
            | analysis.StopFilter(stoplist=STOP_WORDS)
            | analysis.StemFilter())


def name_analyzer() -> analysis.Analyzer:
    """Names (authors, outlets, places): words, lower-cased, accents folded, no stemming."""
    return (analysis.RegexTokenizer(r"\w+")
            | analysis.LowercaseFilter()
            | analysis.CharsetFilter(accent_map))


def build_schema() -> fields.Schema:
    text = text_analyzer()
    names = name_analyzer()
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        path=fields.ID(stored=True),
        sha256=fields.ID(stored=True),
        title=fields.TEXT(analyzer=text, stored=True, field_boost=2.5),
        body=fields.TEXT(analyzer=text, stored=True),
        author=fields.TEXT(analyzer=names, phrase=True),
        outlet=fields.TEXT(analyzer=names, phrase=True),
        place=fields.TEXT(analyzer=names, phrase=True),
        topic=fields.KEYWORD(lowercase=True, commas=True),
        url=fields.ID(),
        # 0 when the date is unknown; the proleptic Gregorian ordinal otherwise.
        date=fields.NUMERIC(int, bits=32, sortable=True, signed=False),
        # The same, but unknown dates sort after every known one (for "oldest first").
        date_asc=fields.NUMERIC(int, bits=32, sortable=True, signed=False),
        banner_years=fields.NUMERIC(int, bits=16, sortable=True, signed=False),
        data=fields.STORED(),
        # Near-duplicate cluster key (archive.dedup), set by the writer; a column for grouping.
        story=fields.ID(sortable=True),
        story_bands=fields.KEYWORD(scorable=False),  # MinHash band keys, to find candidates
    )
    for name, (column, _title) in FACET_FIELDS.items():
        schema.add(column, fields.COLUMN(columns.VarBytesColumn()))
        schema.add(FILTER_FIELDS[name], fields.KEYWORD(lowercase=False, commas=True,
                                                       scorable=False))
    return schema


UNKNOWN_DATE_ASC = 2**32 - 1


def facet_values(article: Article) -> dict[str, list[str]]:
    """The values an article contributes to each facet."""
    return {
        "outlet": [article.outlet] if article.outlet else [],
        "language": [article.language] if article.language else [],
        "author": list(article.authors),
        "format": [article.format],
        "topic": list(article.topics),
        "place": list(article.places),
        "person": list(article.people),
        "org": list(article.orgs),
        "exchange": list(article.exchanges),
    }


def _keyword(values: list[str]) -> str:
    # Commas separate keywords, so they cannot appear inside one value.
    return ",".join(v.replace(",", " ").strip() for v in values if v.strip())


def to_document(article: Article) -> dict[str, Any]:
    """The Whoosh document for an article (everything needed to show it, without the corpus)."""
    data = article.as_dict()
    for key in ("body", "age_warning"):
        data.pop(key, None)
    ordinal = article.published.toordinal() if article.published else 0
    places = list(article.places) + ([article.dateline] if article.dateline else [])
    doc: dict[str, Any] = {
        "id": article.id,
        "path": article.path,
        "sha256": article.sha256,
        "title": article.title,
        "body": article.body,
        "author": " ; ".join(article.authors),
        "outlet": article.outlet or "",
        "place": " ; ".join(places),
        "topic": ",".join(article.topics),
        "url": article.url or "",
        "date": ordinal,
        "date_asc": ordinal or UNKNOWN_DATE_ASC,
        "banner_years": (article.age_banner.years or 0) if article.age_banner else 0,
        "data": json.dumps(data, ensure_ascii=False),
    }
    for name, values in facet_values(article).items():
        column, _ = FACET_FIELDS[name]
        cleaned = [v.replace(",", " ").strip() for v in values if v and v.strip()]
        doc[column] = SEPARATOR.join(cleaned).encode("utf-8")
        doc[FILTER_FIELDS[name]] = _keyword(values)
    return doc


def from_stored(stored: dict[str, Any]) -> Article:
    """Rebuild an Article from a document's stored fields."""
    data = json.loads(stored["data"])
    data["body"] = stored.get("body", "")
    data["title"] = stored.get("title", data.get("title", ""))
    return Article.from_dict(data)


def split_column_value(raw: bytes | None) -> tuple[str, ...]:
    if not raw:
        return ()
    return tuple(raw.decode("utf-8").split(SEPARATOR))


__all__ = ["TAG_FIELDS", "FACET_FIELDS", "FILTER_FIELDS", "build_schema", "to_document",
           "from_stored", "facet_values", "split_column_value", "SCHEMA_VERSION"]
