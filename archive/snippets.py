"""Highlighted snippets: article text HTML-escaped, only matched words wrapped in <mark>."""

from __future__ import annotations

import re
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


def query_terms(query, reader) -> frozenset[str]:
    """The index terms a query can match in the title or body (wildcards expanded)."""
    if query is None:
        return frozenset()
    terms = set()
    try:
        pairs = query.existing_terms(reader, phrases=True, expand=True)
    except Exception:  # an odd query node: fall back to the terms as written
        pairs = query.iter_all_terms(phrases=True)
    for field, text in pairs:
        if field in ("body", "title"):
            terms.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return frozenset(terms)


def make_snippets(text: str, terms: frozenset[str], fold, tokens, top: int = SNIPPETS_PER_HIT,
                  chars: int = SNIPPET_CHARS) -> tuple[str, ...]:
    """Up to `top` fragments of `text` around the words that index as `terms`, marked.

    `tokens` is the tokenizer regex and `fold(word)` the index form of one word
    (both from the schema), so the marks fall exactly on the words the index
    matched; a phrase's words are marked one by one. Fragments are chosen by
    how many different query words they hold, then by how many matches, and
    shown in text order. Everything outside the marks is escaped.
    """
    if not terms or not text:
        return ()
    spots = [(m.start(), m.end(), term) for m in tokens.finditer(text)
             if (term := fold(m.group())) in terms]
    if not spots:
        return ()
    before = 70
    windows = []
    for i, (start, _end, _term) in enumerate(spots):
        lo = max(0, start - before)
        hi = min(len(text), lo + chars)
        inside = [s for s in spots[i:] if s[1] <= hi]
        windows.append((len({s[2] for s in inside}), len(inside), -lo, lo, hi, inside))
    windows.sort(reverse=True)
    chosen: list[tuple[int, int, list]] = []
    for _distinct, _count, _neg, lo, hi, inside in windows:
        if all(hi <= c_lo or lo >= c_hi for c_lo, c_hi, _ in chosen):
            chosen.append((lo, hi, inside))
        if len(chosen) == top:
            break
    out = []
    for lo, hi, inside in sorted(chosen):
        lo = _word_start(text, lo)
        hi = _word_end(text, hi)
        parts, at = [], lo
        for start, end, _term in inside:
            if start < at or end > hi:
                continue
            parts.append(escape(text[at:start], quote=False))
            parts.append(f"<mark>{escape(text[start:end], quote=False)}</mark>")
            at = end
        parts.append(escape(text[at:hi], quote=False))
        out.append("".join(parts).strip())
    return tuple(out)


_SPACE = re.compile(r"\s")


def _word_start(text: str, at: int) -> int:
    """`at` moved back to the start of the word it falls in (at most 20 characters)."""
    if at <= 0:
        return 0
    for i in range(at - 1, max(-1, at - 21), -1):
        if text[i].isspace():
            return i + 1
    return at


def _word_end(text: str, at: int) -> int:
    """`at` moved on to the end of the word it falls in (at most 20 characters)."""
    if at >= len(text):
        return len(text)
    m = _SPACE.search(text, at, at + 20)
    return m.start() if m else at
