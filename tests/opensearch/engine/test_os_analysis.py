"""OpenSearch's analysis gives the Whoosh schema's terms: compared on real articles with `_analyze`.

Texts: 100 Reuters-21578 articles and 100 BBC News articles (sampled with a fixed seed), the
88 English pages of the extraction set (its ground-truth bodies: curly quotes, dashes, names
in other scripts) and the 486 multilingual snippets of the varied extraction set (German ß,
ligatures, accents, Arabic and Cyrillic script).
"""

from __future__ import annotations

import difflib
import json
import random
import tarfile
from collections import Counter

import pytest

from archive.opensearch.mapping import FOLDING_FILE, index_body
from archive.opensearch.settings import OpenSearchSettings
from archive.whoosh.schema import name_analyzer, text_analyzer
from tests.conftest import shared_path
from tests.opensearch.engine.folding_table import table_text, whoosh_folding


def test_the_folding_table_is_whooshs():
    """archive/folding.txt is what Whoosh's lower-case-then-fold gives (regenerate
    with `python -m tests.opensearch.engine.folding_table`)."""
    assert FOLDING_FILE.read_text(encoding="utf-8") == table_text(whoosh_folding())


def reuters_and_bbc(count: int = 100) -> list[str]:
    from indexer.draft import Draft
    from indexer.reuters import read_reuters

    sgm = shared_path("data", "reuters21578", "reut2-017.sgm")
    drafts = [d for d in read_reuters(sgm.read_bytes(), sgm.name) if isinstance(d, Draft)]
    texts = [f"{d.title}\n{d.body}" for d in random.Random(11).sample(drafts, count)]
    with tarfile.open(shared_path("data", "bbc", "bbc-fulltext.tar.gz")) as tar:
        members = [m for m in tar.getmembers() if m.name.endswith(".txt")]
        texts += [tar.extractfile(m).read().decode("utf-8", "replace")
                  for m in random.Random(11).sample(members, count)]
    return texts


def extraction_texts() -> list[str]:
    truth = json.loads(shared_path("data", "extraction", "ground-truth.json").read_text())
    return [v["articleBody"] for v in truth.values() if v.get("articleBody")]


def varied_texts() -> list[str]:
    data = json.loads(shared_path("data", "extraction-varied", "evaldata.json").read_text())
    return [" ".join(v.get("with", [])) for v in data.values() if v.get("with")]


def compare(client, index: str, analyzer: str, whoosh, texts: list[str]) -> dict:
    """Identical texts and tokens, and the differences by kind (Whoosh's tokens, OpenSearch's)."""
    same = tokens = differing = 0
    kinds: Counter = Counter()
    for text in texts:
        ours = [t.text for t in whoosh(text)]
        theirs = [t["token"] for t in client.indices.analyze(
            index=index, body={"analyzer": analyzer, "text": text})["tokens"]]
        tokens += len(ours)
        if ours == theirs:
            same += 1
            continue
        matcher = difflib.SequenceMatcher(a=ours, b=theirs, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op != "equal":
                differing += max(i2 - i1, j2 - j1)
                kinds[(tuple(ours[i1:i2]), tuple(theirs[j1:j2]))] += 1
    return {"texts": len(texts), "identical": same, "tokens": tokens, "differing": differing,
            "kinds": kinds.most_common(10)}


@pytest.fixture(scope="module")
def analysis_index(opensearch_node):
    client = opensearch_node.client()
    name = "t-analysis"
    settings = OpenSearchSettings(urls=(opensearch_node.url,), index=name)
    client.indices.create(index=name, body=index_body(settings))
    yield client, name
    client.indices.delete(index=name)
    client.close()


@pytest.mark.opensearch
@pytest.mark.parametrize("texts", [reuters_and_bbc, extraction_texts, varied_texts])
def test_text_analysis_gives_the_whoosh_terms_on_real_articles(analysis_index, texts):
    client, index = analysis_index
    result = compare(client, index, "morgue_text", text_analyzer(), texts())
    print(texts.__name__, {k: v for k, v in result.items() if k != "kinds"}, result["kinds"])
    assert result["differing"] == 0, result
    assert result["identical"] == result["texts"]


@pytest.mark.opensearch
def test_name_analysis_gives_the_whoosh_terms(analysis_index):
    client, index = analysis_index
    names = ["Jürgen Großmann", "O'Brien & Sons", "Agence France-Presse", "Zürich; Genève",
             "ÉDITIONS LE MONDE", "Łódź", "Ørsted A/S", "Ḥalab"] + extraction_texts()[:20]
    result = compare(client, index, "morgue_names", name_analyzer(), names)
    assert result["differing"] == 0, result


@pytest.mark.opensearch
def test_positions_keep_the_gaps_of_dropped_words(analysis_index):
    """The one difference: OpenSearch counts the positions of the words it drops (phrase and
    proximity queries must allow for it); Whoosh closes the gaps."""
    client, index = analysis_index
    text = "the Bank of England said it would act"
    tokens = client.indices.analyze(index=index, body={"analyzer": "morgue_text",
                                                       "text": text})["tokens"]
    assert [(t["token"], t["position"]) for t in tokens] == [("bank", 1), ("england", 3),
                                                             ("said", 4), ("act", 7)]
    whoosh = [(t.text, t.pos) for t in text_analyzer()(text, positions=True)]
    assert whoosh == [("bank", 1), ("england", 2), ("said", 3), ("act", 4)]
