"""Highlighted snippets: article text HTML-escaped, only matched words wrapped in <mark>.

The work is linear in the text and bounded: a hit's snippets look for matches in
its first `SCAN_CHARS` characters only, and a page of hits stops choosing
fragments after `PAGE_SECONDS` (`PageSnippets`); the hits left show their
opening, and the page says so.
"""

from __future__ import annotations

import re
import time
from html import escape


SNIPPET_CHARS = 220
SNIPPETS_PER_HIT = 3
BEFORE = 70  # characters of context before a fragment's first match
SCAN_CHARS = 500_000  # snippets look for matches in this much of a text (about 80,000 words)
PAGE_SECONDS = 1.0  # time for the snippets of one page of hits
LEAD_SCAN = 8  # the opening is read from the first LEAD_SCAN * chars characters


def lead(text: str, chars: int = SNIPPET_CHARS) -> str:
    """The escaped opening of a text, cut at a word boundary, for hits with no body match."""
    head = text[:chars * LEAD_SCAN]
    more = len(text) > len(head)
    text = " ".join(head.split())
    if len(text) > chars:
        cut = text.rfind(" ", 0, chars)
        text = text[: cut if cut > chars // 2 else chars] + " …"
    elif more and text:
        text += " …"
    return escape(text, quote=False)


def mark_text(text: str, terms, fold, tokens) -> tuple[list[str], int]:
    """Mark every word of a text that indexes as one of `terms`, paragraph by paragraph.

    Returns the paragraphs as HTML (escaped, with numbered <mark id="mN">) and the
    number of marks, for next-match links on the article page. `fold` and
    `tokens` are the schema's (see make_snippets). Linear in the text: callers
    give it one part of a long article (archive.parts).
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


def mark_words(text: str, terms, fold, tokens) -> str:
    """A short text (a title) escaped, with the words that index as `terms` in plain <mark>."""
    parts, at = [], 0
    for m in tokens.finditer(text) if terms else ():
        if fold(m.group()) in terms:
            parts.append(escape(text[at:m.start()], quote=False))
            parts.append(f"<mark>{escape(m.group(), quote=False)}</mark>")
            at = m.end()
    parts.append(escape(text[at:], quote=False))
    return "".join(parts)


def find_spots(text: str, terms, fold, tokens, end: int | None = None) -> list[tuple]:
    """(start, end, term) of every word in `text[:end]` that indexes as one of `terms`."""
    end = len(text) if end is None or end >= len(text) else _word_end(text, end)
    return [(m.start(), m.end(), term) for m in tokens.finditer(text, 0, end)
            if (term := fold(m.group())) in terms]


def choose_windows(spots: list[tuple], length: int, top: int = SNIPPETS_PER_HIT,
                   chars: int = SNIPPET_CHARS, before: int = BEFORE) -> list[tuple]:
    """Up to `top` fragments (lo, hi, first spot, end spot) around `spots`, in text order.

    Each spot opens a window of `chars` characters starting `before` characters
    ahead of it, holding the spots that end inside it. Windows are chosen by how
    many different terms they hold, then how many spots, then the earliest, and
    may not overlap. One sliding pass counts every window (the spots inside a
    window are a run that only moves forward), and each choice is one pass: the
    work is linear in the number of spots.
    """
    windows = []
    counts: dict[str, int] = {}
    j = 0
    for i, (start, _end, term) in enumerate(spots):
        lo = max(0, start - before)
        hi = min(length, lo + chars)
        if j < i:  # the window before was empty
            j = i
        while j < len(spots) and spots[j][1] <= hi:
            counts[spots[j][2]] = counts.get(spots[j][2], 0) + 1
            j += 1
        if j > i:
            windows.append((len(counts), j - i, -lo, hi, i, j))
            if counts[term] == 1:
                del counts[term]
            else:
                counts[term] -= 1
    chosen: list[tuple] = []
    for _ in range(top):
        best = None
        for w in windows:
            lo, hi = -w[2], w[3]
            if (best is None or w[:3] > best[:3]) and all(
                    hi <= c_lo or lo >= c_hi for c_lo, c_hi, _i, _j in chosen):
                best = w
        if best is None:
            break
        chosen.append((-best[2], best[3], best[4], best[5]))
    return sorted(chosen)


def render_window(text: str, spots: list[tuple], window: tuple) -> str:
    """One fragment as HTML: the window widened to whole words, escaped, its spots marked."""
    lo, hi, first, stop = window
    lo = _word_start(text, lo)
    hi = _word_end(text, hi)
    parts, at = [], lo
    for start, end, _term in spots[first:stop]:
        if start < at or end > hi:
            continue
        parts.append(escape(text[at:start], quote=False))
        parts.append(f"<mark>{escape(text[start:end], quote=False)}</mark>")
        at = end
    parts.append(escape(text[at:hi], quote=False))
    return "".join(parts).strip()


def make_snippets(text: str, terms: frozenset[str], fold, tokens, top: int = SNIPPETS_PER_HIT,
                  chars: int = SNIPPET_CHARS, scan: int = SCAN_CHARS) -> tuple[str, ...]:
    """Up to `top` fragments of `text` around the words that index as `terms`, marked.

    `tokens` is the tokenizer regex and `fold(word)` the index form of one word
    (both from the schema), so the marks fall exactly on the words the index
    matched; a phrase's words are marked one by one. Fragments are chosen by
    how many different query words they hold, then by how many matches, and
    shown in text order. Only the first `scan` characters are looked at.
    Everything outside the marks is escaped.
    """
    if not terms or not text:
        return ()
    spots = find_spots(text, terms, fold, tokens, scan)
    if not spots:
        return ()
    return tuple(render_window(text, spots, w)
                 for w in choose_windows(spots, len(text), top, chars))


class PageSnippets:
    """The snippets of one page of hits, within a time budget shared by the page.

    Once choosing fragments has taken `seconds` (reading the hits is not
    counted), the remaining hits show their opening; `notes()` says how many,
    and how many long articles had no match in the part snippets look at.
    """

    def __init__(self, terms: frozenset[str], fold, tokens, seconds: float | None = None,
                 scan: int | None = None):
        self.terms, self.fold, self.tokens = terms, fold, tokens
        self.scan = SCAN_CHARS if scan is None else scan
        self.seconds = PAGE_SECONDS if seconds is None else seconds
        self.spent = 0.0
        self.late = 0  # hits that got their opening because the time ran out
        self.beyond = 0  # long hits with no match in their first `scan` characters

    def snippets(self, text: str) -> tuple[str, ...]:
        """A hit's snippets, or its opening (no match, or no time left)."""
        if self.terms and text:
            if self.spent >= self.seconds:
                self.late += 1
            else:
                started = time.perf_counter()
                found = make_snippets(text, self.terms, self.fold, self.tokens, scan=self.scan)
                self.spent += time.perf_counter() - started
                if found:
                    return found
                if len(text) > self.scan:
                    self.beyond += 1
        return (lead(text),)

    def notes(self) -> list[str]:
        """What the page tells its reader about snippets cut short (nothing when none was)."""
        out = []
        if self.late:
            out.append(f"{_articles(self.late)} opening: marking the matched words "
                       f"stopped after {self.seconds:g} s. The article pages mark them.")
        if self.beyond:
            out.append(f"{_articles(self.beyond, 'long ')} opening: snippets look for the "
                       f"matched words in the first {self.scan:,} characters only. The "
                       "article pages mark them all.")
        return out


def _articles(n: int, kind: str = "") -> str:
    return f"The snippet of 1 {kind}article shows its" if n == 1 else \
        f"The snippets of {n} {kind}articles show their"


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
