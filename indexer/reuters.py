"""Reuters-21578 SGML: one `<REUTERS>` element per article, about 1000 to a file.

The files are split with regular expressions, one `<REUTERS ...>` element at a
time, and the few tags inside each are read the same way; entities are
decoded with `html.unescape`. Reading reut2-000.sgm this way takes about
0.09 s, where building the BeautifulSoup tree alone takes 0.25 s (lxml) to
0.31 s (html.parser); an HTML parser also knows <TITLE> and <BODY> as HTML
elements. Damage (an element left open, garbage between elements) spoils
only its own record.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import textwrap
from collections.abc import Iterator

from indexer.decode import decode
from indexer.draft import Draft, ExtractionError, NoArticleText, RecordError, record_problem

OUTLET = "Reuters"

# An opening tag ends at the first ">" and never spans a "<" (a cut-off tag is garbage).
_OPEN = re.compile(rb"<REUTERS\b([^<>]*)>")
_CLOSE = b"</REUTERS>"
_DOCTYPE = re.compile(rb"^\s*(?:<!DOCTYPE[^>]*>)?\s*$", re.IGNORECASE)
_ATTR = re.compile(r'([A-Za-z]+)\s*=\s*"([^"]*)"')
_TEXT = re.compile(r"<TEXT\b([^>]*)>(.*?)(?:</TEXT>|$)", re.DOTALL)
_D = re.compile(r"<D>(.*?)</D>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL_ENTITY = re.compile(r"&#(?:[0-8]|1[1-9]|2[0-9]|3[01]|127);")
_SIGNATURE = re.compile(r"\s*\bReuters?\s*$", re.IGNORECASE)
_BRIEF_FILLER = re.compile(r"^\s*Blah blah blah\.?\s*$", re.IGNORECASE)
_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
# Dateline pieces: "Feb 26", "March 2", "Narch 2" (typos), "2 March", "Apri l7", "Jun", "MAR8".
_DATEISH = re.compile(
    r"^(?:as of\s+)?(?:[A-Za-z]{3,9}\.?\s*[a-z]?\d{1,3}[a-z]?|\d{1,2}\s+[A-Za-z]{3,9}\.?|\d{1,3}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?)$",
    re.IGNORECASE)
_TRAILING_DATE = re.compile(
    r"\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*\d{1,2}$", re.IGNORECASE)
_DATELINE_DASH = re.compile(r"\s-+(?:\s+|$)")
_PLACE_PART = re.compile(r"^[A-Za-z][A-Za-z .'&()/-]*$")
_NAME_PIECE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_WEEKDAYS = {"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "monday",
             "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_AUTHOR_PREFIX = re.compile(r"^\s*by\s+", re.IGNORECASE)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b)\s*", re.IGNORECASE)
_AUTHOR_AGENCY = re.compile(r"\s+reuters?$", re.IGNORECASE)
_AGENCY_WORDS = {"reuter", "reuters"}
_TAG_LISTS = (("TOPICS", "topics"), ("PLACES", "places"), ("PEOPLE", "people"),
              ("ORGS", "orgs"), ("EXCHANGES", "exchanges"))
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\"'][.!?])\s+(?=[A-Z\"'])")


def _element(text: str, tag: str) -> str | None:
    """The raw content of the first <TAG>...</TAG> in `text`, or None."""
    start = text.find(f"<{tag}>")
    if start < 0:
        return None
    start += len(tag) + 2
    end = text.find(f"</{tag}>", start)
    return text[start:] if end < 0 else text[start:end]


def _clean(raw: str) -> str:
    """Entities decoded, control characters and stray tags removed; whitespace kept."""
    raw = _CONTROL_ENTITY.sub("", raw)
    raw = _TAG.sub("", raw)
    return _CONTROL.sub("", html.unescape(raw))


def _one_line(raw: str) -> str:
    return " ".join(_clean(raw).split())


def _paragraphs(text: str, keep_lines: bool = False) -> list[str]:
    """Paragraphs of wire copy: a blank line or a line indented by 3+ spaces starts one.

    With `keep_lines` (tables in unprocessed stories) the lines of a paragraph
    are kept on their own lines instead of being joined by spaces.
    """
    paras: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            if current:
                paras.append(current)
                current = []
            continue
        if not keep_lines and current and line.startswith("   "):
            paras.append(current)
            current = []
        current.append(line.rstrip() if keep_lines else stripped)
    if current:
        paras.append(current)
    if keep_lines:
        return [textwrap.dedent("\n".join(p)) for p in paras]
    return [" ".join(p) for p in paras]


def _strip_signature(text: str) -> str:
    return _SIGNATURE.sub("", text.rstrip()).rstrip()


def _first_sentence(text: str, max_words: int = 14) -> str:
    first = text.strip().split("\n", 1)[0].strip()
    first = _SENTENCE_END.split(first, 1)[0]
    words = first.split()
    if len(words) > max_words:
        return " ".join(words[:max_words]) + "…"
    return " ".join(words)


def _case_word(word: str) -> str:
    if not word.isupper():
        return word
    # Keep abbreviations like "N.J.", "B.C.", "U.S." in capitals.
    letters = [part for part in word.split(".") if part]
    if "." in word and len(letters) > 1 and all(len(part) <= 2 for part in letters):
        return word
    return _NAME_PIECE.sub(_cap, word)


def _cap(m: re.Match[str]) -> str:
    head, _, tail = m.group(0).partition("'")
    head = head[:1].upper() + head[1:].lower()
    if not tail:
        return head
    # "O'NEILL" -> "O'Neill" but "JOHN'S" -> "John's".
    tail = tail.lower() if len(tail) == 1 else tail[:1].upper() + tail[1:].lower()
    return f"{head}'{tail}"


def parse_dateline(raw: str) -> tuple[str | None, str]:
    """A wire dateline as (place, spill): "NEW YORK, Feb 26 - " -> ("New York", "").

    The place is nicely cased and keeps its region ("Rye, N.Y."). `spill` is
    text the 1987 markup put inside DATELINE that belongs to the body: the
    start of the first sentence ("... Feb 26 - Brazil's anti-") or a table row
    mistaken for a dateline.
    """
    text = " ".join(_clean(raw).split())
    pieces = _DATELINE_DASH.split(text, 1)
    head = pieces[0].strip()
    rest = pieces[1].strip() if len(pieces) > 1 else ""
    if not re.search(r"[A-Za-z0-9]", rest):
        rest = ""
    parts = [p.strip() for p in head.split(",") if p.strip()]
    while parts and (_DATEISH.match(parts[-1]) or parts[-1].lower() in _AGENCY_WORDS):
        parts.pop()
    if parts:
        # Some datelines have no comma before the date: "LONDON March 3".
        parts[-1] = _TRAILING_DATE.sub("", parts[-1]).strip()
    if not parts or not all(_PLACE_PART.match(p) for p in parts) or \
            _DATEISH.match(parts[0]) or parts[0].lower() in _WEEKDAYS:
        if not head or _DATEISH.match(head) or head.lower() in _WEEKDAYS:
            return None, rest
        return None, " ".join(_clean(raw).split())  # not a dateline: give it back
    place = ", ".join(" ".join(_case_word(w) for w in p.split()) for p in parts)
    # All-lowercase datelines ("sioux city") are cased like capitals.
    if place.islower():
        place = " ".join(w[:1].upper() + w[1:] for w in place.split(" "))
    return place, rest


def parse_authors(raw: str) -> list[str]:
    """Names from an AUTHOR line: "By Cal Mankowski, Reuters" -> ["Cal Mankowski"]."""
    text = _AUTHOR_PREFIX.sub("", _one_line(raw))
    names = []
    for name in _AUTHOR_SPLIT.split(text):
        name = _AUTHOR_AGENCY.sub("", name).strip(" .")
        if not name or name.lower().startswith("reuter"):
            continue
        if name.isupper():
            name = name.title()
        names.append(name)
    return names


def parse_date(raw: str) -> dt.date | None:
    """The day of a DATE element: "26-FEB-1987 15:01:01.79" -> 1987-02-26."""
    m = _DATE.search(raw)
    if not m:
        return None
    month = _MONTHS.get(m.group(2).upper())
    if not month:
        return None
    try:
        day = dt.date(int(m.group(3)), month, int(m.group(1)))
    except ValueError:
        return None
    if day.year < 1800 or day > dt.date.today():
        return None
    return day


def _decode(chunk: bytes) -> str:
    try:
        return chunk.decode("utf-8")
    except UnicodeDecodeError:
        # The 1987 files are ASCII but for a stray Latin-1/cp1252 byte (0xFC in reut2-017).
        text, _ = decode(chunk, "cp1252")
        return text


def parse_article(text: str, attrs: dict[str, str]) -> Draft:
    """One article from the inside of a <REUTERS> element (already decoded)."""
    newid = attrs["NEWID"]
    draft = Draft(item=newid, source_id=newid, outlet=OUTLET, outlet_source="format",
                  agency=OUTLET)
    date_raw = _element(text, "DATE")
    if date_raw:
        draft.published = parse_date(date_raw)
        if draft.published:
            draft.date_precision, draft.date_source = "day", "sgml"
    for tag, name in _TAG_LISTS:
        content = _element(text, tag)
        if content:
            setattr(draft, name, [v for v in (_one_line(d) for d in _D.findall(content)) if v])

    m = _TEXT.search(text)
    if not m:
        raise ExtractionError("no <TEXT> element")
    text_type = dict(_ATTR.findall(m.group(1))).get("TYPE", "NORM").upper()
    inner = m.group(2)
    title = _one_line(_element(inner, "TITLE") or "")
    author = _element(inner, "AUTHOR")
    if author:
        draft.authors = parse_authors(author)
    dateline = _element(inner, "DATELINE")
    spill = ""
    if dateline:
        draft.dateline, spill = parse_dateline(dateline)

    body_raw = _element(inner, "BODY")
    if text_type == "BRIEF":
        paras = [title] if title else []
        if not title:  # a brief without a TITLE: its text is the title
            rest = _TAG.sub("", inner)
            paras = [p for p in _paragraphs(_strip_signature(_clean(rest)))
                     if not _BRIEF_FILLER.match(p)]
            title = " ".join(paras[0].split()) if paras else ""
    elif body_raw is not None:
        body = _strip_signature(_clean(body_raw))
        if spill:
            body = body.lstrip()
            glue = "" if spill.endswith("-") and body[:1].islower() else " "
            body = spill + glue + body
        paras = _paragraphs(body)
    else:
        # UNPROC (or damaged) text: whatever is inside TEXT outside the known elements.
        rest = inner
        for tag in ("TITLE", "AUTHOR", "DATELINE"):
            rest = re.sub(rf"<{tag}>.*?</{tag}>", "", rest, flags=re.DOTALL)
        paras = _paragraphs(_strip_signature(_clean(rest)), keep_lines=(text_type == "UNPROC"))
        if not title and paras:
            first, _, remainder = paras[0].partition("\n")
            title = " ".join(first.split())
            paras[0] = textwrap.dedent(remainder).strip("\n")
            paras = [p for p in paras if p.strip()]
            if len(title.split()) > 14:  # a sentence, not a headline: keep it in the body
                paras.insert(0, first.strip())
                title = _first_sentence(first)
    paras = [p for p in paras if not _BRIEF_FILLER.match(p)]
    draft.body = "\n\n".join(paras)
    if not title and draft.body:
        title = _first_sentence(draft.body)
    draft.title = title
    if text_type == "BRIEF" or not draft.body:
        draft.body = title
    if not draft.title and not draft.body:
        raise NoArticleText("neither title nor body")
    return draft


def _garbage(chunk: bytes) -> bool:
    return bool(chunk.strip())


def read_reuters(data: bytes, path: str) -> Iterator[Draft | RecordError]:
    """Reader for Reuters-21578 .sgm files (see indexer.formats)."""
    opens = list(_OPEN.finditer(data))
    if not opens:
        raise ExtractionError("no <REUTERS> element found: not a Reuters-21578 SGML file")
    head = data[: opens[0].start()]
    if not _DOCTYPE.match(head):
        yield RecordError("before 1", "unexpected text before the first <REUTERS> element")
    seen: set[str] = set()
    for index, m in enumerate(opens):
        end = opens[index + 1].start() if index + 1 < len(opens) else len(data)
        attrs = dict(_ATTR.findall(m.group(1).decode("latin-1")))
        newid = attrs.get("NEWID", "").strip()
        label = newid or f"element {index + 1}"
        close = data.find(_CLOSE, m.end(), end)
        if close < 0:
            yield RecordError(label, "<REUTERS> element is not closed")
            continue
        if _garbage(data[close + len(_CLOSE): end]):
            yield RecordError(f"after {label}", "unexpected text between <REUTERS> elements")
        if not newid.isdigit():
            yield RecordError(label, "<REUTERS> element has no NEWID")
            continue
        attrs["NEWID"] = newid
        if newid in seen:
            yield RecordError(label, f"NEWID {newid} repeated in the file")
            continue
        seen.add(newid)
        try:
            yield parse_article(_decode(data[m.end(): close]), attrs)
        except ExtractionError as exc:
            yield record_problem(label, exc)
