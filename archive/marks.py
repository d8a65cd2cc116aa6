"""Next-match links after each numbered <mark> of an article's marked text (no JavaScript).

Works on the output of `archive.snippets.mark_text`, whose text is escaped, so
the only `<mark id="mN">` elements are the highlighter's own.
"""

from __future__ import annotations

import re
from html import escape

_MARK = re.compile(r'(<mark id="m(\d+)">.*?</mark>)', re.DOTALL)


def link_marks(paragraphs: list[str], count: int,
               after_last: tuple[str, str] | None = None) -> list[str]:
    """The paragraphs with a small "next match" link after every mark.

    The last mark links to `after_last` (href, label), e.g. the first match of
    the next part of a long article, or else back up to the list of matches.
    """
    if count < 1 or count == 1 and after_last is None:
        return paragraphs
    last_href, last_label = after_last or ("#matches", "Last match; back to the list of matches")
    last = (f'<a class="next-match" href="{escape(last_href)}" aria-label="{escape(last_label)}">'
            f'{"↓" if after_last else "↑"}</a>')

    def add(m: re.Match) -> str:
        n = int(m.group(2))
        if n < count:
            return (f'{m.group(1)}<a class="next-match" href="#m{n + 1}" '
                    f'aria-label="Next match ({n + 1} of {count})">↓</a>')
        return m.group(1) + last

    return [_MARK.sub(add, p) for p in paragraphs]


__all__ = ["link_marks"]
