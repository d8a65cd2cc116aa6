"""What a word is and which words are left out: the text rules every engine's analysis follows.

The Whoosh schema (archive.whoosh.schema) and the OpenSearch index settings
(archive.opensearch.mapping) both build their analysis from these, so the two
engines index the same terms (tests/opensearch/engine/test_os_analysis.py compares them
on real articles).
"""

from __future__ import annotations

# The Snowball project's English stop words (snowballstem.org), without the contractions,
# which the possessive filter turns into other forms: general, not tuned to any collection.
STOP_WORDS = frozenset("""
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing would should could ought a an the and but if or because as until while of at by for
    with about against between into through during before after above below to from up down
    in out on off over under again further then once here there when where why how all any
    both each few more most other some such no nor not only own same so than too very
""".split())
# Words with dots inside ("U.S", "3.5") and apostrophes ("Kennedy's"); hyphens split words,
# so "boundary-layer" matches "boundary layer". `\w` is Python's: letters, digits, underscore.
TOKEN_PATTERN = r"\w+(?:\.\w+)*(?:['’]\w+)*"
MIN_LENGTH = 2  # shorter words (after the possessive is cut) are not indexed

__all__ = ["STOP_WORDS", "TOKEN_PATTERN", "MIN_LENGTH"]
