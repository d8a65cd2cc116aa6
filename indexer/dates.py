"""Publication dates: parse, validate and pick the most trustworthy one a page offers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

EARLIEST = dt.date(1800, 1, 1)
# Dates that are placeholders rather than facts.
PLACEHOLDERS = {dt.date(1970, 1, 1), dt.date(1900, 1, 1), dt.date(1899, 12, 30), dt.date(2000, 1, 1)}

# <meta> names that carry the original publication date, best first.
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "article:published", "og:published_time",
    "datepublished", "published_time", "article.published", "article_date_original", "pubdate",
    "publishdate", "publish-date", "publish_date", "publication_date", "publication-date",
    "sailthru.date", "parsely-pub-date", "dc.date.issued", "dcterms.issued", "dc.date.created",
    "dcterms.created", "dc.date", "dcterms.date", "date", "citation_publication_date",
    "citation_date", "originalpublicationdate", "article:post_date", "cxenseparse:recs:publishtime",
    "og:pubdate", "pub_date", "content_publish_date", "displaydate", "dc.date.published",
    "rnews:datepublished", "article.created", "created", "date_published", "datecreated",
    "last-modified-original",
)

# <meta> names that carry a modification date: an upper bound on publication, never the answer.
MODIFIED_META = (
    "article:modified_time", "og:updated_time", "article:modified", "datemodified", "modified_time",
    "dcterms.modified", "dc.date.modified", "last-modified", "lastmod", "parsely-updated", "updated",
    "dateupdated", "date_modified",
)

_ISO = re.compile(r"^\s*(\d{4})-?(\d{1,2})-?(\d{1,2})(?:[T\s|]|$|Z)")
_ISO_MONTH = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_SLASHED = re.compile(r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})\b")
_DMY = re.compile(r"^\s*(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\b")
_EPOCH = re.compile(r"^\s*(\d{10})(?:\d{3})?\s*$")
_URL_DAY = re.compile(r"/((?:19|20)\d{2})[/_-](0?[1-9]|1[0-2])[/_-](0?[1-9]|[12]\d|3[01])(?:/|[_-](?!\d)|\.|$)")
_URL_COMPACT = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:/|[_-]|$)")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_URL_NAMED = re.compile(r"/((?:19|20)\d{2})/(" + "|".join(_MONTHS) + r")[a-z]*/(0?[1-9]|[12]\d|3[01])/",
                        re.IGNORECASE)
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/")


def plausible(day: dt.date | None, today: dt.date | None = None) -> bool:
    """True for a date that can be a publication date (not before 1800, not in the future, no placeholder)."""
    if day is None:
        return False
    today = today or dt.date.today()
    return EARLIEST <= day <= today + dt.timedelta(days=1) and day not in PLACEHOLDERS


def _make(y: str | int, m: str | int, d: str | int) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def parse_date(value: Any) -> tuple[dt.date, str] | None:
    """A (date, precision) from a machine-readable date string, or None when it is not one."""
    if not isinstance(value, str):
        if isinstance(value, list) and value:
            return parse_date(value[0])
        return None
    text = value.strip()
    if not text:
        return None
    for pattern in (_ISO, _SLASHED):
        m = pattern.match(text)
        if m:
            day = _make(*m.groups())
            return (day, "day") if day else None
    m = _DMY.match(text)
    if m:
        day = _make(m.group(3), m.group(2), m.group(1))
        return (day, "day") if day else None
    m = _EPOCH.match(text)
    if m:
        try:
            return dt.datetime.fromtimestamp(int(m.group(1)), dt.timezone.utc).date(), "day"
        except (OverflowError, OSError, ValueError):
            return None
    m = _ISO_MONTH.match(text)
    if m:
        day = _make(m.group(1), m.group(2), 1)
        return (day, "month") if day else None
    m = _YEAR.match(text)
    if m:
        day = _make(m.group(1), 1, 1)
        return (day, "year") if day else None
    return _parse_words(text)


def _parse_words(text: str) -> tuple[dt.date, str] | None:
    if len(text) > 64 or not re.search(r"\d{4}", text):
        return None
    m = _TEXT_DATE.match(text)
    if m:
        day = text_date(m)
        return (day, "day") if day else None
    from dateutil import parser

    try:
        parsed = parser.parse(text, fuzzy=False, ignoretz=True, default=dt.datetime(1, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.year == 1:
        return None
    return parsed.date(), "day"


@dataclass(frozen=True)
class Stamp:
    """A date as written, with the time of day and the UTC offset when the text gives them."""

    day: dt.date
    precision: str
    minutes: int | None = None  # minutes after midnight, as written
    offset: int | None = None  # UTC offset in minutes as written (0 for Z/UTC/GMT); None when absent

    def local_day(self, zone: Any) -> dt.date:
        """The calendar day in `zone` (a name or a tzinfo) for a UTC time stamp; the written day otherwise."""
        if zone is None or self.offset != 0 or not self.minutes or self.precision != "day":
            return self.day  # 00:00 exactly is a bare date written as a time stamp
        if isinstance(zone, str):
            from zoneinfo import ZoneInfo

            zone = ZoneInfo(zone)
        moment = dt.datetime.combine(self.day, dt.time(self.minutes // 60, self.minutes % 60), dt.timezone.utc)
        try:
            return moment.astimezone(zone).date()
        except (KeyError, ValueError, OverflowError):
            return self.day


_TIME = re.compile(r"(?:^|[T\s|])(\d{1,2})(?::|h)(\d{2})(?::(\d{1,2}))?(?:[.,]\d+)?\s*"
                   r"(Z|UTC|GMT)?\s*(?:([+-])(\d{2}):?(\d{2}))?(?![\d:])")


def parse_stamp(value: Any) -> Stamp | None:
    """A `Stamp` from a machine-readable date-time string (ISO 8601, JavaScript dates), or None."""
    if isinstance(value, list):
        return parse_stamp(value[0]) if value else None
    if not isinstance(value, str):
        return None
    text = re.sub(r"\s*\([^)]*\)\s*$", "", value.strip())  # "... GMT+0000 (Coordinated Universal Time)"
    found = parse_date(text)
    if not found:
        return None
    m = _TIME.search(text[8:]) if len(text) > 10 else None
    minutes = offset = None
    if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
        minutes = int(m.group(1)) * 60 + int(m.group(2))
        if m.group(5):
            offset = (int(m.group(6)) * 60 + int(m.group(7))) * (-1 if m.group(5) == "-" else 1)
        elif m.group(4):
            offset = 0
    elif _EPOCH.match(text):
        offset, minutes = 0, int(_EPOCH.match(text).group(1)) % 86400 // 60
    return Stamp(found[0], found[1], minutes, offset)


# Regions by language tag and country-code domain: a zone whose calendar day the publisher uses.
_LANG_ZONES = {
    "de": "Europe/Berlin", "fr": "Europe/Paris", "it": "Europe/Rome", "es": "Europe/Madrid",
    "nl": "Europe/Amsterdam", "pl": "Europe/Warsaw", "cs": "Europe/Prague", "sk": "Europe/Bratislava",
    "hu": "Europe/Budapest", "da": "Europe/Copenhagen", "sv": "Europe/Stockholm", "nb": "Europe/Oslo",
    "no": "Europe/Oslo", "hr": "Europe/Zagreb", "sl": "Europe/Ljubljana", "sr": "Europe/Belgrade",
    "fi": "Europe/Helsinki", "el": "Europe/Athens", "ro": "Europe/Bucharest", "bg": "Europe/Sofia",
    "uk": "Europe/Kyiv", "ru": "Europe/Moscow", "tr": "Europe/Istanbul", "he": "Asia/Jerusalem",
    "ja": "Asia/Tokyo", "ko": "Asia/Seoul", "zh": "Asia/Shanghai", "pt": "Europe/Lisbon",
}
_REGION_ZONES = {
    "us": "America/New_York", "ca": "America/Toronto", "gb": "Europe/London", "uk": "Europe/London",
    "ie": "Europe/Dublin", "au": "Australia/Sydney", "nz": "Pacific/Auckland", "in": "Asia/Kolkata",
    "br": "America/Sao_Paulo", "mx": "America/Mexico_City", "ar": "America/Argentina/Buenos_Aires",
    "za": "Africa/Johannesburg", "de": "Europe/Berlin", "at": "Europe/Vienna", "ch": "Europe/Zurich",
    "fr": "Europe/Paris", "be": "Europe/Brussels", "it": "Europe/Rome", "es": "Europe/Madrid",
    "nl": "Europe/Amsterdam", "pl": "Europe/Warsaw", "pt": "Europe/Lisbon", "ru": "Europe/Moscow",
    "jp": "Asia/Tokyo", "il": "Asia/Jerusalem", "sg": "Asia/Singapore", "hk": "Asia/Hong_Kong",
    "ph": "Asia/Manila", "ng": "Africa/Lagos", "ke": "Africa/Nairobi", "se": "Europe/Stockholm",
    "dk": "Europe/Copenhagen", "no": "Europe/Oslo", "fi": "Europe/Helsinki", "cz": "Europe/Prague",
    "gr": "Europe/Athens", "tr": "Europe/Istanbul", "ua": "Europe/Kyiv", "lu": "Europe/Luxembourg",
}


def zone_for(lang: str | None, host: str | None) -> str | None:
    """The time zone a page most likely dates by, from its language tag and host, or None."""
    tag = (lang or "").strip().lower().replace("_", "-")
    base, _, region = tag.partition("-")
    tld = (host or "").lower().rstrip(".").rsplit(".", 1)[-1] if host and "." in host else ""
    if region[:2] in _REGION_ZONES:
        return _REGION_ZONES[region[:2]]
    if tld in _REGION_ZONES and (not base or base != "en" or tld in ("uk", "ie", "au", "nz", "in", "ca")):
        return _REGION_ZONES[tld]
    return _LANG_ZONES.get(base)


# Month names of the languages the archive holds most, for dates written out in page text.
MONTH_NAMES = {
    **{m: i + 1 for i, m in enumerate(("januar", "februar", "märz", "april", "mai", "juni", "juli", "august",
                                       "september", "oktober", "november", "dezember"))},
    **{m: i + 1 for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july",
                                       "august", "september", "october", "november", "december"))},
    **{m: i + 1 for i, m in enumerate(("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                                       "septembre", "octobre", "novembre", "décembre"))},
    **{m: i + 1 for i, m in enumerate(("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
                                       "agosto", "settembre", "ottobre", "novembre", "dicembre"))},
    **{m: i + 1 for i, m in enumerate(("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                                       "septiembre", "octubre", "noviembre", "diciembre"))},
    "jänner": 1, "maerz": 3, "sept": 9,
    **{m: i + 1 for i, m in enumerate(_MONTHS)},
}
_NAMES = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
TEXT_DATE = (r"(?:(?P<d1>\d{1,2})\.\s?(?P<m1>\d{1,2})\.\s?(?P<y1>\d{4})"
             r"|(?P<y2>\d{4})-(?P<m2>\d{2})-(?P<d2>\d{2})"
             r"|(?P<d3>\d{1,2})(?:\.|er|st|nd|rd|th)?\s+(?P<m3>" + _NAMES + r")\.?,?\s+(?P<y3>\d{4})"
             r"|(?P<m4>" + _NAMES + r")\.?\s+(?P<d4>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y4>\d{4}))")


def text_date(m: re.Match[str]) -> dt.date | None:
    """The day a match of TEXT_DATE names (dd.mm.yyyy, ISO, "3. Dezember 2011", "March 3, 2011")."""
    for i in "1234":
        if m.group("y" + i):
            month = m.group("m" + i)
            month = int(month) if month.isdigit() else MONTH_NAMES.get(month.lower().rstrip("."))
            return _make(m.group("y" + i), month or 0, m.group("d" + i))
    return None


_TEXT_DATE = re.compile(r"\s*(?:[^\W\d]{2,10}\.?,\s*)?(?:" + TEXT_DATE + r")(?![\d.])", re.IGNORECASE)


def date_from_url(url: str | None) -> tuple[dt.date, str] | None:
    """The date a URL path carries (/2019/11/18/ or /20191118/ gives a day, /2019/11/ a month)."""
    if not url:
        return None
    for pattern in (_URL_DAY, _URL_COMPACT):
        m = pattern.search(url)
        if m:
            day = _make(*m.groups())
            if day:
                return day, "day"
    m = _URL_NAMED.search(url)
    if m:
        day = _make(m.group(1), _MONTHS.index(m.group(2).lower()[:3]) + 1, m.group(3))
        if day:
            return day, "day"
    m = _URL_MONTH.search(url)
    if m:
        day = _make(m.group(1), m.group(2), 1)
        if day:
            return day, "month"
    return None
