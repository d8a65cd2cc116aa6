"""One canonical name per publication, from domains, site names and credits in the text."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Canonical outlet name -> domains it publishes on. Keep sorted by name.
OUTLET_DOMAINS: dict[str, tuple[str, ...]] = {
    "ABC News": ("abcnews.go.com",),
    "Agence France-Presse": ("afp.com",),
    "Al Jazeera": ("aljazeera.com", "aljazeera.net"),
    "Associated Press": ("apnews.com", "ap.org"),
    "Axios": ("axios.com",),
    "BBC News": ("bbc.co.uk", "bbc.com"),
    "Bloomberg": ("bloomberg.com",),
    "BuzzFeed News": ("buzzfeednews.com", "buzzfeed.com"),
    "CBS News": ("cbsnews.com",),
    "CNBC": ("cnbc.com",),
    "Chicago Tribune": ("chicagotribune.com",),
    "CNN": ("cnn.com",),
    "Daily Express": ("express.co.uk",),
    "Daily Mail": ("dailymail.co.uk",),
    "Deutsche Welle": ("dw.com",),
    "Die Zeit": ("zeit.de",),
    "Der Spiegel": ("spiegel.de",),
    "Financial Times": ("ft.com",),
    "Forbes": ("forbes.com",),
    "Fox Business": ("foxbusiness.com",),
    "Fox News": ("foxnews.com",),
    "Frankfurter Allgemeine Zeitung": ("faz.net",),
    "Gizmodo": ("gizmodo.com",),
    "HuffPost": ("huffpost.com", "huffingtonpost.com", "huffingtonpost.co.uk"),
    "Le Figaro": ("lefigaro.fr",),
    "Le Monde": ("lemonde.fr",),
    "Los Angeles Times": ("latimes.com",),
    "NBC News": ("nbcnews.com",),
    "New York Post": ("nypost.com",),
    "Newsweek": ("newsweek.com",),
    "NPR": ("npr.org",),
    "PBS NewsHour": ("pbs.org",),
    "Politico": ("politico.com", "politico.eu"),
    "Reuters": ("reuters.com",),
    "RT": ("rt.com",),
    "Sky News": ("news.sky.com",),
    "South China Morning Post": ("scmp.com",),
    "Süddeutsche Zeitung": ("sueddeutsche.de",),
    "TechCrunch": ("techcrunch.com",),
    "The Atlantic": ("theatlantic.com",),
    "The Economist": ("economist.com",),
    "The Hill": ("thehill.com",),
    "The Guardian": ("theguardian.com", "guardian.co.uk"),
    "The Independent": ("independent.co.uk",),
    "The New York Times": ("nytimes.com",),
    "The Sydney Morning Herald": ("smh.com.au",),
    "The Telegraph": ("telegraph.co.uk",),
    "The Times": ("thetimes.co.uk",),
    "The Verge": ("theverge.com",),
    "The Wall Street Journal": ("wsj.com",),
    "The Washington Post": ("washingtonpost.com",),
    "TIME": ("time.com",),
    "USA Today": ("usatoday.com",),
    "VICE News": ("news.vice.com", "vice.com"),
    "Vox": ("vox.com",),
    "Wired": ("wired.com", "wired.co.uk"),
}

# Other spellings people and pages use -> canonical name.
OUTLET_ALIASES: dict[str, str] = {
    "ap": "Associated Press",
    "afp": "Agence France-Presse",
    "bbc": "BBC News",
    "bbc news": "BBC News",
    "guardian": "The Guardian",
    "the guardian": "The Guardian",
    "new york times": "The New York Times",
    "nytimes": "The New York Times",
    "nytimes.com": "The New York Times",
    "nyt": "The New York Times",
    "washington post": "The Washington Post",
    "wall street journal": "The Wall Street Journal",
    "wsj": "The Wall Street Journal",
    "vice": "VICE News",
    "vice news": "VICE News",
    "huffington post": "HuffPost",
    "the huffington post": "HuffPost",
    "reuters": "Reuters",
    "thomson reuters": "Reuters",
    "time": "TIME",
    "time magazine": "TIME",
    "associated press": "Associated Press",
    "the associated press": "Associated Press",
    "agence france-presse": "Agence France-Presse",
    "agence france presse": "Agence France-Presse",
    "ft": "Financial Times",
    "the financial times": "Financial Times",
    "wired": "Wired",
    "bloomberg news": "Bloomberg",
    "bloomberg.com": "Bloomberg",
    "cnn.com": "CNN",
    "npr.org": "NPR",
    "the new york post": "New York Post",
    "ny post": "New York Post",
    "express.co.uk": "Daily Express",
    "the independent": "The Independent",
    "independent": "The Independent",
    "the economist": "The Economist",
    "the atlantic": "The Atlantic",
    "the telegraph": "The Telegraph",
    "telegraph": "The Telegraph",
    "the verge": "The Verge",
    "the hill": "The Hill",
    "los angeles times": "Los Angeles Times",
    "la times": "Los Angeles Times",
    "usa today": "USA Today",
    "usatoday": "USA Today",
    "al jazeera english": "Al Jazeera",
    "aljazeera": "Al Jazeera",
    "daily mail online": "Daily Mail",
    "mail online": "Daily Mail",
    "spiegel online": "Der Spiegel",
    "der spiegel": "Der Spiegel",
    "zeit online": "Die Zeit",
    "bbc.com": "BBC News",
    "bbc.co.uk": "BBC News",
}

_DOMAIN_TO_OUTLET = {d: name for name, domains in OUTLET_DOMAINS.items() for d in domains}
_NAME_TO_OUTLET = {name.lower(): name for name in OUTLET_DOMAINS} | OUTLET_ALIASES


def outlet_for_domain(url_or_host: str | None) -> str | None:
    """The canonical outlet for a URL or host name from the domain table, if it is there."""
    if not url_or_host:
        return None
    host = urlsplit(url_or_host).hostname if "//" in url_or_host else url_or_host
    host = (host or "").lower().rstrip(".")
    while host:
        if host in _DOMAIN_TO_OUTLET:
            return _DOMAIN_TO_OUTLET[host]
        if "." not in host:
            break
        host = host.split(".", 1)[1]
    return None


def canonical_outlet(name: str | None) -> str | None:
    """Normalise an outlet name: known spellings map to one name, others are tidied."""
    if not name:
        return None
    cleaned = " ".join(name.split()).strip(" |-–—:")
    if not cleaned:
        return None
    key = cleaned.lower()
    if key in _NAME_TO_OUTLET:
        return _NAME_TO_OUTLET[key]
    by_domain = outlet_for_domain(key) if re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", key) else None
    return by_domain or cleaned


_CREDIT = re.compile(
    r"\b(?:told|said\s+to|speaking\s+to|in\s+an\s+interview\s+with)\s+"
    r"(?P<name>[A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*){0,3})")


def outlet_credited_in_text(text: str) -> str | None:
    """An outlet the text credits as its own ("... he told VICE News"), when it is a known one.

    Only names in the outlet table count, and the most often credited one wins,
    so a passing mention of another publication is not taken for the outlet.
    """
    counts: dict[str, int] = {}
    for m in _CREDIT.finditer(text):
        words = m.group("name").split()
        for n in range(len(words), 0, -1):
            name = _NAME_TO_OUTLET.get(" ".join(words[:n]).lower().rstrip(".,"))
            if name:
                counts[name] = counts.get(name, 0) + 1
                break
    if not counts:
        return None
    best = max(counts.items(), key=lambda kv: kv[1])
    return best[0]
