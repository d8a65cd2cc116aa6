"""Corpus edge cases: link loops, UTF-16 without a byte-order mark, copies left by a killed add."""

from __future__ import annotations

import json
import os

from indexer.corpus import Skipped, iter_corpus


def test_link_loop_and_broken_link_are_named_as_such(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    os.symlink(corpus / "b.txt", corpus / "a.txt")
    os.symlink(corpus / "a.txt", corpus / "b.txt")
    os.symlink(corpus / "nowhere.txt", corpus / "c.txt")
    reasons = {e.relpath: e.reason for e in iter_corpus(corpus) if isinstance(e, Skipped)}
    assert reasons == {"a.txt": "symbolic link loop", "b.txt": "symbolic link loop",
                       "c.txt": "broken symbolic link"}


def test_utf16_text_without_bom_is_read(cli, corpus):
    text = "Zoll auf Stahl\n\nDie Regierung erhöht den Zoll auf Stahl aus Übersee deutlich.\n"
    (corpus / "wide.txt").write_bytes(text.encode("utf-16-le"))
    assert cli("reindex").exit_code == 0
    hit = json.loads(cli("search", "Zoll", "--json").output)["hits"][0]
    assert hit["title"] == "Zoll auf Stahl"


def test_add_removes_copies_a_killed_add_left(cli, corpus, tmp_path):
    leftover = corpus / ".story.txt.0123abcd.tmp"
    leftover.write_bytes(b"half a fil")
    story = tmp_path / "story.txt"
    story.write_text("Port strike\n\nDock workers went on strike.\n")
    result = cli("add", str(story))
    assert result.exit_code == 0
    assert not leftover.exists()
    assert "half-written copy left by an interrupted add; removed" in result.output
    assert (corpus / "story.txt").exists()
