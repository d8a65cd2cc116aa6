"""Build large synthetic archives from Reuters-21578 for scale benchmarks.

    python -m bench.generate OUT_DIR --articles 100000 [--seed 1987] [--per-file 5000]

Every real Reuters article is read once (the 21,578 base); copies get a new id,
a date shifted into 1987-2026 and one of 50 outlet names, all drawn from a
seeded random generator so runs are comparable. The output is JSON Lines files
(the fields of `extract --json`), which `manage.py reindex` imports like any
export from another system. Nothing is written inside the repository.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from pathlib import Path

from bench.common import SHARED, need
from indexer.draft import Draft
from indexer.reuters import read_reuters

OUTLETS = [
    "Reuters", "Associated Press", "Agence France-Presse", "Bloomberg", "Dow Jones",
    "The New York Times", "The Washington Post", "The Wall Street Journal", "Financial Times",
    "The Guardian", "The Times", "The Telegraph", "The Independent", "BBC News", "CNN",
    "NBC News", "CBS News", "ABC News", "NPR", "Los Angeles Times", "Chicago Tribune",
    "Boston Globe", "USA Today", "The Economist", "TIME", "Newsweek", "Der Spiegel",
    "Le Monde", "El País", "Corriere della Sera", "The Globe and Mail", "Toronto Star",
    "The Sydney Morning Herald", "The Age", "South China Morning Post", "The Japan Times",
    "The Hindu", "Times of India", "Al Jazeera", "Haaretz", "The Irish Times", "The Scotsman",
    "Houston Chronicle", "Miami Herald", "The Atlanta Journal-Constitution", "Politico",
    "Axios", "ProPublica", "VICE News", "HuffPost",
]
START, END = dt.date(1987, 1, 1), dt.date(2026, 10, 31)


def base_articles(folder: Path) -> list[Draft]:
    drafts: list[Draft] = []
    for path in sorted(need(folder).glob("reut2-*.sgm")):
        drafts.extend(d for d in read_reuters(path.read_bytes(), path.name)
                      if isinstance(d, Draft))
    return drafts


def record(draft: Draft, n: int, rng: random.Random, copy: bool) -> dict:
    if copy:
        day = START + dt.timedelta(days=rng.randrange((END - START).days))
        outlet = rng.choice(OUTLETS)
    else:
        day, outlet = draft.published, "Reuters"
    return {
        "id": f"g{n:07d}", "title": draft.title, "body": draft.body,
        "authors": draft.authors, "outlet": outlet,
        "published": day.isoformat() if day else None, "date_precision": "day" if day else None,
        "language": "en", "topics": draft.topics, "places": draft.places,
        "people": draft.people, "orgs": draft.orgs, "exchanges": draft.exchanges,
    }


def generate(out: Path, articles: int, seed: int = 1987, per_file: int = 5000,
             source: Path | None = None) -> int:
    """Write `articles` JSON Lines records into `out`; returns the number written."""
    rng = random.Random(seed)
    base = base_articles(source or SHARED / "data" / "reuters21578")
    out.mkdir(parents=True, exist_ok=True)
    written, handle, file_no = 0, None, 0
    try:
        for n in range(articles):
            if n % per_file == 0:
                if handle:
                    handle.close()
                handle = open(out / f"part-{file_no:05d}.jsonl", "w", encoding="utf-8")
                file_no += 1
            draft = base[n % len(base)]
            copy = n >= len(base)
            handle.write(json.dumps(record(draft, n, rng, copy), ensure_ascii=False) + "\n")
            written += 1
    finally:
        if handle:
            handle.close()
    return written


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1987)
    ap.add_argument("--per-file", type=int, default=5000)
    args = ap.parse_args(argv)
    n = generate(args.out, args.articles, args.seed, args.per_file)
    print(f"wrote {n} articles to {args.out}")


if __name__ == "__main__":
    main()
