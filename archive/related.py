"""What both engines show next to an article: the other versions of its story and similar
articles, by the same rules (the engines only find the documents).

Versions are listed earliest first (undated last, then in write order); a version is
`identical` when its normalised text (archive.dedup.story_text) is the article's.
"More like this" takes the article's key terms from the opening of its body
(`KEY_TERM_CHARS`), weighted by Whoosh's Bo1 model (`key_terms`), and lists the best
matches of those terms that are not the article or one of its versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from math import log

from archive.dedup import story_text
from archive.records import Article, Version

MORE_LIKE_THIS = 5
# "More like this" takes an article's key terms from this much of its body: analysis reads
# about 0.5 MB a second, and a long transcript's opening tells what it is about.
KEY_TERM_CHARS = 50_000
KEY_TERMS = 12


def versions_of(article: Article, others: Iterable[Article]) -> list[Version]:
    """The `Version` records of `others` (in their order), the article itself left out."""
    mine = None  # the normalised text, only when there is another version to compare
    out = []
    for other in others:
        if other.id == article.id:
            continue
        if other.body == article.body and other.title == article.title:
            identical = True
        else:
            mine = mine if mine is not None else story_text(article.title, article.body)
            identical = story_text(other.title, other.body) == mine
        out.append(Version(other.id, other.title, other.outlet, other.published, identical))
    return out


def similar(article: Article) -> Version:
    """A "more like this" entry (never a version, so never identical)."""
    return Version(article.id, article.title, article.outlet, article.published,
                   identical=False)


def key_terms(counts: Mapping[str, float], collection: Mapping[str, float], documents: int,
              number: int = KEY_TERMS) -> list[tuple[str, float]]:
    """The `number` most telling terms of a text: Whoosh's Bo1 model, weights normalised.

    `counts`: how often each index term is in the text; `collection`: how often it is in
    the whole index (terms missing there are left out); `documents`: the index's size.
    The same scores as `whoosh.classify.Bo1Model` in `Searcher.key_terms_from_text`.
    """
    if not counts or documents <= 0:
        return []
    scored, best = [], 0.0
    for word, weight in counts.items():
        found = collection.get(word, 0)
        if found <= 0:
            continue
        f = found / documents
        score = weight * log((1.0 + f) / f, 2) + log(1.0 + f, 2)
        best = max(best, score)
        scored.append((score, word))
    f = best / documents if best else 0.0
    norm = (best * log((1.0 + f) / f) + log(1.0 + f)) / log(2.0) if best else 1.0
    scored = [(score / norm, word) for score, word in scored]
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [(word, score) for score, word in scored[:number]]


__all__ = ["KEY_TERMS", "KEY_TERM_CHARS", "MORE_LIKE_THIS", "key_terms", "similar",
           "versions_of"]
