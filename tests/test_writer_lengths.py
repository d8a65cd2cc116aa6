"""The commit's field-length lookups (archive.whoosh.store.SegmentWriter) give whoosh3's own values.

Every posting block records the shortest and longest document it holds (Whoosh
uses them to skip blocks); they must be the same whether the lengths are read
per posting, as whoosh3 does, or per field, as the archive's writer does.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.filedb.filestore import FileStorage
from whoosh.matching.wrappers import FilterMatcher
from whoosh.writing import SegmentWriter as WhooshSegmentWriter

from archive.whoosh.store import SegmentWriter
from archive.whoosh.schema import build_schema

WORDS = ("harbour strike talks owners union wage port ship crane dock night shift pay "
         "vote council mayor city budget school rail bus").split()


def _documents(n):
    for i in range(n):
        words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(3 + (i * 13) % 40)]
        yield {"id": f"a{i}", "title": " ".join(words[:4]), "body": " ".join(words)}


def _blocks(path):
    ix = FileStorage(str(path)).open_index()
    out = []
    with ix.reader() as reader:
        for field in ("title", "body"):
            for text in reader.lexicon(field):
                m = reader.postings(field, text)
                m = m.child if isinstance(m, FilterMatcher) else m
                assert isinstance(m, W3LeafMatcher)
                while m.is_active():
                    out.append((field, text, m.block_min_length(), m.block_max_length(),
                                round(m.block_max_weight(), 6)))
                    m._next_block()
    return out


def _build(path, writer_class):
    path.mkdir()
    schema = build_schema()
    keep = {n for n in ("id", "title", "body") if n in schema.names()}
    assert keep == {"id", "title", "body"}
    ix = FileStorage(str(path)).create_index(schema)
    writer = writer_class(ix)
    for doc in _documents(600):
        writer.add_document(**doc)
    writer.commit()


def test_block_lengths_are_whooshs(tmp_path):
    _build(tmp_path / "ours", SegmentWriter)
    _build(tmp_path / "whoosh", WhooshSegmentWriter)
    ours, theirs = _blocks(tmp_path / "ours"), _blocks(tmp_path / "whoosh")
    assert len(ours) > 40
    assert ours == theirs
    assert len({(lo, hi) for _f, _t, lo, hi, _w in ours}) > 5  # lengths vary between blocks
