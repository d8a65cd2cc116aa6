"""Highlighted snippets: article text HTML-escaped, only matched words wrapped in <mark>."""

from __future__ import annotations

from html import escape

from whoosh import highlight

SNIPPET_CHARS = 220
SNIPPETS_PER_HIT = 3


class MarkFormatter(highlight.Formatter):
    """Escapes all text and wraps each match in <mark>; numbers marks when asked (m1, m2...)."""

    between = " … "

    def __init__(self, number: bool = False):
        self.number = number
        self.count = 0

    def _text(self, text: str) -> str:
        return escape(text, quote=False)

    def format_token(self, text, token, replace=False):
        word = escape(highlight.get_text(text, token, replace), quote=False)
        if self.number:
            self.count += 1
            return f'<mark id="m{self.count}">{word}</mark>'
        return f"<mark>{word}</mark>"

    def format(self, fragments, replace=False):
        return [self.format_fragment(f, replace=replace) for f in fragments]


def fragmenter() -> highlight.Fragmenter:
    return highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70)


def lead(text: str, chars: int = SNIPPET_CHARS) -> str:
    """The escaped opening of a text, cut at a word boundary, for hits with no body match."""
    text = " ".join(text.split())
    if len(text) > chars:
        cut = text.rfind(" ", 0, chars)
        text = text[: cut if cut > chars // 2 else chars] + " …"
    return escape(text, quote=False)


def mark_text(text: str, terms, analyzer) -> tuple[list[str], int]:
    """Mark every occurrence of `terms` in a whole text, paragraph by paragraph.

    Returns the paragraphs as HTML (escaped, with numbered <mark id="mN">) and the
    number of marks, for next/previous-match links on the article page.
    """
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    terms = frozenset(terms)
    if not terms:
        return [escape(p, quote=False) for p in paragraphs], 0
    formatter = MarkFormatter(number=True)
    out = []
    for para in paragraphs:
        tokens = analyzer(para, chars=True, mode="query", removestops=False)
        matched = [t.copy() for t in tokens if t.text in terms]
        if not matched:
            out.append(escape(para, quote=False))
            continue
        for t in matched:
            t.matched = True
        frag = highlight.Fragment(para, matched, startchar=0, endchar=len(para))
        out.append(formatter.format_fragment(frag))
    return out, formatter.count
