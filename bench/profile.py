"""Where the time goes: cProfile over the real code, summed into the parts of the work.

    python -m bench.profile index [--source DIR]     # Reuters-21578, one process
    python -m bench.profile search INDEX_DIR          # the query mix of bench/queries.tsv

`index`: the 22 SGML files are read and extracted in this process (no cache),
then indexed by one writer (`writer_procs=1`) and merged (`optimize` of a
two-segment build is timed separately), so every part is in one profile.
`search`: every query of the mix through `Archive.search` with the page cache
off, once to warm the caches, then profiled. Each part is the cumulative time
of the functions named next to it; the parts are nested calls, so they do not
add up to the total exactly (the rest is Python glue).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import SHARED, machine, need

INDEX_PARTS = [
    ("parse (SGML records)", "indexer/reuters.py", "read_reuters"),
    ("finish the articles (clean text, identity, counts)", "indexer/pipeline.py", "finish"),
    ("language identification", "indexer/language.py", "detect_language"),
    ("story fingerprints", "archive/dedup.py", "fingerprint"),
    ("story lookup (SQLite table)", "archive/dedup.py", "assign"),
    ("document record", "archive/whoosh/schema.py", "to_document"),
    ("analyse (words to postings)", "archive/whoosh/schema.py", "index"),
    ("write (add_document, all fields)", "whoosh/writing.py", "add_document"),
    ("commit (sort and write postings)", "whoosh/writing.py", "_flush_segment"),
    ("arrays for searches (prepare)", "archive/whoosh/engine.py", "prepare"),
]
SEARCH_PARTS = [
    ("parse the query", "archive/query.py", "parse_query"),
    ("match (posting arrays)", "archive/whoosh/engine.py", "_matches"),
    ("filters", "archive/whoosh/engine.py", "_filter_sets"),
    ("facet counts", "archive/whoosh/engine.py", "_facet"),
    ("rank (numpy BM25)", "archive/whoosh/fastrank.py", "rank"),
    ("rank (Whoosh, other queries)", "archive/whoosh/budget.py", "timed_search"),
    ("relevance feedback", "archive/whoosh/ranking.py", "expand"),
    ("story grouping", "archive/whoosh/stories.py", "page_of_story_codes"),
    ("snippets", "archive/snippets.py", "make_snippets"),
    ("stored fields of the hits", "whoosh/reading.py", "stored_fields"),
    ("date histogram", "archive/histogram.py", "build_histogram"),
    ("explainer", "archive/explain.py", "explain"),
    ("did you mean", "archive/whoosh/spelling.py", "suggest"),
]


def parts_table(stats: pstats.Stats, parts, total: float) -> list[str]:
    cumulative: dict[tuple[str, str], float] = {}
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        for _label, file_part, func in parts:
            if name == func and filename.endswith(file_part):
                # Recursive or repeated entries: keep the largest (outermost) figure.
                cumulative[(file_part, func)] = max(cumulative.get((file_part, func), 0), ct)
    lines = [f"{'part':52} {'seconds':>8} {'share':>6}"]
    for label, file_part, func in parts:
        t = cumulative.get((file_part, func), 0.0)
        lines.append(f"{label:52} {t:8.2f} {t / total:6.1%}")
    lines.append(f"{'total (profiled)':52} {total:8.2f}")
    return lines


def profile_index(source: Path) -> None:
    from archive.whoosh.engine import WhooshArchive
    from indexer import pipeline
    from indexer.corpus import iter_corpus

    with tempfile.TemporaryDirectory(prefix="morgue-prof-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for path in sorted(need(source).glob("reut2-*.sgm")):
            shutil.copy2(path, corpus / path.name)
        items = [i for i in iter_corpus(corpus) if hasattr(i, "format")]
        pipeline.warm_up()
        archive = WhooshArchive(Path(tmp) / "index", writer_procs=1)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        results = [pipeline.extract_corpus_file(item, None) for item in items]
        with archive.lock():
            with archive.rebuild() as sink:
                for result in results:
                    for article, fp in zip(result.articles, result.prints):
                        sink.add(article, fp)
        profiler.disable()
        total = time.perf_counter() - start
        print("\n".join(parts_table(pstats.Stats(profiler), INDEX_PARTS, total)))
        two = WhooshArchive(Path(tmp) / "two", writer_procs=2)
        with two.lock():
            with two.rebuild() as sink:
                for result in results:
                    for article, fp in zip(result.articles, result.prints):
                        sink.add(article, fp)
            started = time.perf_counter()
            before, after = two.optimize()
        print(f"{'merge (optimize, ' + str(before) + ' segments to ' + str(after) + ')':52} "
              f"{time.perf_counter() - started:8.2f}  (not profiled, wall time)")


def profile_search(index: Path) -> None:
    from archive import Config, SearchRequest, open_archive
    from bench.search import load_queries

    archive = open_archive(Config(index.parent / "corpus", index), result_cache=0)
    queries = load_queries()
    for _qid, _kind, query, filters in queries:
        archive.search(SearchRequest(query=query, filters=filters))
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _qid, _kind, query, filters in queries:
        archive.search(SearchRequest(query=query, filters=filters))
    profiler.disable()
    total = time.perf_counter() - start
    print(f"{len(queries)} queries, {archive.stats().articles:,} articles")
    print("\n".join(parts_table(pstats.Stats(profiler), SEARCH_PARTS, total)))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    p_index = sub.add_parser("index")
    p_index.add_argument("--source", type=Path, default=SHARED / "data" / "reuters21578")
    p_search = sub.add_parser("search")
    p_search.add_argument("index", type=Path)
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    if args.what == "index":
        profile_index(args.source)
    else:
        profile_search(args.index)


if __name__ == "__main__":
    main()
