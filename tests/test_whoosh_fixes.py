"""Corrections to whoosh3's own code (archive.whoosh_fixes): each test fails without its fix."""

from __future__ import annotations

from whoosh import fields
from whoosh import query as wq
from whoosh.filedb.filestore import RamStorage

import archive.store  # noqa: F401  (applies archive.whoosh_fixes, as every search does)
from archive import SearchRequest
from indexer import pipeline

TEXTS = {  # in document order: the excluded word comes first, alone
    "a.txt": "Corn harvest\n\nFarmers brought in the corn harvest early this autumn.",
    "b.txt": "Grain prices\n\nWheat and corn prices rose together at the grain exchange.",
    "c.txt": "Wheat shipment\n\nThe first wheat shipment of the season left the port.",
}


def test_and_not_excludes_its_first_candidate_in_whoosh():
    ix = RamStorage().create_index(fields.Schema(id=fields.ID(stored=True), body=fields.TEXT))
    with ix.writer() as w:
        for name, text in TEXTS.items():
            w.add_document(id=name, body=text)
    with ix.searcher() as s:
        q = wq.AndNot(wq.Term("body", "wheat"), wq.Term("body", "corn"))
        assert [hit["id"] for hit in s.search(q)] == ["c.txt"]
        assert list(s.docs_for_query(q)) == [2]


def test_excluded_word_excludes_through_both_search_paths(archive, corpus):
    for path in corpus.iterdir():
        path.unlink()
    for name, text in TEXTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    assert pipeline.rebuild(archive, corpus, workers=1).indexed == 3
    for q in ("wheat -corn", "whea* -corn"):  # numpy matching, and Whoosh's (wildcard)
        page = archive.search(SearchRequest(q))
        assert [h.article.path for h in page.hits] == ["c.txt"], q
