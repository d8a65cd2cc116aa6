"""Next-match links after each numbered <mark> of an article's marked text (no JavaScript).

Works on the output of `archive.snippets.mark_text`, whose text is escaped, so
the only `<mark id="mN">` elements are the highlighter's own.
"""

from __future__ import annotations

import re

_MARK = re.compile(r'(<mark id="m(\d+)">.*?</mark>)', re.DOTALL)


def link_marks(paragraphs: list[str], count: int) -> list[str]:
    """The paragraphs with a small "next match" link after every mark (the last goes back up)."""
    if count < 2:
        return paragraphs

    def add(m: re.Match) -> str:
        n = int(m.group(2))
        if n < count:
            return (f'{m.group(1)}<a class="next-match" href="#m{n + 1}" '
                    f'aria-label="Next match ({n + 1} of {count})">↓</a>')
        return (f'{m.group(1)}<a class="next-match" href="#matches" '
                f'aria-label="Last match; back to the list of matches">↑</a>')

    return [_MARK.sub(add, p) for p in paragraphs]


__all__ = ["link_marks"]
