"""The Atom feed: permanent entry ids, `updated` from when an article entered the archive,
and the feed itself valid Atom (RFC 4287). Real files, a real index, Flask's test client."""

from __future__ import annotations

import datetime as dt
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

NS = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
TAG_URI = re.compile(r"^tag:[a-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?:[\w.~!$&'()*+,;=:@/?%-]*$",
                     re.IGNORECASE)
ENTERED = dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
STORY = ("Dock workers at the northern harbour walked out on Monday after talks over pay and "
         "night shifts collapsed, leaving container ships queueing outside the port.")


def write(corpus: Path, name: str, text: str, entered: dt.datetime = ENTERED) -> None:
    path = corpus / name
    path.write_text(text, encoding="utf-8")
    os.utime(path, (entered.timestamp(), entered.timestamp()))


OTHER = ("The harbour master said the dredging of the eastern channel would begin in spring, "
         "once the council had agreed how to pay for it and where the silt would go.")
BRIEFS = ("Harbour dues rise by a tenth from April, the port authority said on Friday.",
          "A new pilot boat joined the harbour fleet after two years of delays at the yard.")


def harbour_corpus(corpus: Path) -> None:
    write(corpus, "dated.txt", f"Title: Harbour strike closes port\nDate: 2001-05-03\n\n{STORY}\n")
    write(corpus, "undated.txt", f"Title: Harbour dredging to begin\n\n{OTHER}\n",
          ENTERED + dt.timedelta(days=3))
    write(corpus, "wire.jsonl", "\n".join(
        f'{{"id": "w{n}", "title": "Harbour brief {n}", "body": "{body}"}}'
        for n, body in enumerate(BRIEFS)))


def build(corpus: Path, index: Path):
    from archive import Config, open_archive
    from indexer import pipeline

    archive = open_archive(Config(corpus, index))
    report = pipeline.rebuild(archive, corpus, workers=1)
    assert report.ok, report.failed
    return archive


def client(corpus: Path, index: Path, server: str):
    from webapp import create_app

    app = create_app({"TESTING": True, "INDEX_DIR": str(index), "CORPUS_DIR": str(corpus),
                      "SERVER_NAME": server, "TODAY": dt.date(2026, 6, 1)})
    return app.test_client()


def feed(test_client, query: str = "q=harbour") -> ET.Element:
    resp = test_client.get(f"/feed.atom?{query}")
    assert resp.status_code == 200 and resp.mimetype == "application/atom+xml"
    return ET.fromstring(resp.get_data())


def entries(root: ET.Element) -> dict[str, ET.Element]:
    """Entries by title."""
    return {e.findtext(f"{NS}title"): e for e in root.findall(f"{NS}entry")}


def assert_valid_atom(root: ET.Element) -> None:
    """The MUSTs of RFC 4287 that a feed of articles can break (sections 3.3, 4.1, 4.2)."""
    assert root.tag == f"{NS}feed"

    def one(parent: ET.Element, name: str) -> str:
        found = parent.findall(f"{NS}{name}")
        assert len(found) == 1, f"{parent.tag} has {len(found)} <{name}>"
        assert found[0].text and found[0].text.strip(), f"empty <{name}>"
        return found[0].text

    for name in ("id", "title", "updated"):
        one(root, name)
    assert RFC3339.match(one(root, "updated"))
    assert TAG_URI.match(one(root, "id")), one(root, "id")
    feed_has_author = root.find(f"{NS}author/{NS}name") is not None
    seen = set()
    for entry in root.findall(f"{NS}entry"):
        entry_id = one(entry, "id")
        assert TAG_URI.match(entry_id), entry_id
        assert (entry_id, one(entry, "updated")) not in seen  # 4.1.1: no two alike
        seen.add((entry_id, one(entry, "updated")))
        one(entry, "title")
        assert RFC3339.match(one(entry, "updated"))
        if entry.find(f"{NS}published") is not None:
            assert RFC3339.match(one(entry, "published"))
        assert feed_has_author or entry.find(f"{NS}author/{NS}name") is not None
        links = entry.findall(f"{NS}link")
        assert entry.find(f"{NS}content") is not None or any(
            link.get("rel", "alternate") == "alternate" for link in links)
        assert all(link.get("href") for link in links)
    for link in root.iter(f"{NS}link"):
        assert link.get("href")


@pytest.fixture
def harbour(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    harbour_corpus(corpus)
    build(corpus, index)
    return corpus, index


def test_entry_ids_do_not_depend_on_the_host_and_port(harbour):
    here = feed(client(*harbour, "localhost:8000"))
    moved = feed(client(*harbour, "archive.example.org:9999"))
    assert_valid_atom(here)
    ids = [e.findtext(f"{NS}id") for e in here.findall(f"{NS}entry")]
    assert len(ids) == 4 == len(set(ids))
    assert ids == [e.findtext(f"{NS}id") for e in moved.findall(f"{NS}entry")]
    assert here.findtext(f"{NS}id") == moved.findtext(f"{NS}id") == "tag:morgue,2026:feed?q=harbour"
    assert not any("localhost" in i or "8000" in i for i in ids)
    # Only the links follow the server.
    links = [e.find(f"{NS}link").get("href") for e in moved.findall(f"{NS}entry")]
    assert all(link.startswith("http://archive.example.org:9999/article/") for link in links)


def test_entry_ids_name_the_file_bytes_and_the_item(harbour):
    import hashlib

    corpus, _ = harbour
    by_title = entries(feed(client(*harbour, "localhost")))
    dated = hashlib.sha256((corpus / "dated.txt").read_bytes()).hexdigest()
    wire = hashlib.sha256((corpus / "wire.jsonl").read_bytes()).hexdigest()
    assert by_title["Harbour strike closes port"].findtext(f"{NS}id") == \
        f"tag:morgue,2026:sha256:{dated}"
    assert by_title["Harbour brief 1"].findtext(f"{NS}id") == f"tag:morgue,2026:sha256:{wire}/w1"


def test_an_undated_article_was_updated_when_it_entered_the_archive(harbour):
    by_title = entries(feed(client(*harbour, "localhost")))
    undated = by_title["Harbour dredging to begin"]
    assert undated.findtext(f"{NS}updated") == "2020-01-05T03:04:05Z"  # not today
    assert undated.find(f"{NS}published") is None
    dated = by_title["Harbour strike closes port"]
    assert dated.findtext(f"{NS}updated") == "2020-01-02T03:04:05Z"
    assert dated.findtext(f"{NS}published") == "2001-05-03T00:00:00Z"


def test_ids_and_times_survive_a_reindex(harbour):
    corpus, index = harbour
    before = client(corpus, index, "localhost").get("/feed.atom?q=harbour").get_data()
    build(corpus, index)  # a new index generation from the same corpus
    after = client(corpus, index, "localhost").get("/feed.atom?q=harbour").get_data()
    assert after == before


def test_feed_level_updated_is_its_newest_entry_and_an_empty_feed_is_valid(harbour):
    root = feed(client(*harbour, "localhost"))
    assert root.findtext(f"{NS}updated") == "2020-01-05T03:04:05Z"
    empty = feed(client(*harbour, "localhost"), "q=zqxjv")
    assert_valid_atom(empty)
    assert empty.findall(f"{NS}entry") == []
    assert empty.findtext(f"{NS}updated") == "1970-01-01T00:00:00Z"


def test_add_records_when_the_file_entered_and_a_reindex_keeps_it(cli, corpus, index_dir,
                                                                  tmp_path):
    from archive import Config, SearchRequest, open_archive

    source = tmp_path / "incoming.txt"
    source.write_text(f"Title: Ferry timetable changes\n\n{STORY}\n")
    os.utime(source, (ENTERED.timestamp(), ENTERED.timestamp()))  # the source's time is not it
    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    assert cli("add", str(source)).exit_code == 0
    archive = open_archive(Config(corpus, index_dir))

    def added() -> dt.datetime:
        hit = archive.search(SearchRequest('"Ferry timetable changes"')).hits[0]
        return hit.article.added

    first = added()
    assert started <= first <= dt.datetime.now(dt.timezone.utc)
    assert cli("reindex").exit_code == 0
    assert added() == first
    root = feed(client(corpus, index_dir, "localhost"), "q=ferry")
    assert entries(root)["Ferry timetable changes"].findtext(f"{NS}updated") == \
        first.strftime("%Y-%m-%dT%H:%M:%SZ")
