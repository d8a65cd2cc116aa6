"""Highlighted snippets: article text HTML-escaped, only matched words wrapped in <mark>."""

from __future__ import annotations

import re
from html import escape


SNIPPET_CHARS = 220
SNIPPETS_PER_HIT = 3


def lead(text: str, chars: int = SNIPPET_CHARS) -> str:
    """The escaped opening of a text, cut at a word boundary, for hits with no body match."""
    text = " ".join(text.split())
    if len(text) > chars:
        cut = text.rfind(" ", 0, chars)
        text = text[: cut if cut > chars // 2 else chars] + " …"
    return escape(text, quote=False)


def mark_text(text: str, terms, fold, tokens) -> tuple[list[str], int]:
    """Mark every word of a whole text that indexes as one of `terms`, paragraph by paragraph.

    Returns the paragraphs as HTML (escaped, with numbered <mark id="mN">) and the
    number of marks, for next-match links on the article page. `fold` and
    `tokens` are the schema's (see make_snippets).
    """
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    terms = frozenset(terms)
    out, count = [], 0
    for para in paragraphs:
        parts, at = [], 0
        for m in tokens.finditer(para) if terms else ():
            if fold(m.group()) in terms:
                count += 1
                parts.append(escape(para[at:m.start()], quote=False))
                parts.append(f'<mark id="m{count}">{escape(m.group(), quote=False)}</mark>')
                at = m.end()
        parts.append(escape(para[at:], quote=False))
        out.append("".join(parts))
    return out, count


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
