"""Author bylines to person names: split, strip credentials and roles, set wire services apart."""

from __future__ import annotations

import re

# Wire services (and their spellings) -> the name recorded as the draft's agency.
AGENCIES: dict[str, str] = {
    "ap": "AP", "associated press": "AP", "the associated press": "AP", "ap staff": "AP",
    "reuters": "Reuters", "thomson reuters": "Reuters", "reuters staff": "Reuters",
    "afp": "AFP", "agence france-presse": "AFP", "agence france presse": "AFP", "afp staff": "AFP",
    "bloomberg": "Bloomberg", "bloomberg news": "Bloomberg",
    "pa": "PA Media", "pa media": "PA Media", "press association": "PA Media", "pa wire": "PA Media",
    "upi": "UPI", "united press international": "UPI",
    "dpa": "dpa", "deutsche presse-agentur": "dpa", "efe": "EFE", "ansa": "ANSA",
    "kyodo": "Kyodo", "kyodo news": "Kyodo", "xinhua": "Xinhua", "tass": "TASS",
    "cnn wire": "CNN Wire", "tribune news service": "Tribune News Service",
    "canadian press": "The Canadian Press", "the canadian press": "The Canadian Press",
    "aap": "AAP", "australian associated press": "AAP", "ians": "IANS", "pti": "PTI",
    "press trust of india": "PTI", "anp": "ANP", "apa": "APA", "sda": "SDA", "ap/reuters": "AP",
}

_PREFIX = re.compile(r"^\s*(?:(?:written|posted|reported|compiled|edited|story|words|text|photos?)\s+)?"
                     r"(?:by|von|par|por|door|di|av|af)\s*[:\-]?\s+", re.IGNORECASE)
_SPLIT = re.compile(r"(?<=[a-z]{3})\.\s+|\s*(?:,|;|\||/|•|·|\n|\band\b|\bund\b|\bet\b|\by\b|&|\bwith\b)\s*", re.IGNORECASE)
_NOISE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|(?<!\w)@\w+|\(.*?\)|\[.*?\]")
_CREDENTIAL = re.compile(
    r"^(?:ph\.?d|m\.?d|r\.?n|mba|cpa|esq|dr|prof|jr|sr|ii|iii|msc|ma|bsc|llb|facs|frcp)\.?$",
    re.IGNORECASE)
# Words that make a byline piece a role or an organisation, not a person.
_ROLE_WORDS = {
    "staff", "writer", "writers", "reporter", "reporters", "editor", "editors", "editorial",
    "correspondent", "contributor", "contributors", "columnist", "desk", "team", "news", "newsroom",
    "bureau", "service", "services", "agency", "wire", "media", "press", "online", "digital",
    "updated", "published", "posted", "comments", "share", "follow", "twitter", "facebook",
    "admin", "administrator", "guest", "author", "authors", "senior", "special", "contributing",
    "producer", "photographer", "analyst", "intern", "magazine", "times", "post", "journal",
    "daily", "weekly", "herald", "tribune", "gazette", "network", "group", "inc", "ltd", "llc",
    "company", "office", "department", "university", "institute", "associate", "associated",
    "unknown", "anonymous", "webmaster", "redaktion", "rédaction", "redacción", "more", "view",
    "profile", "all", "posts", "international", "opinion", "sports", "business", "politics", "health", "science",
}
_PARTICLES = {"de", "da", "di", "del", "della", "der", "den", "van", "von", "la", "le", "du", "dos",
              "das", "bin", "binti", "ibn", "al", "el", "y", "e", "st.", "ter", "ten", "zu", "mc", "o'"}


def agency_name(text: str) -> str | None:
    """The wire service a byline piece names, or None."""
    key = " ".join(text.lower().replace(".", "").split()).strip(" -–—:")
    return AGENCIES.get(key)


def _tidy(piece: str) -> str:
    piece = _NOISE.sub(" ", piece)
    words = [w for w in piece.replace("\u00a0", " ").split() if not _CREDENTIAL.match(w.strip(",."))]
    return " ".join(words).strip(" ,.;:-–—|*'\"“”")


def _is_cased(ch: str) -> bool:
    return ch.isupper() or ch.islower()


def is_person_name(name: str) -> bool:
    """True for text shaped like a person's name (2-5 words, capitalised, no roles or digits)."""
    if not name or len(name) > 60 or any(c.isdigit() for c in name):
        return False
    words = name.split()
    if not words or len(words) > 5:
        return False
    if any(w.lower().strip(".,") in _ROLE_WORDS for w in words):
        return False
    if not _is_cased(name[0]):  # scripts without letter case: one or two words are fine
        return name[0].isalpha() and len(words) <= 3
    if len(words) < 2:
        return False
    for w in words:
        if w.lower() in _PARTICLES:
            continue
        if not (w[0].isupper() or (len(w) > 1 and w[0] in "'’" and w[1].isupper())):
            return False
        if not all(c.isalpha() or c in ".-'’" for c in w):
            return False
    return True


def _normalise_case(name: str) -> str:
    if name.isupper() and len(name) > 3:
        return " ".join(w.capitalize() if w.lower() not in _PARTICLES else w.lower() for w in name.split())
    return name


def _strip_roles(name: str) -> str:
    words = name.split()
    while len(words) > 2 and words[-1].lower().strip(".,") in _ROLE_WORDS:
        words.pop()
    while len(words) > 2 and words[0].lower().strip(".,") in _ROLE_WORDS:
        words.pop(0)
    return " ".join(words)


def clean_authors(raw: list[str] | str | None) -> tuple[list[str], str | None]:
    """Person names and the wire service (if any) from raw byline strings."""
    items = [raw] if isinstance(raw, str) else list(raw or [])
    names: list[str] = []
    agency: str | None = None
    for item in items:
        if not isinstance(item, str):
            continue
        text = _PREFIX.sub("", " ".join(item.split()))
        whole = agency_name(text)
        if whole:
            agency = agency or whole
            continue
        for piece in _SPLIT.split(text):
            piece = _PREFIX.sub("", piece)
            found = agency_name(piece)
            if found:
                agency = agency or found
                continue
            name = _strip_roles(_normalise_case(_tidy(piece)))
            lead = agency_name(name.split()[0]) if name else None
            if lead:  # "AP Auto Writer", "Reuters Staff"
                agency = agency or lead
                continue
            if is_person_name(name) and name.lower() not in {n.lower() for n in names}:
                names.append(name)
    return names, agency
