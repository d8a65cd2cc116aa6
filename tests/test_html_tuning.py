"""What makes HTML extraction cheaper (indexer.html_tuning, readability's input) takes effect and keeps the text."""

from __future__ import annotations

from lxml.html import FormElement, HtmlComment, HtmlElement

from indexer.html import extract_html, parse_tree

PROSE = ("The harbour workers ended their strike on Thursday after nine days of talks, and the first ships "
         "were unloaded within hours, the port authority said in a statement. ")

PAGE = ("<html><head><title>Harbour strike ends | The Daily Example</title></head><body>"
        "<nav><a href='/'>Home</a></nav><article><h1>Harbour strike ends</h1>"
        + "".join(f"<p>{PROSE}Detail number {i} of the story.</p>" for i in range(5))
        + "<p>Union leaders <a href=\"javascript:void(0)\" onclick=\"track()\">called the deal fair</a>"
          " and said members would vote on it next week, once the details had been printed.</p>"
          "<!-- a comment --><form action='/search'><label>Search</label><input name='q'>"
          "<select name='s'><option>All</option></select></form>"
          "</article><footer>Contact us</footer></body></html>")


def test_elements_get_htmlelement_class_without_python_lookup():
    tree = parse_tree(PAGE)
    form = tree.find(".//form")
    assert type(form) is HtmlElement and not isinstance(form, FormElement)
    assert all(type(el) is HtmlElement for el in tree.iter("input", "select", "label"))
    # lxml.html's element methods are all there
    assert form.text_content().startswith("Search")
    form.drop_tree()
    assert tree.find(".//form") is None


def test_the_text_is_still_extracted_in_full():
    draft = extract_html(PAGE)
    assert draft.title == "Harbour strike ends"
    assert draft.body.count("The harbour workers ended their strike") == 5
    # the javascript: link keeps its text (the readability cleaner no longer rewrites links)
    assert "Union leaders called the deal fair and said members would vote" in draft.body
    assert "Search" not in draft.body and "Contact us" not in draft.body


def test_readability_cleaner_leaves_links_alone():
    from readability import readability

    from indexer import html_tuning

    html_tuning.apply()
    assert readability.html_cleaner.javascript is False
    assert readability.html_cleaner.scripts is True and readability.html_cleaner.style is True


def test_readability_parser_keeps_comment_classes():
    from readability.htmls import build_doc

    from indexer import html_tuning

    html_tuning.apply()
    doc, _encoding = build_doc("<html><body><!-- note --><form><input name='q'></form></body></html>")
    assert type(doc.find(".//form")) is HtmlElement
    assert any(isinstance(el, HtmlComment) for el in doc.iter())


DATED = ("<html lang=\"{lang}\"><head><title>Noticias del puerto</title></head><body><article>"
         "<h1>Noticias del puerto</h1><p>{prose}</p><div class=\"fecha\">{date}</div><p>{prose}</p>"
         "</article></body></html>")
SPANISH = ("Los trabajadores del puerto terminaron la huelga despues de nueve dias de negociaciones "
           "con la empresa. ") * 3


def _dated(lang: str, date: str):
    """The day htmldate's search of the page text finds (htmldate gives a bare year as 1 January)."""
    from indexer.html import parse_tree
    from indexer.html_date import htmldate_day
    from indexer.html_meta import read_meta

    tree = parse_tree(DATED.format(lang=lang, prose=SPANISH, date=date))
    day = htmldate_day(tree, None, True, read_meta(tree))
    return day.isoformat() if day else None


def test_dateparser_fallback_reads_the_pages_language():
    assert _dated("es", "martes 17 de marzo de 2020") == "2020-03-17"
    assert _dated("ru", "17 марта 2020") == "2020-03-17"
    # undeclared: the language fastText finds in the text (Spanish here)
    assert _dated("", "martes 17 de marzo de 2020") == "2020-03-17"


def test_dates_in_other_languages_are_not_read_by_the_fallback():
    # a Russian date on a page in English (or undeclared Spanish): only its year is used
    assert _dated("en", "17 марта 2020") == "2020-01-01"
    assert _dated("", "17 марта 2020") == "2020-01-01"


def test_a_pages_date_does_not_depend_on_the_page_read_before():
    # htmldate caches the strings it parsed; the same string on a page in another language
    # must not reuse that reading
    assert _dated("ru", "17 марта 2020") == "2020-03-17"
    assert _dated("en", "17 марта 2020") == "2020-01-01"
    assert _dated("ru", "17 марта 2020") == "2020-03-17"


def test_fallback_settings_are_htmldates_own():
    from dateparser import DateDataParser

    from indexer import html_tuning

    html_tuning.apply()
    ours = vars(html_tuning._date_parser(("es", "en"))._settings)
    assert ours == vars(html_tuning._htmldate_parser()._settings)
    other = vars(DateDataParser(settings={**html_tuning.HTMLDATE_SETTINGS, "STRICT_PARSING": False})._settings)
    assert other != ours  # the comparison sees a changed setting


def test_readability_never_takes_navigation_for_the_article():
    from lxml import etree

    from indexer.html_body import extract_body
    from indexer.html_extractors import _readability, extractors_copy

    nav = "".join(f"<p>Menu section {i} lists the sports pages, the weather pages, the local news pages, "
                  "the opinion pages and the archive pages of this newspaper, every one of them linked "
                  "below.</p>" for i in range(6))
    page = (f"<html><head><title>x</title></head><body><nav><div>{nav}</div></nav><main><article>"
            f"<p>{PROSE}</p><p>{PROSE}</p></article></main></body></html>")
    tree = parse_tree(page)
    before = etree.tostring(tree)
    paras = _readability(extractors_copy(tree))
    assert paras and all(p.startswith("The harbour workers") for p in paras)
    assert _readability(parse_tree(page))[0].startswith("Menu section")  # what it did with the menu
    assert extract_body(tree)[0] and etree.tostring(tree) == before  # the caller's tree stays whole
