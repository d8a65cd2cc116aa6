"""The publication date of a parsed HTML page: candidates from every source, weighed together."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from indexer import html_tuning
from indexer.dates import (
    MODIFIED_META, PUBLISHED_META, TEXT_DATE, Stamp, date_from_url, parse_date, parse_stamp, plausible, text_date,
    zone_for,
)
from indexer.html_meta import PageMeta
from indexer.language import detect_language

Found = tuple[dt.date, str, str]  # (date, precision, source)


@dataclass
class Candidate:
    """One date a page offers, with where it came from."""

    day: dt.date
    precision: str  # "day", "month" or "year"
    source: str  # "json-ld", "meta:<name>", "microdata", "time", "label" (text), "text" (comment dates)
    kind: str  # "published", "modified", "comment", or "time" (an unlabelled <time>)
    stamp: Stamp | None = None


_UPDATED_WORDS = re.compile(r"updat|modif|aktualisiert|geändert|editiert|bearbeitet|mis à jour|actualiz|aggiorn"
                            r"|revis", re.IGNORECASE)
_PUBLISHED_CLASS = re.compile(r"publish|entry-date|pubdate|create|post-date|posted|datePublished", re.IGNORECASE)


def _ld_candidates(pm: PageMeta) -> list[Candidate]:
    out = []
    for key, kind in (("datePublished", "published"), ("dateCreated", "published"), ("uploadDate", "published"),
                      ("dateModified", "modified")):
        value = pm.ld_value(key)
        stamp = parse_stamp(value)
        if stamp and plausible(stamp.day):
            out.append(Candidate(stamp.day, stamp.precision, "json-ld", kind, stamp))
    return out


def _meta_candidates(pm: PageMeta) -> list[Candidate]:
    out = []
    for names, kind in ((PUBLISHED_META, "published"), (MODIFIED_META, "modified")):
        for name in names:
            for value in pm.meta.get(name, ()):
                stamp = parse_stamp(value)
                if stamp and plausible(stamp.day):
                    out.append(Candidate(stamp.day, stamp.precision, "meta:" + name, kind, stamp))
                    break
    return out


def _element_stamp(el: Any) -> Stamp | None:
    """The date an element carries; for a UTC time stamp the day shown to readers, when it shows one."""
    text = " ".join((el.text_content() or "").split())
    shown = parse_stamp(text) if 6 <= len(text) <= 40 else None
    for attr in ("datetime", "content"):
        value = (el.get(attr) or "").strip()
        stamp = parse_stamp(value)
        if stamp and shown and shown.precision == "day" and stamp.day != shown.day and not value[:4].isdigit():
            return shown  # "01-11-2023" in the attribute, "1. November 2023" on the page
        if stamp:
            if stamp.offset == 0 and stamp.minutes and shown and shown.precision == "day" and shown.offset is None:
                if abs((shown.day - stamp.day).days) == 1:
                    return shown  # the page rendered the UTC time in its own zone
                if shown.day == stamp.day:
                    return replace(stamp, offset=None)  # ... or shows UTC days: the written day stands
            return stamp
    return shown


_COMMENTS = re.compile(r"(?:^|[-_])(?:comments?|commentlist|kommentare?|repl(?:y|ies)|respond)(?:[-_]|$)",
                       re.IGNORECASE)


def _is_comments(el: Any) -> bool:
    """True for an element whose class or id names a comment section ("comment-list", "comment__date")."""
    names = ((el.get("class") or "") + " " + (el.get("id") or "")).split()
    return any(_COMMENTS.search(n) for n in names if not n.lower().startswith(("category-", "tag-")))


def _in_comments(el: Any) -> bool:
    """True for an element inside a reader-comment section (its dates are not the article's)."""
    return any(_is_comments(anc) for anc in el.iterancestors())


# Elements whose class contains "date" in any case, found by libxml2.
_DATE_CLASS = ".//*[contains(translate(@class, 'DATE', 'date'), 'date')]"


def _comment_dates(tree: Any) -> list[Candidate]:
    """Dates shown in reader comments outside <time> elements (class "comment__date" and the like)."""
    out = []
    for el in tree.xpath(_DATE_CLASS):
        if el.tag != "time" and (_is_comments(el) or len(el) == 0 and _in_comments(el)):
            stamp = _element_stamp(el)
            if stamp and plausible(stamp.day):
                out.append(Candidate(stamp.day, stamp.precision, "text", "comment", stamp))
    return out


def _body_candidates(tree: Any) -> list[Candidate]:
    """Microdata and <time> elements in the page body, in document order."""
    out = []
    for el in tree.iter("time", "{*}time"):
        stamp = _element_stamp(el)
        if not stamp or not plausible(stamp.day):
            continue
        if _in_comments(el):
            out.append(Candidate(stamp.day, stamp.precision, "time", "comment", stamp))
            continue
        label = " ".join(filter(None, (el.get("class"), el.get("itemprop"), el.get("id"))))
        around = (el.text_content() or "")[:60]
        parent = el.getparent()
        if parent is not None:
            around += " " + (parent.text or "")[:40] + " " + " ".join(filter(None, (parent.get("class"),)))
        if _UPDATED_WORDS.search(label) or _UPDATED_WORDS.search(around):
            kind = "modified"
        elif el.get("pubdate") is not None or _PUBLISHED_CLASS.search(label):
            kind = "published"
        else:
            kind = "time"
        out.append(Candidate(stamp.day, stamp.precision, "time", kind, stamp))
    for el in tree.iterfind(".//*[@itemprop]"):
        prop = (el.get("itemprop") or "").lower()
        if el.tag == "meta" or prop not in ("datepublished", "datecreated", "datemodified"):
            continue
        stamp = _element_stamp(el)
        if stamp and plausible(stamp.day):
            kind = "modified" if prop == "datemodified" else "published"
            out.append(Candidate(stamp.day, stamp.precision, "microdata", kind, stamp))
    return out


_LABEL_ON = r"(?:\s+(?:am|vom|on|le|du|il|el|em|op))?\s*:?\s*(?:[^\W\d]{2,10}\.?,\s*)?"
_PUBLISHED_LABEL = re.compile(
    r"\b(?:ver[öo]ffentlicht|erschienen|publiziert|published|posted|publié|pubblicato|publicado|gepubliceerd)"
    + _LABEL_ON + "(?:" + TEXT_DATE + ")", re.IGNORECASE)
_UPDATED_LABEL = re.compile(
    r"\b(?:aktualisiert|letzte [äa]nderung|zuletzt ge[äa]ndert|ge[äa]ndert|updated|last modified|modified"
    r"|mis à jour|modifié|aggiornato|actualizado|bijgewerkt)" + _LABEL_ON + "(?:" + TEXT_DATE + ")", re.IGNORECASE)


def _page_text(pm: PageMeta) -> str:
    """The text of the page body without scripts and styles, whitespace collapsed."""
    return " ".join(" ".join(pm.text).split())


def _label_candidates(pm: PageMeta) -> list[Candidate]:
    """Dates the page text labels as published ("Erschienen am 01.11.2023") or updated; the first of each."""
    text = _page_text(pm)
    out = []
    for pattern, kind in ((_PUBLISHED_LABEL, "published"), (_UPDATED_LABEL, "modified")):
        for m in pattern.finditer(text):
            day = text_date(m)
            if day and plausible(day):
                out.append(Candidate(day, "day", "label", kind))
                break
    return out


def _page_languages(tree: Any, pm: PageMeta) -> tuple[str, ...] | None:
    """The languages to read the page's dates in: its own and English; None (all) when unknown.

    The page's own is the one it declares (`<html lang>`, `og:locale`, JSON-LD
    `inLanguage`), else the one fastText identifies in its text.
    """
    declared = (tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
                or pm.first("og:locale", "content-language", "language", "dc.language")
                or pm.ld_value("inLanguage"))
    code = declared.strip().replace("_", "-").split("-")[0].lower() if isinstance(declared, str) else ""
    if code not in html_tuning.dateparser_languages():
        code = detect_language(_page_text(pm)) or ""
    if code not in html_tuning.dateparser_languages():
        return None
    return tuple(dict.fromkeys((code, "en")))


def _htmldate(tree: Any, url: str | None, extensive: bool, pm: PageMeta) -> Found | None:
    import warnings

    from htmldate import find_date
    from htmldate.extractors import try_date_expr

    html_tuning.apply()
    languages = _page_languages(tree, pm) if extensive else None
    try:
        with warnings.catch_warnings(), html_tuning.date_languages(languages):
            warnings.simplefilter("ignore")  # dateutil warns about time-zone names it cannot read
            if extensive:
                # Its cache of parsed strings does not know the language they were read in:
                # a page's result must not depend on the pages read before it.
                try_date_expr.cache_clear()
            # htmldate >= 1.11 copies a tree it is given before pruning it: ours stays intact
            value = find_date(tree, url=url, original_date=True, extensive_search=extensive,
                              outputformat="%Y-%m-%d", deferred_url_extractor=True)
    except Exception:  # htmldate is lenient but not proof against every page
        return None
    found = parse_date(value) if value else None
    if found and plausible(found[0]):
        return found[0], "day", "text"
    return None


_GENERIC_META = {"meta:date", "meta:dc.date", "meta:dcterms.date", "meta:created"}
# Votes per kind of evidence (measured on the dates benchmark, see bench/dates.py).
# htmldate echoing a date we already hold adds nothing (it mostly read the same tag); measured: an echo
# weight of 1 turned two disagreements between a generic <meta name=date> and a <time> into wrong days.
_WEIGHTS = {"microdata": 3.0, "json-ld": 2.0, "meta": 2.0, "meta-generic": 1.0, "time-published": 2.0,
            "time": 1.0, "label": 2.0, "url": 3.0, "htmldate-alone": 2.0, "htmldate-echo": 0.0,
            "htmldate-extensive": 1.0}
_SOURCE_NAMES = {"microdata": "meta", "json-ld": "json-ld", "meta": "meta", "meta-generic": "meta",
                 "time-published": "meta", "time": "meta", "label": "text", "url": "url"}


def collect(tree: Any, pm: PageMeta) -> list[Candidate]:
    """Every machine-readable date the page offers (JSON-LD, <meta>, microdata, <time>)."""
    return (_ld_candidates(pm) + _meta_candidates(pm) + _body_candidates(tree) + _label_candidates(pm)
            + _comment_dates(tree))


def page_zone(cands: list[Candidate], tree: Any, url: str | None) -> Any:
    """The time zone for UTC time stamps: the page's own UTC offset, else a guess from language and domain."""
    offsets = Counter(c.stamp.offset for c in cands if c.stamp and c.stamp.offset)
    if offsets:
        return dt.timezone(dt.timedelta(minutes=offsets.most_common(1)[0][0]))
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    host = urlsplit(url).hostname if url else None
    return zone_for(lang, host)


def _swapped(day: dt.date, votes: Counter[dt.date]) -> bool:
    return day.day <= 12 and day.day != day.month and any(
        (v.year, v.month, v.day) == (day.year, day.day, day.month) for v in votes)


def _vote_key(c: Candidate, first_time: bool) -> str | None:
    if c.kind in ("modified", "comment") or c.precision != "day":
        return None
    if c.source == "time":
        if not first_time:
            return None
        return "time-published" if c.kind == "published" else "time"
    if c.source.startswith("meta:"):
        return "meta-generic" if c.source in _GENERIC_META else "meta"
    return c.source


def page_date(tree: Any, pm: PageMeta, url: str | None) -> Found | None:
    """The original publication date with its precision and source, or None when evidence is weak.

    A day in the URL wins outright. Otherwise every source votes for the day it
    gives (UTC time stamps turned into the publisher's local day): microdata
    datePublished, JSON-LD, <meta> published dates, the first <time> element,
    and htmldate's fast scan (counted fully only when it found a date none of
    those gave, and not at all when it echoes a modification date). htmldate's
    costly search of the page text runs only when nothing else voted. A tie
    between different days gives no day.
    """
    in_url = date_from_url(url)
    if in_url and not plausible(in_url[0]):
        in_url = None
    if in_url and in_url[1] == "day":
        return in_url[0], "day", "url"
    cands = collect(tree, pm)
    zone = page_zone(cands, tree, url)
    utc_days = {c.day for c in cands if c.stamp and c.stamp.offset == 0}
    if utc_days and any(c.day in utc_days and c.stamp and c.stamp.offset is None and c.stamp.minutes
                        and c.source in ("time", "microdata") for c in cands):
        zone = None  # the page shows the UTC day of its own UTC time stamps
    votes: Counter[dt.date] = Counter()
    source: dict[dt.date, tuple[float, str]] = {}
    shifted: dict[dt.date, dt.date] = {}
    seen: set[str] = set()
    first_time = True
    for c in cands:
        day = c.stamp.local_day(zone) if c.stamp else c.day
        if day != c.day:
            shifted[c.day] = day
        key = _vote_key(c, first_time)
        if c.source == "time" and c.kind != "comment":
            first_time = False
        if key is None or key in seen:
            continue
        seen.add(key)
        weight = _WEIGHTS[key]
        votes[day] += weight
        if weight > source.get(day, (0.0, ""))[0]:
            source[day] = (weight, _SOURCE_NAMES[key])
    fast = _htmldate(tree, url, extensive=False, pm=pm)
    if fast:
        day = shifted.get(fast[0], fast[0])
        if day in votes:
            votes[day] += _WEIGHTS["htmldate-echo"]
        elif _swapped(day, votes):  # the same digits read the other way round: ambiguous
            return _decide(Counter(), source, in_url)
        elif not any(c.day == fast[0] and (c.kind == "comment" or c.kind == "modified" and votes) for c in cands):
            if (day.month, day.day) == (1, 1):  # htmldate's guess from a bare year
                return (day, "year", "text") if not votes else _decide(votes, source, in_url)
            votes[day] += _WEIGHTS["htmldate-alone"]
            source[day] = (_WEIGHTS["htmldate-alone"], "text")
        # else: htmldate fell back on a modification date: no vote
    if not votes:
        ext = _htmldate(tree, url, extensive=True, pm=pm)
        if ext and not any(c.day == ext[0] and c.kind == "comment" for c in cands):
            day = shifted.get(ext[0], ext[0])
            if (day.month, day.day) == (1, 1):
                return day, "year", "text"
            votes[day] += _WEIGHTS["htmldate-extensive"]
            source[day] = (_WEIGHTS["htmldate-extensive"], "text")
    best = _decide(votes, source, in_url)
    if best and best[1] == "day" and (best[0].month, best[0].day) == (1, 1) and not any(
            c.stamp and c.stamp.minutes and c.day == best[0] for c in cands):
        return best[0], "year", best[2]  # 1 January without a time of day: as likely a bare year
    return best


def _decide(votes: Counter[dt.date], source: dict[dt.date, tuple[float, str]],
            in_url: tuple[dt.date, str] | None) -> Found | None:
    if not votes:
        return (in_url[0], "month", "url") if in_url else None
    ranked = votes.most_common()
    best, weight = ranked[0]
    if len(ranked) > 1 and ranked[1][1] >= weight:  # a tie: no day, but a month if they share it
        rival = ranked[1][0]
        if (rival.year, rival.month) == (best.year, best.month):
            return best.replace(day=1), "month", source[best][1]
        return (in_url[0], "month", "url") if in_url else None
    if in_url and ((best.year, best.month) != (in_url[0].year, in_url[0].month)
                   or (best == in_url[0] and source[best][1] == "text")):
        return in_url[0], "month", "url"  # a month from the URL: accept a day only inside it
    return best, "day", source[best][1]
