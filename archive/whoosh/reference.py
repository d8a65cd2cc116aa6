"""Plain Whoosh, as a user would set it up from its documentation: the benchmarks' baseline.

Not used by the product. The benchmarks in bench/ build and query this next to
the archive in the same run, so every speed claim comes with a ratio against
plain Whoosh measured on the same machine at the same moment. It lives here
because archive/ is the only package that imports Whoosh.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Iterable

from whoosh import fields, highlight, index, qparser, sorting
from whoosh.analysis import StandardAnalyzer
from whoosh.qparser.dateparse import DateParserPlugin
from whoosh.query import DateRange, Term


def plain_schema() -> fields.Schema:
    """The schema of the published comparison: id, title, body (stored), date, outlet, places, topics."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(stored=True, analyzer=StandardAnalyzer()),
        body=fields.TEXT(stored=True, analyzer=StandardAnalyzer()),
        date=fields.DATETIME(stored=True, sortable=True),
        year=fields.NUMERIC(int, sortable=True),
        outlet=fields.ID(stored=True, sortable=True),
        places=fields.KEYWORD(stored=True, commas=True),
        topics=fields.KEYWORD(stored=True, commas=True),
    )


def build(folder: Path, docs: Iterable[dict], limitmb: int = 128) -> tuple[int, float]:
    """Index docs ({id, title, body, date, outlet, places, topics}) with one default writer."""
    folder.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(folder), plain_schema())
    start = time.perf_counter()
    n = 0
    with ix.writer(limitmb=limitmb) as writer:
        for d in docs:
            date = d.get("date")
            writer.add_document(
                id=d["id"], title=d["title"], body=d["body"],
                date=dt.datetime.combine(date, dt.time()) if date else None,
                year=date.year if date else 0, outlet=d.get("outlet") or "",
                places=",".join(d.get("places") or ()), topics=",".join(d.get("topics") or ()))
            n += 1
    ix.close()
    return n, time.perf_counter() - start


class PlainSearcher:
    """Top 10 + outlet and year facet counts + 10 highlighted snippets, the documented way."""

    def __init__(self, folder: Path):
        self.ix = index.open_dir(str(folder))
        self.searcher = self.ix.searcher()
        self.parser = qparser.MultifieldParser(["title", "body"], self.ix.schema)
        self.parser.add_plugin(DateParserPlugin())

    def search(self, text: str, filters: dict[str, list[str]] | None = None) -> int:
        q = self.parser.parse(text.replace("place:", "places:").replace("topic:", "topics:"))
        flt = None
        terms = []
        for name, values in (filters or {}).items():
            field = {"topic": "topics", "place": "places"}.get(name, name)
            if name == "year":
                year = int(values[0])
                terms.append(DateRange("date", dt.datetime(year, 1, 1),
                                       dt.datetime(year, 12, 31, 23, 59)))
            else:
                terms.extend(Term(field, v) for v in values)
        if terms:
            from whoosh.query import And

            flt = And(terms)
        facets = sorting.Facets()
        facets.add_field("outlet")
        facets.add_field("year")
        results = self.searcher.search(q, limit=10, filter=flt, groupedby=facets, terms=True)
        results.formatter = highlight.HtmlFormatter()
        for hit in results[:10]:  # slicing: iterating would load every match (a known trap)
            hit.highlights("body")
        results.groups("outlet")
        results.groups("year")
        return len(results)

    def ranked(self, text: str, limit: int = 100) -> list[str]:
        """The ids of the top `limit` documents for a question, Whoosh's BM25F defaults.

        A question is not a list of words that must all appear, so its words are joined
        with OR (qparser.OrGroup), as Whoosh's documentation does for ranked retrieval.
        """
        parser = qparser.MultifieldParser(["title", "body"], self.ix.schema,
                                          group=qparser.OrGroup)
        results = self.searcher.search(parser.parse(text), limit=limit)
        return [hit["id"] for hit in results]

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()
