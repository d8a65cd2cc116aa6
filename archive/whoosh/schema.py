"""The one Whoosh schema, its analyzers, and the mapping between Article records and documents."""

from __future__ import annotations

import json
import re
from typing import Any

import Stemmer
from whoosh import analysis, columns, fields
from whoosh.support.charset import accent_map

from archive.records import TAG_FIELDS, Article
from archive.requests import FACETS
from archive.words import STOP_WORDS, TOKEN_PATTERN  # the rules every engine shares

# Bump when the schema or analyzers change: an index of another version is rebuilt.
SCHEMA_VERSION = 9  # 2: story (near-duplicate cluster key) and story_bands; 3: analyzer;
# 4: dates and facet filters as columns only, fast text indexing; 5: Snowball English stemmer;
# 6: MinHash bands moved from index terms to the generation's story table (archive.dedup);
# 7: the Snowball project's own English stemmer (PyStemmer) instead of Whoosh's Python port;
# 8: every article stores when its file entered the archive (`added`, for the Atom feed)
# 9: stored articles carry their date's confidence and candidates

# Facets counted from per-document columns: name -> (column field, title shown).
FACET_FIELDS: dict[str, tuple[str, str]] = {name: (f"fc_{name}", title)
                                           for name, title in FACETS.items()}
SEPARATOR = "\x1f"


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
            | analysis.StemFilter(stemfn=stem))


def name_analyzer() -> analysis.Analyzer:
    """Names (authors, outlets, places): words, lower-cased, accents folded, no stemming."""
    return (analysis.RegexTokenizer(r"\w+")
            | analysis.LowercaseFilter()
            | analysis.CharsetFilter(accent_map))


class FastText(fields.TEXT):
    """A TEXT field that indexes without building a Token per word.

    `index()` gives exactly the postings of the analyzer chain built by
    `text_analyzer()` (tokenize, lower-case, fold accents, cut possessives, drop
    stop words and words under two letters, renumber positions, stem), which
    `tests/test_fast_index.py` checks on real articles. Queries and highlighting
    still go through the analyzer. This is where most of the indexing time went.
    """

    tokens = None  # set below: the tokenizer regex (for snippets)

    @staticmethod
    def fold(word: str) -> str | None:
        """A word's index term, or None when the index drops it (for snippets)."""
        return _fold(word)

    def index(self, value: Any, **kwargs: Any):
        if kwargs or not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        fmt = self.format
        positions: dict[str, list[int]] = {}
        pos = None
        for original, word in enumerate(_TOKEN_RE.findall(value)):
            term = _fold(word)
            if term is None:
                continue
            if pos is None:  # Whoosh's StopFilter renumbers from the first kept word's position
                pos = original
            if term in positions:
                positions[term].append(pos)
            else:
                positions[term] = [pos]
            pos += 1
        boost = fmt.field_boost
        encode = fmt.encode
        for term, poslist in positions.items():
            yield term.encode("utf-8"), len(poslist), len(poslist) * boost, encode(poslist)


_TOKEN_RE = re.compile(TOKEN_PATTERN)
# The Snowball English ("Porter2") stemmer: on the dev queries it gave TIME MAP +0.002 over
# the original Porter stemmer ("generally" -> "general", not "gener").
_STEMMER = Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """A word's English stem: the Snowball project's C implementation (PyStemmer).

    Whoosh's own Snowball port is Python: stemming each new word was half of a
    writer process's analysis time. On the 615,098 distinct folded words of the
    shared collections the two agree except on 11 (mostly "-izer" words, and
    "realization", which Whoosh's port left as "realize"). PyStemmer is pinned
    at 2.2 (Snowball 2.2): Snowball 3 changed the English rules themselves.
    """
    return _STEMMER.stemWord(word)


FastText.tokens = _TOKEN_RE
_STEM_CACHE: dict[str, str | None] = {}


def _fold(word: str) -> str | None:
    """One word as the analyzer chain indexes it, or None when it is dropped (cached)."""
    term = _STEM_CACHE.get(word, "")
    if term != "":
        return term
    text = word.lower().translate(accent_map).replace("’", "'")
    if "'" in text:
        if text.endswith("'s"):
            text = text[:-2]
        text = text.replace("'", "")
    term = None if len(text) < 2 or text in STOP_WORDS else stem(text)
    if len(_STEM_CACHE) < 500_000:
        _STEM_CACHE[word] = term
    return term


def build_schema() -> fields.Schema:
    text = text_analyzer()
    names = name_analyzer()
    number = columns.NumericColumn("I", default=0)
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        path=fields.ID(stored=True),
        sha256=fields.ID(stored=True),
        title=FastText(analyzer=text, stored=True, field_boost=2.5),
        body=FastText(analyzer=text, stored=True),
        author=fields.TEXT(analyzer=names, phrase=True),
        outlet=fields.TEXT(analyzer=names, phrase=True),
        place=fields.TEXT(analyzer=names, phrase=True),
        topic=fields.KEYWORD(lowercase=True, commas=True),
        url=fields.ID(),
        # Dates are columns only: filters, facets, sorting and the histogram read them;
        # no numeric terms are indexed (Whoosh's numeric range terms cost ~8 postings each).
        # 0 when the date is unknown; the proleptic Gregorian ordinal otherwise.
        date=fields.COLUMN(number),
        # The same, but unknown dates sort after every known one (for "oldest first").
        date_asc=fields.COLUMN(columns.NumericColumn("I", default=0)),
        banner_years=fields.COLUMN(columns.NumericColumn("H", default=0)),
        data=fields.STORED(),
        # Near-duplicate cluster key (archive.dedup), set by the writer; a column for grouping.
        story=fields.ID(sortable=True),
    )
    # Facet values live in columns only; filters read the same columns (archive.whoosh.facets).
    for _name, (column, _title) in FACET_FIELDS.items():
        schema.add(column, fields.COLUMN(columns.VarBytesColumn()))
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


__all__ = ["TAG_FIELDS", "FACET_FIELDS", "build_schema", "to_document",
           "from_stored", "facet_values", "split_column_value", "SCHEMA_VERSION"]
