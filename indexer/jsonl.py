"""JSON Lines: one article per line, as `manage.py extract --json` and other exports write them."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from archive.records import DATE_PRECISIONS, AgeBanner, date_candidates
from indexer.dates import EARLIEST, parse_date
from indexer.decode import decode
from indexer.draft import Draft, ExtractionError, NoArticleText, RecordError, record_problem

# Field -> the names it goes by, first found wins.
TITLE_KEYS = ("title", "headline")
BODY_KEYS = ("body", "text", "content")
DATE_KEYS = ("published", "date", "publication_date")
AUTHOR_KEYS = ("authors", "author")
OUTLET_KEYS = ("outlet", "source", "publisher")
URL_KEYS = ("url", "link")

TITLE_WORDS = 12
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\||&|\band\b)\s*", re.IGNORECASE)
_YEAR_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_LINE_ITEM = re.compile(r"^line-\d+$")
# A sentence ends at . ! ? followed by a space, unless the word before is an
# abbreviation ("U.S .", "Dr.") or a single letter.
_SENTENCE_END = re.compile(r"(\S+?)\s?[.!?](?=\s|$)")


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _text(value: Any) -> str:
    """A string field; a list of strings (paragraphs) is joined by blank lines."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n\n".join(v for v in value if isinstance(v, str) and v.strip())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def first_sentence(text: str, max_words: int = TITLE_WORDS) -> str:
    """A stand-in title: the first sentence of the text, at most `max_words` words."""
    words = text.split()
    for m in _SENTENCE_END.finditer(text):
        before = m.group(1)
        if "." in before or len(before) == 1:
            continue
        sentence = text[: m.end()].split()
        if len(sentence) <= max_words:
            return " ".join(sentence)
        break
    if len(words) > max_words:
        return " ".join(words[:max_words]) + "…"
    return " ".join(words)


def _authors(value: Any) -> list[str]:
    names = value if isinstance(value, list) else [value]
    out: list[str] = []
    for name in names:
        if isinstance(name, dict):  # schema.org style {"name": ...}
            name = name.get("name")
        if not isinstance(name, str):
            continue
        out.extend(n.strip() for n in _AUTHOR_SPLIT.split(name) if n.strip())
    return out


def _outlet(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    if not isinstance(value, str):
        return None
    return value.strip() or None


def parse_published(value: Any, precision: Any = None,
                    today: dt.date | None = None) -> tuple[dt.date, str] | None:
    """(date, precision) from "YYYY", "YYYY-MM", "YYYY-MM-DD" or an ISO datetime; None if impossible.

    A `precision` the record states ("year", "month") makes a full date coarser,
    never finer. Dates before 1800 or after today are refused.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    # "YYYY-MM" first: indexer.dates.parse_date reads "2001-12" as 2001-01-02.
    m = _YEAR_MONTH.match(value)
    if m:
        month = int(m.group(2))
        found = (dt.date(int(m.group(1)), month, 1), "month") if 1 <= month <= 12 else None
    else:
        found = parse_date(value)
    if found is None:
        return None
    day, found_precision = found
    if not EARLIEST <= day <= (today or dt.date.today()):
        return None
    if precision in DATE_PRECISIONS and \
            DATE_PRECISIONS.index(precision) > DATE_PRECISIONS.index(found_precision):
        found_precision = precision
    return day, found_precision


def _confidence(value: Any) -> float | None:
    """A date confidence between 0 and 1, or None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    return None


def _banner(record: dict[str, Any]) -> AgeBanner | None:
    """A publisher's age banner. Our own export's `age_warning` is computed from the
    date ("source": "date") and is not a banner; when the record has `age_banner`
    (even null) that is the one to believe."""
    if "age_banner" in record:
        value = record["age_banner"]
    else:
        value = record.get("age_warning")
        if isinstance(value, dict) and value.get("source") == "date":
            return None
    if not isinstance(value, dict):
        return None
    text = value.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    years = value.get("years")
    if isinstance(years, str) and years.strip().isdigit():
        years = int(years)
    if not isinstance(years, int) or isinstance(years, bool) or years < 0:
        years = None
    return AgeBanner(" ".join(text.split()), years)


def parse_record(record: dict[str, Any], item: str) -> Draft:
    """One article from one decoded JSON object."""
    title = " ".join(_text(_first(record, TITLE_KEYS)).split())
    body = _text(_first(record, BODY_KEYS)).strip()
    if not title and not body:
        raise NoArticleText("neither title nor body")
    if not title:
        title = first_sentence(body)
    draft = Draft(title=title, body=body or title, item=item)
    raw_id = record.get("id")
    if raw_id not in (None, "") and not isinstance(raw_id, (dict, list, bool)):
        draft.source_id = str(raw_id)
    authors = _first(record, AUTHOR_KEYS)
    if authors is not None:
        draft.authors = _authors(authors)
    outlet = _outlet(_first(record, OUTLET_KEYS))
    if outlet:
        draft.outlet, draft.outlet_source = outlet, "header"
    url = _first(record, URL_KEYS)
    if isinstance(url, str) and url.strip():
        draft.url = url.strip()
    published = parse_published(_first(record, DATE_KEYS), record.get("date_precision"))
    if published:
        draft.published, draft.date_precision = published
        draft.date_source = "header"
        draft.date_confidence = _confidence(record.get("date_confidence"))
    # The days an extractor found when it was unsure (our own export's `date_candidates`).
    draft.date_candidates = list(date_candidates(record.get("date_candidates")))
    draft.age_banner = _banner(record)
    language = record.get("language")
    if isinstance(language, str) and re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?",
                                                  language.strip()):
        draft.language = language.strip().lower()
    for name in ("topics", "places", "people", "orgs", "exchanges"):
        values = record.get(name)
        if isinstance(values, str):
            values = [values]
        if isinstance(values, list):
            setattr(draft, name, [str(v).strip() for v in values
                                  if isinstance(v, (str, int)) and str(v).strip()])
    for name in ("dateline", "agency"):
        value = record.get(name)
        if isinstance(value, str) and value.strip():
            setattr(draft, name, " ".join(value.split()))
    return draft


def _items(records: list[tuple[int, Any]]) -> dict[int, str]:
    """Line number -> item: the record's id when it is unique in the file, else "line-N"."""
    def key(record: Any) -> str | None:
        if not isinstance(record, dict):
            return None
        value = record.get("id")
        if value in (None, "") or isinstance(value, (dict, list, bool)):
            return None
        value = str(value).strip()
        return None if not value or _LINE_ITEM.match(value) else value

    counts = Counter(k for _, r in records if (k := key(r)) is not None)
    items = {}
    for line_no, record in records:
        k = key(record)
        items[line_no] = k if k is not None and counts[k] == 1 else f"line-{line_no}"
    return items


def read_jsonl(data: bytes, path: str) -> Iterator[Draft | RecordError]:
    """Reader for .jsonl / .ndjson files (see indexer.formats)."""
    text, _ = decode(data)
    parsed: list[tuple[int, Any]] = []
    errors: dict[int, str] = {}
    for line_no, line in enumerate(text.split("\n"), start=1):
        line = line.strip().lstrip("\ufeff")
        if not line:
            continue
        try:
            parsed.append((line_no, json.loads(line)))
        except (ValueError, RecursionError) as exc:
            errors[line_no] = f"not valid JSON ({exc})"
            parsed.append((line_no, None))
    if parsed and len(errors) == len(parsed):
        first = min(errors)
        raise ExtractionError(f"not a JSON Lines file: no line is valid JSON (line {first}: "
                              f"{errors[first]})")
    items = _items(parsed)
    for line_no, record in parsed:
        where = f"line {line_no}"
        if line_no in errors:
            yield RecordError(where, errors[line_no])
            continue
        if not isinstance(record, dict):
            yield RecordError(where, "not a JSON object")
            continue
        try:
            yield parse_record(record, items[line_no])
        except ExtractionError as exc:
            yield record_problem(where, exc)
