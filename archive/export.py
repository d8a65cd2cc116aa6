"""Export formats of a whole result set (CSV, a JSON document) and citing an article.

Each engine streams the rows (`ExportRow`, every match in the search page's
order, read one article at a time), so an export of thousands of articles
streams; this module only writes them. The CSV
writer defuses spreadsheet formulas: a cell starting with = + - @, a tab or a
carriage return gets a leading single quote.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Iterable, Iterator

from archive.records import Article, ExportRow

CSV_COLUMNS = ("rank", "id", "title", "outlet", "published", "date_precision", "authors", "url",
               "language", "format", "path", "word_count", "topics", "places", "story",
               "other_versions")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    return defuse(str(value))


def csv_chunks(export_rows: Iterable[ExportRow]) -> Iterator[str]:
    """CSV text (header first), a chunk every 100 rows."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for n, row in enumerate(export_rows, start=1):
        data = row.as_dict()
        writer.writerow([_cell(data[c]) for c in CSV_COLUMNS])
        if n % 100 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def json_chunks(head: dict, export_rows: Iterable[ExportRow]) -> Iterator[str]:
    """One JSON document {...head, "articles": [...]}, written article by article."""
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    yield opening + (", " if head else "") + '"articles": ['
    for n, row in enumerate(export_rows):
        yield ("," if n else "") + "\n" + json.dumps(row.as_dict(), ensure_ascii=False)
    yield "\n]}\n"


def _date_text(article: Article) -> str:
    d = article.published
    if d is None:
        return "n.d."
    if article.date_precision == "year":
        return str(d.year)
    if article.date_precision == "month":
        return d.strftime("%B %Y")
    return f"{d.day} {d.strftime('%B %Y')}"


def citation(article: Article, url: str, accessed: dt.date) -> str:
    """A citation: Outlet. “Title.” Date. URL (accessed YYYY-MM-DD)."""
    outlet = (article.outlet or "Unknown outlet").rstrip(".")
    title = article.title.strip().rstrip(".") or "Untitled"
    return (f"{outlet}. “{title}.” {_date_text(article)}. {url} "
            f"(accessed {accessed.isoformat()}).")


__all__ = ["defuse", "csv_chunks", "json_chunks", "citation", "CSV_COLUMNS"]
