"""A long article shown in parts: each part a run of paragraphs of about `PART_CHARS`.

The article page marks the query's words in one part only, so its work and its
size do not grow with the article: a 60 MB transcript is 600 pages of about
100,000 characters, not one page of 60 MB. Marks are numbered within a part;
the next and previous parts holding a match are looked for in at most
`SEEK_CHARS` of text on each side, and a part says how far that search went.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from archive.errors import BadQuery
from archive.snippets import mark_text, mark_words

PART_CHARS = 100_000  # a part holds PART_CHARS to 1.5 x PART_CHARS characters (the last fewer)
SEEK_CHARS = 1_000_000  # text searched for the next (and previous) part with a match
_BREAKS = ("\n\n", "\n")
_SPACE = re.compile(r"\s")


def part_starts(text: str, size: int = PART_CHARS) -> list[int]:
    """Where each part of a text starts: at a paragraph break at least `size` after the last.

    Without a blank line in the next `size // 2` characters a part ends at a line
    break, then at a space, then anywhere. A text of up to 1.5 x `size` is one part.
    """
    starts = [0]
    slack = size // 2
    while len(text) - starts[-1] > size + slack:
        at = starts[-1] + size
        for mark in _BREAKS:
            cut = text.find(mark, at, at + slack)
            if cut >= 0:
                starts.append(cut + len(mark))
                break
        else:
            space = _SPACE.search(text, at, at + slack)
            starts.append(space.end() if space else at)
    return starts


def part_span(text: str, number: int, size: int = PART_CHARS) -> tuple[int, int, int]:
    """(start, end, how many parts) of part `number` (from 1); raises BadQuery when out of range."""
    return _span(part_starts(text, size), number, len(text))


def _span(starts: list[int], number: int, length: int) -> tuple[int, int, int]:
    if not 1 <= number <= len(starts):
        raise BadQuery(f"part: must be between 1 and {len(starts)} (the article's parts)")
    end = starts[number] if number < len(starts) else length
    return starts[number - 1], end, len(starts)


@dataclass(frozen=True)
class ArticlePart:
    """One part of an article's body, with the query's words marked."""

    number: int  # from 1
    parts: int  # how many parts the body has
    start: int  # character offsets of the part in the body
    end: int
    title: str  # HTML: the title escaped, the query's words in <mark>
    paragraphs: tuple[str, ...]  # HTML: escaped, the query's words in numbered <mark id="mN">
    marks: int  # marks in this part
    next_match: int | None = None  # the nearest later part holding a match, if one was found
    searched_after: int = 0  # the last part searched for it (== parts: searched to the end)
    previous_match: int | None = None  # the nearest earlier part holding a match
    searched_before: int = 1  # the first part searched for it (1: searched to the start)

    def as_dict(self) -> dict[str, Any]:
        """Where the part lies and where the matches around it are (JSON-ready)."""
        return {"number": self.number, "parts": self.parts, "start": self.start,
                "end": self.end, "marks": self.marks, "next_match": self.next_match,
                "searched_after": self.searched_after, "previous_match": self.previous_match,
                "searched_before": self.searched_before}


def _has_match(text: str, start: int, end: int, terms, fold, tokens) -> bool:
    return any(fold(m.group()) in terms for m in tokens.finditer(text, start, end))


def _seek(text: str, starts: list[int], numbers, terms, fold, tokens,
          budget: int) -> tuple[int | None, int | None]:
    """The first part of `numbers` holding a match, and the last part searched for it."""
    searched = None
    for n in numbers:
        start, end, _count = _span(starts, n, len(text))
        if searched is not None and budget <= 0:
            break
        budget -= end - start
        searched = n
        if _has_match(text, start, end, terms, fold, tokens):
            return n, n
    return None, searched


def marked_part(title: str, text: str, number: int, terms: frozenset[str], fold, tokens,
                size: int = PART_CHARS, seek: int = SEEK_CHARS) -> ArticlePart:
    """Part `number` of `text` with the words that index as `terms` marked (see mark_text)."""
    starts = part_starts(text, size)
    start, end, count = _span(starts, number, len(text))
    paragraphs, marks = mark_text(text[start:end], terms, fold, tokens)
    part = ArticlePart(number, count, start, end, mark_words(title, terms, fold, tokens),
                       tuple(paragraphs), marks, searched_after=number, searched_before=number)
    if not terms or count == 1:
        return part
    next_match, after = _seek(text, starts, range(number + 1, count + 1), terms, fold, tokens,
                              seek)
    previous, before = _seek(text, starts, range(number - 1, 0, -1), terms, fold, tokens, seek)
    return ArticlePart(part.number, count, start, end, part.title, part.paragraphs, marks,
                       next_match, after or number, previous, before or number)


__all__ = ["ArticlePart", "PART_CHARS", "SEEK_CHARS", "marked_part", "part_span",
           "part_starts"]
