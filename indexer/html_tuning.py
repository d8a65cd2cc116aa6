"""Settings of the HTML libraries' own objects that make extraction cheaper without changing its text.

Each setting was checked the same way: title, body, date, outlet, authors and
age banner of every page of the shared extraction and date sets (585 real news
pages) are identical with and without it, and `tests/test_html_extraction.py`
keeps the extraction scores. `apply()` is idempotent and is called before the
first page is parsed.
"""

from __future__ import annotations

import copy

_APPLIED = False


def apply() -> None:
    """Apply every setting below once in this process."""
    global _APPLIED
    if _APPLIED:
        return
    _element_classes_in_c()
    _quicker_readability_cleaner()
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


__all__ = ["apply", "element_lookup"]
