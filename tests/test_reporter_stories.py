"""Reporter tools around stories and articles: duplicate grouping, versions, more like this,
next-match links, citations, and the command line (search --no-group, export)."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from archive import SearchRequest
from archive.dedup import Clusterer
from archive.export import citation, defuse
from reporter_corpora import (STRIKE, TODAY, build, newsroom_corpus, reuters_corpus)


@pytest.fixture(scope="module")
def reuters(tmp_path_factory):
    return build(reuters_corpus(tmp_path_factory.mktemp("reuters"), "reut2-001.sgm"))


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    return build(newsroom_corpus(tmp_path_factory.mktemp("newsroom")))


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def run(ns, *args: str):
    from manage import cli

    return CliRunner().invoke(cli, ["--corpus", str(ns.corpus), "--index", str(ns.index), *args],
                              catch_exceptions=False)


# -- 5. duplicates and syndication ------------------------------------------------------


def test_exact_and_near_duplicates_share_a_story_key():
    c = Clusterer()
    a = c.assign("a", "Strike", STRIKE)
    b = c.assign("b", "Strike again", STRIKE.replace("Monday", "Tuesday"))
    same = c.assign("c", "Strike", STRIKE)
    other = c.assign("d", "Bridge", "A completely different story about a swing bridge "
                                    "that engineers closed after finding cracks in girders.")
    short = c.assign("e", "Brief", "Port closed.")
    short_again = c.assign("f", "Brief", "Port  closed!")  # same words: same story
    assert a == b == same == "a" and other == "d" and short == short_again == "e"


def test_story_table_keeps_clusters_across_transactions(tmp_path):
    """An update finds the stories of earlier commits in the table on disk."""
    from archive.dedup import StoryTable, fingerprint

    first = StoryTable(tmp_path / "stories.sqlite", bulk=True)
    assert first.assign("a", fingerprint("Strike", STRIKE)) == "a"
    first.commit()
    first.close()
    later = StoryTable(tmp_path / "stories.sqlite")
    assert later.assign("b", fingerprint("Strike", STRIKE.replace("Monday", "Friday"))) == "a"
    later.close()  # not committed: "b" is not remembered
    again = StoryTable(tmp_path / "stories.sqlite")
    assert again.assign("c", fingerprint("Bridge", "A swing bridge closed after engineers "
                                                   "found cracks in two of its girders.")) == "c"
    again.close()


def test_versions_are_one_hit_with_the_earliest_first(newsroom):
    page = newsroom.client.get("/search.json?q=dockers OR strike").get_json()
    assert page["total"] == 3 and page["stories"] == 1 and len(page["hits"]) == 1
    hit = page["hits"][0]
    assert hit["published"] == "2001-05-02" and hit["other_versions"] == 2
    html = soup(newsroom.client.get("/?q=strike"))
    count = " ".join(html.select_one(".summary .count").get_text(" ").split())
    assert count.startswith("3 articles in 1 story")
    link = html.select_one(".hit .versions a")
    assert link.get_text() == "2 other versions"
    assert urlsplit(link["href"]).fragment == "versions"


def test_grouping_can_be_turned_off(newsroom):
    html = soup(newsroom.client.get("/?q=strike"))
    off = next(a for a in html.select(".grouping a"))
    assert parse_qs(urlsplit(off["href"]).query)["group"] == ["off"]
    page = soup(newsroom.client.get(off["href"]))
    assert len(page.select(".hit")) == 3 and not page.select(".hit .versions")
    assert page.find("input", attrs={"name": "group"})["value"] == "off"  # kept by the form


def test_article_page_lists_the_versions(newsroom):
    oldest = newsroom.archive.search(SearchRequest("strike", group=False, sort="oldest")).hits
    middle = oldest[1].article  # 2001-05-03, Daily Planet
    page = soup(newsroom.client.get(f"/article/{middle.id}"))
    items = page.select("#versions li")
    assert [i.time["datetime"] for i in items] == ["2001-05-02", "2001-05-04"]
    kinds = [i.select_one(".meta").get_text().split(" · ")[-1].strip() for i in items]
    assert kinds == ["edited text", "identical text"]
    data = newsroom.client.get(f"/article/{middle.id}.json").get_json()
    assert [(v["published"], v["identical"]) for v in data["versions"]] == [
        ("2001-05-02", False), ("2001-05-04", True)]


def test_reuters_repeats_are_grouped(reuters):
    page = reuters.archive.search(SearchRequest(""))
    assert page.stories < page.total
    grouped = reuters.archive.search(SearchRequest("", page_size=100))
    assert len({h.story for h in grouped.hits}) == len(grouped.hits)
    ungrouped = reuters.archive.search(SearchRequest("", group=False))
    assert ungrouped.stories is None and ungrouped.total == page.total


def test_an_added_version_joins_the_existing_story(tmp_path):
    corpus = newsroom_corpus(tmp_path)
    ns = build(corpus)
    extra = tmp_path / "late.txt"
    extra.write_text("Title: Dock strike\nDate: 2001-05-09\nOutlet: Night Owl\n\n"
                     + STRIKE.replace("walked out", "went on strike") + "\n", encoding="utf-8")
    result = run(ns, "add", str(extra))
    assert result.exit_code == 0, result.output
    page = ns.archive.search(SearchRequest("strike"))
    assert page.total == 4 and page.stories == 1


# -- 6. more like this ---------------------------------------------------------------------


def test_more_like_this_lists_five_other_stories(reuters):
    hit = reuters.archive.search(SearchRequest("opec oil output")).hits[0]
    page = soup(reuters.client.get(f"/article/{hit.article.id}"))
    links = page.select(".similar li a")
    assert len(links) == 5
    ids = [a["href"].rsplit("/", 1)[-1] for a in links]
    versions = {v.id for v in reuters.archive.versions(hit.article)}
    assert hit.article.id not in ids and not versions & set(ids)


# -- 7. next-match links ------------------------------------------------------------------


def test_matches_have_next_links_and_a_list(reuters):
    hit = reuters.archive.search(SearchRequest("oil", sort="relevance")).hits[0]
    page = soup(reuters.client.get(f"/article/{hit.article.id}?q=oil"))
    marks = page.select(".body mark[id]")
    assert len(marks) > 2
    nav = page.select("#matches .match-list a")
    assert [a["href"] for a in nav] == [f"#m{i}" for i in range(1, len(marks) + 1)]
    nexts = page.select(".body a.next-match")
    assert [a["href"] for a in nexts[:-1]] == [f"#m{i}" for i in range(2, len(marks) + 1)]
    assert nexts[-1]["href"] == "#matches"
    assert nexts[0]["aria-label"] == f"Next match (2 of {len(marks)})"


# -- 8. citation and CSV cells ---------------------------------------------------------------


def test_citation_on_the_article_page(newsroom):
    hit = newsroom.archive.search(SearchRequest("strike", group=False, sort="oldest")).hits[0]
    page = soup(newsroom.client.get(f"/article/{hit.article.id}"))
    box = page.select_one("textarea#citation")
    assert box.has_attr("readonly")
    assert box.get_text() == (f"Evening Star. “Port shut as dockers strike.” 2 May 2001. "
                              f"http://morgue.test/article/{hit.article.id} "
                              f"(accessed {TODAY.isoformat()}).")


def test_citation_prefers_the_original_url():
    from archive import Article

    art = Article(id="x", path="x", sha256="0", format="html", title="Floods", body="",
                  outlet="The Paper", url="https://paper.test/floods",
                  published=__import__("datetime").date(2019, 7, 1), date_precision="month")
    assert citation(art, "https://paper.test/floods", TODAY) == (
        "The Paper. “Floods.” July 2019. https://paper.test/floods (accessed 2024-06-01).")


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_defused(cell):
    assert defuse(cell) == "'" + cell and defuse("plain") == "plain"


# -- command line ---------------------------------------------------------------------------


def test_cli_search_groups_and_can_stop_grouping(newsroom):
    grouped = run(newsroom, "search", "strike")
    assert grouped.exit_code == 0 and "3 articles in 1 stories" in grouped.output
    assert "(2 other versions)" in grouped.output
    flat = json.loads(run(newsroom, "search", "strike", "--no-group", "--json").output)
    assert flat["group"] is False and len(flat["hits"]) == 3


def test_cli_export_writes_every_match(newsroom, tmp_path):
    out = tmp_path / "all.csv"
    result = run(newsroom, "export", "harbour", "--format", "csv", "-o", str(out))
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == newsroom.archive.search(SearchRequest("harbour")).total
    data = json.loads(run(newsroom, "export", "strike", "--format", "json").stdout)
    assert data["total"] == 3 and data["stories"] == 1
    assert {a["story"] for a in data["articles"]} == {data["articles"][0]["story"]}


def test_cli_suggests_a_spelling(reuters):
    result = run(reuters, "search", "petrolium")
    assert "Did you mean: petroleum" in result.output


def test_a_full_story_table_is_reported_as_a_full_disk(tmp_path):
    """SQLite's "database or disk is full" reaches the writer as OSError(ENOSPC), which the
    archive reports as a full disk (without a traceback, see tests/test_crash.py)."""
    import errno

    from archive.dedup import StoryTable, fingerprint

    table = StoryTable(tmp_path / "stories.sqlite")
    table._conn.execute("PRAGMA max_page_count=3")  # a database that cannot grow
    with pytest.raises(OSError) as caught:
        for i in range(200):
            table.assign(f"a{i}", fingerprint(f"Story {i}", STRIKE + f" Number {i} of many."))
        table.commit()
    assert caught.value.errno == errno.ENOSPC and "story table" in str(caught.value)
    table.close()
