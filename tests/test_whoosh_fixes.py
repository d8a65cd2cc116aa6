"""Corrections to whoosh3's own code (archive.whoosh.fixes): each test fails without its fix."""

from __future__ import annotations

from whoosh import fields
from whoosh import query as wq
from whoosh.filedb.filestore import RamStorage

import archive.whoosh.store  # noqa: F401  (applies archive.whoosh.fixes, as every search does)
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


def test_existing_terms_gives_the_terms_of_every_field_in_whoosh():
    schema = fields.Schema(title=fields.TEXT, body=fields.TEXT)
    ix = RamStorage().create_index(schema)
    with ix.writer() as w:
        w.add_document(title="harbour strike", body="the dockers walked out over night shifts")
    q = wq.And([wq.Or([wq.Term("title", "harbour"), wq.Term("body", "harbour")]),
                wq.Or([wq.Term("title", "dockers"), wq.Term("body", "dockers")]),
                wq.Prefix("body", "shift")])
    with ix.reader() as reader:
        assert q.existing_terms(reader) == {("title", b"harbour"), ("body", b"dockers")}
        assert q.existing_terms(reader, expand=True) == {
            ("title", b"harbour"), ("body", b"dockers"), ("body", b"shifts")}
        assert q.existing_terms(reader, fieldname="body", expand=True) == {
            ("body", b"dockers"), ("body", b"shifts")}


def test_a_word_in_no_title_is_marked_in_snippets_and_on_the_article_page(corpus, index_dir):
    """An archive of the seed and one news page: a word from the page's middle is marked."""
    import gzip

    from bs4 import BeautifulSoup

    from archive import Config, open_archive
    from archive.whoosh.schema import build_schema
    from webapp import create_app
    from tests.conftest import extraction_page

    (corpus / "page.html").write_bytes(gzip.decompress(extraction_page().read_bytes()))
    archive = open_archive(Config(corpus, index_dir))
    assert pipeline.rebuild(archive, corpus, workers=1).indexed == 2
    page = next(h.article for h in archive.search(SearchRequest("")).hits
                if h.article.path == "page.html")
    body = build_schema()["body"]
    fold = body.fold
    in_titles = {fold(w) for h in archive.search(SearchRequest("")).hits
                 for w in body.tokens.findall(h.article.title)}
    words = [w for w in page.body.split() if w.isalpha() and fold(w) not in in_titles | {None}]
    word = words[len(words) // 2]
    hit = next(h for h in archive.search(SearchRequest(word)).hits if h.article.id == page.id)
    assert "<mark>" in " ".join(hit.snippets), (word, hit.snippets)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index_dir),
                         "CORPUS_DIR": str(corpus)}).test_client()
    soup = BeautifulSoup(client.get(f"/article/{page.id}?q={word}").data, "html.parser")
    assert soup.select(".body mark"), word
