"""Corpora for the reporter-tool tests: Reuters-21578 read from the shared data, BBC text
extracted from its archive, and a small generated newsroom corpus."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

TODAY = dt.date(2024, 6, 1)


def shared_root() -> Path:
    return Path(os.environ.get("MORGUE_SHARED") or Path(__file__).resolve().parents[2] / "shared")


def shared_file(*parts: str) -> Path:
    path = shared_root().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data {path} is not available (set MORGUE_SHARED)")
    return path


def build(corpus: Path) -> SimpleNamespace:
    """Index a corpus folder into a sibling `index` folder; return archive, app and client."""
    from archive import Config, open_archive
    from indexer import pipeline
    from webapp import create_app

    index = corpus.parent / "index"
    archive = open_archive(Config(corpus, index))
    report = pipeline.rebuild(archive, corpus, workers=1)
    assert report.ok, report.failed
    app = create_app({"TESTING": True, "INDEX_DIR": str(index), "CORPUS_DIR": str(corpus),
                      "TODAY": TODAY, "SERVER_NAME": "morgue.test"})
    return SimpleNamespace(archive=archive, app=app, client=app.test_client(), corpus=corpus,
                           index=index, report=report)


def reuters_corpus(base: Path, *names: str) -> Path:
    """A corpus of Reuters-21578 SGML files (copied into the temporary folder, read as is)."""
    corpus = base / "corpus"
    corpus.mkdir()
    for name in names:
        shutil.copyfile(shared_file("data", "reuters21578", name), corpus / name)
    return corpus


def bbc_corpus(base: Path, members: tuple[str, ...]) -> Path:
    """A corpus of a few BBC News text files taken out of bbc-fulltext.tar.gz."""
    archive = shared_file("data", "bbc", "bbc-fulltext.tar.gz")
    corpus = base / "corpus"
    corpus.mkdir()
    with tarfile.open(archive) as tar:
        for name in members:
            data = tar.extractfile(name).read()
            (corpus / name.replace("/", "_")).write_bytes(data)
    return corpus


STRIKE = ("Dock workers at the northern harbour walked out on Monday after talks over pay and "
          "night shifts collapsed, leaving container ships queueing outside the port and "
          "shippers warning of empty shelves before the holiday weekend. The union said the "
          "strike would last until the port authority returned to the table with a written "
          "offer on overtime rates.")
STRIKE_EDITED = STRIKE.replace("on Monday", "on Monday morning").replace("holiday", "bank holiday")
BRIDGE = ("Engineers closed the old swing bridge over the river after inspectors found cracks "
          "in two of its iron girders, and the council said repairs could take most of the "
          "summer while traffic is sent through the town centre.")


def _article(title: str, body: str, date: str | None = None, outlet: str | None = None,
             author: str | None = None) -> str:
    head = [f"Title: {title}"]
    if date:
        head.append(f"Date: {date}")
    if outlet:
        head.append(f"Outlet: {outlet}")
    if author:
        head.append(f"Author: {author}")
    return "\n".join(head) + "\n\n" + body + "\n"


def newsroom_corpus(base: Path) -> Path:
    """Versions of one story, an undated article, hostile titles, many authors and years."""
    corpus = base / "corpus"
    corpus.mkdir()
    files = {
        "strike-1.txt": _article("Harbour strike closes port", STRIKE, "2001-05-03",
                                 "Daily Planet", "Ann Lee"),
        "strike-2.txt": _article("Port shut as dockers strike", STRIKE_EDITED, "2001-05-02",
                                 "Evening Star", "Bo Chan"),
        "strike-3.txt": _article("Harbour strike closes port", STRIKE, "2001-05-04",
                                 "Morning Post", "Cy Diaz"),
        "bridge.txt": _article("Swing bridge shut for repairs", BRIDGE, None, "Daily Planet",
                               "Di Eze"),
        "formula.txt": _article("=HYPERLINK(\"http://evil.test\",\"click\") <script>x</script>",
                                "A council meeting about harbour dues and the budget for the "
                                "lifeboat station, with ratepayers asking questions.",
                                "1999-01-04", "+Weekly", "-Dash"),
    }
    topics = ["lighthouse keepers retire", "ferry timetable changes", "fish market reopens",
              "harbour dredging begins", "regatta cancelled by storm", "pier restoration fund",
              "tide gauge replaced", "coastguard drill", "marina fees rise",
              "shipyard wins order", "harbour museum opens", "lifeboat launched"]
    years = [1995, 1996, 1998, 2003, 2005, 2008, 2011, 2014, 2017, 2020, 2022, 2023]
    words = ("gull tar rope quay tide salt net crab mast keel buoy wharf anchor sail deck "
             "hull oar cove reef dune kelp brine squall jetty ballast cargo skiff").split()
    for n, (topic, year) in enumerate(zip(topics, years)):
        filler = " ".join(random.Random(n).sample(words, 20))
        body = f"In the harbour town this week: {topic}. {filler}."
        files[f"local-{n:02d}.txt"] = _article(topic.capitalize(), body, f"{year}-03-1{n % 10}",
                                               "Harbour Gazette", f"Writer {chr(65 + n)}")
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus
