"""Stories in the Whoosh index: cluster keys written with each article, versions read back.

`archive.dedup` decides which articles are versions of one story; this module
connects it to the index: the writer's lookup of earlier commits, the fields
added to each document, the grouping of a matched set by story, the list of
versions shown on an article page, and "more like this".
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
import dataclasses
import hashlib
from pathlib import Path
from typing import Iterable

import numpy as np

from whoosh import query as wq

from archive.dedup import TABLE_FILE, Clusterer, Fingerprint, StoryTable
from archive.records import Article, Version
from archive.related import KEY_TERM_CHARS, KEY_TERMS, MORE_LIKE_THIS, similar, versions_of


def writer_clusterer(generation: Path, rebuild: bool) -> Clusterer:
    """The clusterer for one write transaction into an index generation's folder.

    Its table sits in the generation folder (`dedup.TABLE_FILE`); an update
    finds the articles of earlier commits there. Commit it just before the index.
    """
    return Clusterer(StoryTable(generation / TABLE_FILE, bulk=rebuild))


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value or "")


def story_fields(clusterer: Clusterer, article: Article,
                 fp: Fingerprint | None = None) -> dict[str, str]:
    """The story key to store with an article's document."""
    return {"story": clusterer.assign(article.id, article.title, article.body, fp)}


def story_of(stories: list, docnum: int) -> str:
    """The story key of a document (its own number for documents written without one)."""
    return _text(stories[docnum]) or f"doc{docnum}"


def group_by_story(stories: list, docs: Iterable[int]) -> dict[str, list[int]]:
    """Matched documents per story key."""
    groups: dict[str, list[int]] = defaultdict(list)
    for d in docs:
        groups[story_of(stories, d)].append(d)
    return groups


def story_hashes(values: list, salt: str) -> np.ndarray:
    """A 64-bit code per document of one segment, equal for equal story keys (stable hash).

    A document without a key is a story of its own (`salt` names the segment).
    """
    def code(i: int, v) -> int:
        key = (_text(v) or f"\0{salt}:{i}").encode("utf-8")
        return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little",
                              signed=True)
    return np.fromiter((code(i, v) for i, v in enumerate(values)), dtype=np.int64,
                       count=len(values))


def count_stories(codes: np.ndarray, docs: np.ndarray) -> int:
    return int(len(np.unique(codes[docs]))) if len(docs) else 0


@dataclasses.dataclass
class StoryPage:
    shown: list[int]  # each story's earliest matching version, in page order
    scores: dict[int, float]  # relevance: a story's score is its best version's
    versions: dict[int, int]  # shown document -> how many other matching versions


def page_of_story_codes(codes: np.ndarray, docs: np.ndarray, ordinals: np.ndarray, sort: str,
                        start: int, end: int, ranked=None) -> StoryPage:
    """One page of stories from arrays: like `page_of_stories`, without per-document Python.

    `docs`: the matched document numbers; `ordinals`: every document's date (0 unknown);
    `ranked`: (document numbers, scores) best first, for relevance; None orders by date.
    """
    if not len(docs):
        return StoryPage([], {}, {})
    unknown = dt.date.max.toordinal()
    when = np.where(ordinals[docs] > 0, ordinals[docs], unknown)
    mine = codes[docs]
    # Each story's earliest version: sort by (story, date, document number), take the firsts.
    order = np.lexsort((docs, when, mine))
    firsts = order[np.r_[True, mine[order][1:] != mine[order][:-1]]]
    first_doc = dict(zip(mine[firsts].tolist(), docs[firsts].tolist()))
    sizes = dict(zip(*(a.tolist() for a in np.unique(mine, return_counts=True))))
    scores: dict[int, float] = {}
    if ranked is not None:
        ranked_codes = codes[ranked[0]]
        _, at = np.unique(ranked_codes, return_index=True)
        at = np.sort(at)[start:end]  # where each story first appears in the ranking
        chosen = ranked_codes[at].tolist()
        shown = [first_doc[c] for c in chosen]
        scores = dict(zip(shown, ranked[1][at].tolist()))
    else:
        rep_docs = docs[firsts]
        rep_when = when[firsts]
        if sort == "oldest":
            keep = np.lexsort((rep_docs, rep_when))
        else:  # newest first, undated stories last
            rep_dates = ordinals[rep_docs]
            keep = np.lexsort((rep_docs, -rep_dates))
        shown = rep_docs[keep][start:end].tolist()
        chosen = codes[shown].tolist() if shown else []
    return StoryPage(shown, scores, {d: sizes[c] - 1 for d, c in zip(shown, chosen)})


def earliest_first(members: list[int], dates: list[int]) -> list[int]:
    """Versions ordered by date, undated ones last, then by document number."""
    return sorted(members, key=lambda d: (dates[d] or dt.date.max.toordinal(), d))


def page_of_stories(searcher, query, final: set[int], groups: dict[str, list[int]],
                    story_col: list, dates: list[int], sort: str, start: int, end: int,
                    search, scores: dict[int, float] | None = None) -> list[int]:
    """Document numbers shown on one page of stories: each story's earliest matching version.

    Stories are ranked by their best-scoring version (relevance) or by the date of their
    earliest version (newest/oldest; also relevance without a query, like ungrouped pages).
    `search(q, **kwargs)` runs a (time-limited) Whoosh search. Used for queries
    archive.whoosh.fastrank cannot rank; `page_of_story_codes` does the rest with arrays.
    """
    first = {key: earliest_first(members, dates)[0] for key, members in groups.items()}
    if sort == "relevance" and query is not None:
        order: list[str] = []
        seen: set[str] = set()
        limit = end * 2 + 20
        while True:
            results = search(query, filter=final, limit=limit)
            best: dict[str, float] = {}
            for docnum, score in results.items():
                key = story_of(story_col, docnum)
                if key not in seen:
                    seen.add(key)
                    order.append(key)
                    best[key] = score
            if len(order) >= end or limit >= len(final) or results.scored_length() < limit:
                break
            order, seen, limit = [], set(), limit * 4
        if scores is not None:  # a story's score is its best version's
            scores.update({first[k]: best[k] for k in order[start:end]})
        return [first[k] for k in order[start:end]]
    unknown = dt.date.max.toordinal()
    if sort == "oldest":
        keys = sorted(first, key=lambda k: (dates[first[k]] or unknown, first[k]))
    else:  # newest first, undated stories last
        keys = sorted(first, key=lambda k: (-dates[first[k]], first[k]))
    return [first[k] for k in keys[start:end]]


def in_order(results, docnums: list[int]) -> list:
    """The hits of `results` in the order of `docnums`."""
    by_doc = {hit.docnum: hit for hit in results}
    return [by_doc[d] for d in docnums if d in by_doc]


class LeafColumn:
    """A column's values by document number, read from each segment's own column reader.

    `reader.column_reader(name)` reads the offsets of every document of the
    column whenever it is called (a million at that scale); each segment reader
    keeps its column readers, so looking up the values of one page of hits
    through them costs only those values. The searcher, and with it these
    readers, is reused across requests of the same index state.
    """

    def __init__(self, searcher, name: str):
        self._leaves = searcher.reader().leaf_readers()
        self._starts = [offset for _sub, offset in self._leaves]
        self._column = searcher.schema[name].column_type
        self._name = name
        self._readers: dict[int, object] = {}

    def _reader(self, i: int):
        if i not in self._readers:
            sub = self._leaves[i][0]
            perdoc = getattr(sub, "_perdoc", None)
            cached = getattr(perdoc, "_cached_reader", None)
            reader = cached(self._name, self._column) if cached is not None else None
            self._readers[i] = reader if reader is not None else sub.column_reader(self._name)
        return self._readers[i]

    def __getitem__(self, docnum: int):
        i = bisect.bisect_right(self._starts, docnum) - 1
        return self._reader(i)[docnum - self._starts[i]]


def story_key(searcher, article_id: str) -> str | None:
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        return None
    return _text(LeafColumn(searcher, "story")[docnum]) or None


def versions(searcher, article: Article, from_stored) -> list[Version]:
    """Every other version of an article's story in the archive, earliest first."""
    key = story_key(searcher, article.id)
    if key is None:
        return []
    dates = LeafColumn(searcher, "date")
    docs = [d for d in searcher.docs_for_query(wq.Term("story", key))]
    return versions_of(article, (from_stored(searcher.stored_fields(d))
                                 for d in earliest_first(docs, dates)))


def more_like_this(searcher, article: Article, from_stored, top: int = MORE_LIKE_THIS
                   ) -> list[Version]:
    """Articles about the same things (key terms of the body), other versions left out."""
    docnum = searcher.document_number(id=article.id)
    if docnum is None or not article.body.strip():
        return []
    key = story_key(searcher, article.id)
    terms = searcher.key_terms_from_text("body", article.body[:KEY_TERM_CHARS],
                                         numterms=KEY_TERMS, normalize=True)
    if not terms:
        return []
    q = wq.Or([wq.Term("body", word, boost=weight) for word, weight in terms])
    mask = wq.Or([wq.Term("id", article.id)] + ([wq.Term("story", key)] if key else []))
    results = searcher.search(q, limit=top, mask=mask)
    return [similar(from_stored(hit.fields())) for hit in results]


__all__ = ["story_hashes", "count_stories", "page_of_story_codes", "StoryPage", "writer_clusterer", "story_fields", "group_by_story", "earliest_first", "versions",
           "page_of_stories", "in_order",
           "more_like_this", "story_key", "MORE_LIKE_THIS"]
