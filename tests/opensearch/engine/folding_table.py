"""The accent-folding table of the OpenSearch analysis, derived from Whoosh's (run to rewrite it).

Whoosh lower-cases a word, then folds its accents with `whoosh.support.charset.accent_map`;
OpenSearch's `mapping` character filter runs before its tokenizer and `lowercase` filter.
So the table maps each character to what Whoosh makes of it lower-cased and folded,
wherever that differs from lower-casing alone:

    python -m tests.opensearch.engine.folding_table   # writes archive/folding.txt
"""

from __future__ import annotations

from pathlib import Path

from archive.opensearch.mapping import FOLDING_FILE


def whoosh_folding() -> list[tuple[int, str]]:
    """(code point, replacement) for every character Whoosh's folding changes."""
    from whoosh.support.charset import accent_map

    rules = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:  # surrogates are not characters
            continue
        low = chr(cp).lower()
        target = low.translate(accent_map)
        if target != low:
            assert target == target.lower() and target.isalnum(), (hex(cp), target)
            rules.append((cp, target))
    return rules


def table_text(rules: list[tuple[int, str]]) -> str:
    return "".join(f"{cp:04X}\t{target}\n" for cp, target in rules)


def main() -> None:
    Path(FOLDING_FILE).write_text(table_text(whoosh_folding()), encoding="utf-8")
    print(f"wrote {FOLDING_FILE}")


if __name__ == "__main__":
    main()
