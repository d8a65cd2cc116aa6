"""Settings of the HTML libraries' own objects that make extraction cheaper without changing its text.

Each setting was checked the same way: title, body, date, outlet, authors and
age banner of every page of the shared extraction and date sets (585 real news
pages) are identical with and without it, and `tests/test_html_extraction.py`
keeps the extraction scores. `apply()` is idempotent and is called before the
first page is parsed.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from contextvars import ContextVar
from typing import Iterator

_APPLIED = False


def apply() -> None:
    """Apply every setting below once in this process."""
    global _APPLIED
    if _APPLIED:
        return
    _element_classes_in_c()
    _quicker_readability_cleaner()
    _dateparser_in_page_language()
    _APPLIED = True


def element_lookup():
    """An lxml class lookup that gives every element lxml.html's `HtmlElement` class, decided in C.

    lxml.html's parsers choose each element's class through
    `HtmlElementClassLookup`, a Python method that lxml calls whenever it
    creates the Python object of an element: every step of every tree walk of
    trafilatura, readability, htmldate and our own metadata readers. That was
    about 6% of a page's extraction time. The only classes it adds are the
    form-field ones (`FormElement`, `InputElement`...), whose form methods no
    extractor uses; comments, processing instructions and entities keep their
    lxml.html classes.
    """
    from lxml import etree
    from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction

    return etree.ElementDefaultClassLookup(element=HtmlElement, comment=HtmlComment,
                                           pi=HtmlProcessingInstruction, entity=HtmlEntity)


def _element_classes_in_c() -> None:
    """Trafilatura's parser (our page trees) and readability's parser use `element_lookup()`."""
    import trafilatura.utils
    from readability import htmls

    lookup = element_lookup()
    for parser in (trafilatura.utils.HTML_PARSER, htmls.utf8_parser):
        parser.set_element_class_lookup(lookup)


def _quicker_readability_cleaner() -> None:
    """readability-lxml's page cleaner, without rewriting every link of the page.

    Its module-level `Cleaner(javascript=True)` drops `javascript:` hrefs and `on*`
    attributes, a third of readability's time on news pages; neither changes the
    text it extracts (scripts, styles and comments are still removed).
    """
    from readability import readability as module

    cleaner = module.html_cleaner
    if getattr(cleaner, "javascript", False):
        quicker = copy.copy(cleaner)
        quicker.javascript = False
        module.html_cleaner = quicker


# htmldate 1.11's settings for its dateparser fallback (htmldate.extractors.get_external_parser);
# tests/test_html_tuning.py checks that they are still htmldate's own.
HTMLDATE_SETTINGS = {
    "NORMALIZE": True,
    "PARSERS": ["custom-formats", "absolute-time"],
    "PREFER_DATES_FROM": "past",
    "PREFER_LOCALE_DATE_ORDER": True,
    "RETURN_AS_TIMEZONE_AWARE": False,
    "STRICT_PARSING": True,
}
_DATE_LANGUAGES: ContextVar[tuple[str, ...] | None] = ContextVar("date_languages", default=None)
_htmldate_parser = None  # htmldate's own factory (tests compare its settings with ours)


@contextlib.contextmanager
def date_languages(languages: tuple[str, ...] | None) -> Iterator[None]:
    """Within this block htmldate's dateparser fallback reads dates in these languages only (None: all)."""
    token = _DATE_LANGUAGES.set(languages)
    try:
        yield
    finally:
        _DATE_LANGUAGES.reset(token)


@functools.lru_cache(maxsize=64)
def _date_parser(languages: tuple[str, ...] | None):
    from dateparser import DateDataParser

    return DateDataParser(languages=list(languages) if languages else None, settings=HTMLDATE_SETTINGS)


def _external_parser():
    return _date_parser(_DATE_LANGUAGES.get())


@functools.lru_cache(maxsize=1)
def dateparser_languages() -> frozenset[str]:
    """The language codes dateparser has locales for ("en", "es", "zh"...)."""
    from dateparser.languages.loader import default_loader

    return frozenset(default_loader.get_locale_map())


def _dateparser_in_page_language() -> None:
    """htmldate's last-resort dateparser call, limited to the languages `date_languages` names.

    htmldate asks dateparser for every one of its 205 locales. The first string
    that no locale reads makes dateparser compile every locale's word patterns:
    1.3 s of CPU in each extraction process (a tenth of a 585-page ingest on two
    cores). With `date_languages(("es", "en"))` only those locales are compiled
    and tried (indexer.html_date passes the page's declared or identified language
    and English); outside such a block, or with None, every locale is tried, as
    htmldate does.
    """
    global _htmldate_parser
    import htmldate.extractors

    if htmldate.extractors.get_external_parser is not _external_parser:
        _htmldate_parser = htmldate.extractors.get_external_parser
        htmldate.extractors.get_external_parser = _external_parser


__all__ = ["apply", "element_lookup", "date_languages", "dateparser_languages", "HTMLDATE_SETTINGS"]
