"""The dates a parsed HTML page offers for its publication, each with the source that gives it."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from indexer import html_tuning
from indexer.date_text import (
    headline_days, headline_places, month_first, numeric_day, page_lang, written_days, year_spans,
)
from indexer.dates import (
    MODIFIED_META, PUBLISHED_META, TEXT_DATE, Stamp, date_from_url, parse_date, parse_stamp, plausible, text_date,
    zone_for,
)
from indexer.html_meta import PageMeta
from indexer.language import detect_language

# The sources a publication date can come from, each counted once per page:
# the page's URL; its JSON-LD, <meta> tags and microdata; <time> elements
# labelled as the publication time and the first unlabelled one; a
# "Published ..." label in its text; the date written nearest its headline (its
# dateline or byline); htmldate's scan of the page's header and elements
# ("htmldate"), and htmldate's search of the whole page text ("text").
SOURCES = ("url", "json-ld", "meta", "microdata", "time-published", "time", "label", "headline", "htmldate", "text")


@dataclass
class Candidate:
    """One date a page offers, with where it came from."""

    day: dt.date
    precision: str  # "day", "month" or "year"
    source: str  # "json-ld", "meta:<name>", "microdata", "time" or "label" (a label in the text)
    kind: str  # "published", "modified", "comment", or "time" (an unlabelled <time>)
    stamp: Stamp | None = None


@dataclass
class Evidence:
    """What a page says about its publication date, source by source, before any judgement."""

    days: dict[str, dt.date] = field(default_factory=dict)  # source (of SOURCES) -> the day it gives
    url_month: dt.date | None = None  # first of the month a URL gives without a day (/2019/11/)
    modified: frozenset[dt.date] = frozenset()  # days the page gives as its last change
    written: frozenset[dt.date] = frozenset()  # days written out anywhere in the page text
    headline: tuple[dt.date, ...] = ()  # days written next to the headline, the nearest first
    search: Callable[[], dt.date | None] | None = None  # htmldate's costly text search, run on demand

    def text(self) -> dt.date | None:
        """The day htmldate's search of the page text finds (run once, on the first call)."""
        if self.search is not None:
            found, self.search = self.search(), None
            if found:
                self.days["text"] = found
        return self.days.get("text")


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


def _element_stamp(el: Any, us: bool = False) -> Stamp | None:
    """The date an element carries: its machine-readable attribute, else the date its text shows.

    A UTC time stamp is read as the day the element shows readers when that is
    within a day of it (the publisher's own calendar day). A slashed date it
    shows is read day first unless the page is American (`us`).
    """
    text = " ".join((el.text_content() or "").split())
    shown = None
    if 6 <= len(text) <= 40:
        slashed = numeric_day(text, us)
        shown = Stamp(slashed, "day") if slashed else parse_stamp(text)
    for attr in ("datetime", "content"):
        stamp = parse_stamp((el.get(attr) or "").strip())
        if stamp:
            if (stamp.offset == 0 and stamp.minutes and shown and shown.precision == "day"
                    and abs((shown.day - stamp.day).days) <= 1):
                return replace(stamp, day=shown.day, offset=None)
            return stamp
    return shown


_COMMENTS = re.compile(r"(?:^|[-_])(?:comments?|commentlist|kommentare?|repl(?:y|ies)|respond)(?:[-_]|$)",
                       re.IGNORECASE)


def _is_comments(el: Any) -> bool:
    """True for an element whose class or id names a comment section ("comment-list", "comments")."""
    names = ((el.get("class") or "") + " " + (el.get("id") or "")).split()
    return any(_COMMENTS.search(n) for n in names if not n.lower().startswith(("category-", "tag-")))


def _in_comments(el: Any) -> bool:
    """True for an element inside a reader-comment section (its dates are not the article's)."""
    return any(_is_comments(anc) for anc in el.iterancestors())


def _body_candidates(tree: Any, us: bool = False) -> list[Candidate]:
    """Microdata and <time> elements in the page body, in document order."""
    out = []
    for el in tree.iter("time", "{*}time"):
        stamp = _element_stamp(el, us)
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
        stamp = _element_stamp(el, us)
        if stamp and plausible(stamp.day):
            kind = "modified" if prop == "datemodified" else "published"
            out.append(Candidate(stamp.day, stamp.precision, "microdata", kind, stamp))
    return out


# A label ("Posted by Jane Doe on", "Datum:", "Veröffentlicht am Mittwoch,") and the date after it, up
# to its year, fit in LABEL_REACH characters (the page text's whitespace is collapsed).
LABEL_REACH = 120
_LABEL_ON = r"(?:\s+(?:am|vom|on|le|du|il|el|em|op))?\s*:?\s*(?:[^\W\d]{2,10}\.?,\s*)?"
_BY = r"(?:\s+(?:by|von|par|por|da|door):?\s+[^\W\d][^\d,;:|]{1,40}?)?"  # "Posted by Jane Doe on ..."
_PUBLISHED_LABEL = re.compile(
    r"\b(?:(?:ver[öo]ffentlicht|erschienen|publiziert|published|posted|publié|pubblicato|publicado|gepubliceerd)"
    + _BY + r"|(?:datum|date|fecha)(?=\s*:|\s+\d))" + _LABEL_ON + "(?:" + TEXT_DATE + ")", re.IGNORECASE)
_UPDATED_LABEL = re.compile(
    r"\b(?:aktualisiert|letzte [äa]nderung|zuletzt ge[äa]ndert|ge[äa]ndert|updated|last modified|modified"
    r"|mis à jour|modifié|aggiornato|actualizado|bijgewerkt)" + _LABEL_ON + "(?:" + TEXT_DATE + ")", re.IGNORECASE)


def _page_text(pm: PageMeta) -> str:
    """The text of the page body without scripts and styles, whitespace collapsed."""
    return " ".join(" ".join(pm.text).split())


def _label_candidates(text: str) -> list[Candidate]:
    """Dates the page text labels as published ("Erschienen am 01.11.2023") or updated; the first of each.

    A labelled date ends with its four-digit year, at most LABEL_REACH
    characters after the label starts: the patterns are tried only there.
    """
    out = []
    spans = year_spans(text, 0, len(text), before=LABEL_REACH)
    for pattern, kind in ((_PUBLISHED_LABEL, "published"), (_UPDATED_LABEL, "modified")):
        found = (text_date(m) for start, end in spans for m in pattern.finditer(text, start, end))
        day = next((d for d in found if d and plausible(d)), None)
        if day:
            out.append(Candidate(day, "day", "label", kind))
    return out


def _page_languages(tree: Any, pm: PageMeta) -> tuple[str, ...] | None:
    """The languages to read the page's dates in: its own and English; None (all) when unknown.

    The page's own is the one it declares (`<html lang>`, `og:locale`, JSON-LD
    `inLanguage`), else the one fastText identifies in its text.
    """
    declared = (page_lang(tree) or pm.first("og:locale", "content-language", "language", "dc.language")
                or pm.ld_value("inLanguage"))
    code = declared.strip().replace("_", "-").split("-")[0].lower() if isinstance(declared, str) else ""
    if code not in html_tuning.dateparser_languages():
        code = detect_language(_page_text(pm)) or ""
    if code not in html_tuning.dateparser_languages():
        return None
    return tuple(dict.fromkeys((code, "en")))


def htmldate_day(tree: Any, url: str | None, extensive: bool, pm: PageMeta) -> dt.date | None:
    """The original publication day htmldate finds: in the page's header and elements, or (extensive) its text."""
    import warnings

    from htmldate import find_date
    from htmldate.extractors import try_date_expr

    html_tuning.apply()
    languages = _page_languages(tree, pm) if extensive else None
    try:
        with warnings.catch_warnings(), html_tuning.date_languages(languages):
            warnings.simplefilter("ignore")  # dateutil warns about time-zone names it cannot read
            # Its cache of parsed strings does not know the language they were read in:
            # a page's result must not depend on the pages read before it.
            try_date_expr.cache_clear()
            # htmldate >= 1.11 copies a tree it is given before pruning it: ours stays intact
            value = find_date(tree, url=url, original_date=True, extensive_search=extensive,
                              outputformat="%Y-%m-%d", deferred_url_extractor=True)
    except Exception:  # htmldate is lenient but not proof against every page
        return None
    found = parse_date(value) if value else None
    return found[0] if found and plausible(found[0]) else None


def collect(tree: Any, pm: PageMeta, text: str, us: bool = False) -> list[Candidate]:
    """Every date the page offers (JSON-LD, <meta>, microdata, <time>, labels in `text`); `us`: month first."""
    return (_ld_candidates(pm) + _meta_candidates(pm) + _body_candidates(tree, us) + _label_candidates(text))


def page_zone(cands: list[Candidate], tree: Any, url: str | None) -> Any:
    """The time zone for UTC time stamps: the page's own UTC offset, else a guess from language and domain."""
    offsets = Counter(c.stamp.offset for c in cands if c.stamp and c.stamp.offset)
    if offsets:
        return dt.timezone(dt.timedelta(minutes=offsets.most_common(1)[0][0]))
    host = urlsplit(url).hostname if url else None
    return zone_for(page_lang(tree), host)


def _source(c: Candidate) -> str:
    """The source (of SOURCES) a published-date candidate counts for."""
    if c.source.startswith("meta:"):
        return "meta"
    if c.source == "time":
        return "time-published" if c.kind == "published" else "time"
    return c.source


def gather(tree: Any, pm: PageMeta, url: str | None) -> Evidence:
    """The publication day each source of the page gives (UTC time stamps as the publisher's local day).

    Each source counts once, with the first date it gives. htmldate's header
    scan mostly reads the same tags as ours: when it gives the day a tag
    states, it counts for the local day of that tag. Its search of the page
    text is costly and runs only when `Evidence.text` is asked for.
    """
    ev = Evidence()
    in_url = date_from_url(url)
    if in_url and plausible(in_url[0]):
        if in_url[1] == "day":
            ev.days["url"] = in_url[0]
        else:
            ev.url_month = in_url[0]
    text = _page_text(pm)
    us = month_first(page_lang(tree), url)
    cands = collect(tree, pm, text, us)
    zone = page_zone(cands, tree, url)
    local: dict[dt.date, dt.date] = {}
    modified = set()
    for c in cands:
        day = c.stamp.local_day(zone) if c.stamp else c.day
        local.setdefault(c.day, day)
        if c.precision != "day":
            continue
        if c.kind == "modified":
            modified.add(day)
        elif c.kind != "comment":
            ev.days.setdefault(_source(c), day)
    ev.modified, ev.written = frozenset(modified), written_days(text, us)
    ev.headline = headline_days(text, headline_places(text, pm.h1, pm.title_tag), us)
    if ev.headline:
        ev.days["headline"] = ev.headline[0]
    scanned = htmldate_day(tree, url, False, pm)
    if scanned:
        ev.days["htmldate"] = local.get(scanned, scanned)

    def search() -> dt.date | None:
        found = htmldate_day(tree, url, True, pm)
        return local.get(found, found) if found else None

    ev.search = search
    return ev
