"""Age of an article: computed from its date when it is shown, never stored stale."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AgeBanner:
    """An age banner the publisher printed on the page ("This story is over 5 years old")."""

    text: str
    years: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "years": self.years}


@dataclass(frozen=True)
class AgeWarning:
    """The age warning shown to a reader, computed when the article is shown."""

    text: str
    years: int
    source: str  # "date" (computed from the publication date) or "banner"

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "years": self.years, "source": self.source}


# Disjoint bands for the age facet: (key, label, lower bound in years, upper bound).
AGE_BANDS = (
    ("lt1", "Under 1 year", 0, 1),
    ("1-5", "1 to 5 years", 1, 5),
    ("5-10", "5 to 10 years", 5, 10),
    ("10-20", "10 to 20 years", 10, 20),
    ("gt20", "Over 20 years", 20, None),
)
UNKNOWN_BAND = ("unknown", "Date unknown")


def today() -> dt.date:
    return dt.date.today()


def whole_years(published: dt.date, on: dt.date) -> int:
    """Whole years elapsed from `published` to `on` (a birthday-style count)."""
    years = on.year - published.year
    if (on.month, on.day) < (published.month, published.day):
        years -= 1
    return max(0, years)


def age_years(published: dt.date | None, banner: AgeBanner | None,
              on: dt.date | None = None) -> int | None:
    """The article's age in whole years: from its date, else from its banner, else None."""
    if published is not None:
        return whole_years(published, on or today())
    if banner is not None and banner.years is not None:
        return banner.years
    return None


def age_warning(published: dt.date | None, banner: AgeBanner | None,
                on: dt.date | None = None) -> AgeWarning | None:
    """The warning to show: "This story is over N years old" from 1 year on.

    A dated article is aged from its date against `on` (default today), so the
    warning never goes stale. An undated article with a publisher's banner keeps
    the banner's own claim.
    """
    if published is not None:
        years = whole_years(published, on or today())
        if years < 1:
            return None
        unit = "year" if years == 1 else "years"
        return AgeWarning(f"This story is over {years} {unit} old", years, "date")
    if banner is not None and banner.years:
        unit = "year" if banner.years == 1 else "years"
        return AgeWarning(f"This story is over {banner.years} {unit} old", banner.years, "banner")
    if banner is not None:
        return AgeWarning(banner.text.rstrip("."), 0, "banner")
    return None


def age_band(years: int | None) -> str:
    """The facet band key for an age in years (None means the date is unknown)."""
    if years is None:
        return UNKNOWN_BAND[0]
    for key, _label, low, high in AGE_BANDS:
        if years >= low and (high is None or years < high):
            return key
    return AGE_BANDS[-1][0]


def band_label(key: str) -> str:
    for band_key, label, _low, _high in AGE_BANDS:
        if band_key == key:
            return label
    return UNKNOWN_BAND[1]


BAND_ORDER = [b[0] for b in AGE_BANDS] + [UNKNOWN_BAND[0]]
