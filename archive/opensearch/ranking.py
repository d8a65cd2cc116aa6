"""The ranking of `archive.ranking` on OpenSearch: the widened query, proximity pairs, feedback.

The same rules as `archive.whoosh.ranking`, on the simplified query tree (the "most
of your words" OR form of a tree is `archive.ranking.widened`): `span_near` bonus clauses for consecutive query words of a long query, and RM3-style
feedback words taken from the best articles' bodies (analysed in Python). BM25's k1
and b are the index's similarity (archive.opensearch.mapping), set when it is built.
"""

from __future__ import annotations

from archive.analysis import TextAnalysis
from archive.opensearch.compile import Clause, phrase
from archive.qtree import LEAVES, AndNot, Everything, Node, Not, Phrase, Word, leaves, parts
from archive.ranking import RankSettings, feedback_words

ANALYSIS = TextAnalysis()


def _body(field: str | None) -> bool:
    return field is None or field == "body"


def query_words(node: Node) -> list[str]:
    """The body words of a query in the order typed, without NOT clauses and phrases."""
    if isinstance(node, Not):
        return []
    if isinstance(node, AndNot):
        return query_words(node.positive)
    if isinstance(node, (Word, Phrase)):
        if not _body(node.field):
            return []
        terms = [term for term, _ in ANALYSIS.words(node.field, node.text)]
        return terms if isinstance(node, Word) or len(terms) == 1 else []
    if isinstance(node, LEAVES):
        return []
    words: list[str] = []
    for child in parts(node):
        words.extend(query_words(child))
    return words


def proximity(tree: Node | None, settings: RankSettings) -> list[Clause]:
    """Bonus clauses for consecutive query words that appear close together, in order.

    Whoosh counts positions without the stop words; OpenSearch keeps their gaps, so a
    pair may be one position further apart.
    """
    if tree is None or not settings.prox_weight:
        return []
    words = query_words(tree)
    if len(words) < settings.prox_words:
        return []
    pairs = sorted({(a, b) for a, b in zip(words, words[1:], strict=False) if a != b})
    return [phrase("body", [a, b], settings.prox_slop, settings.prox_weight) for a, b in pairs]


def body_terms(tree: Node | None) -> set[str]:
    """Every body term of a query (its NOT clauses too): what feedback words leave out."""
    terms: set[str] = set()
    for leaf in leaves(tree):
        if isinstance(leaf, (Word, Phrase)) and _body(leaf.field):
            terms.update(term for term, _ in ANALYSIS.words(leaf.field, leaf.text))
    return terms


def feedback(words: set[str], top: list[tuple[str, float]], settings: RankSettings
             ) -> list[Clause]:
    """Feedback term clauses from the best articles' (body, score), RM3-style; [] for none."""
    return [{"term": {"body": {"value": word, "boost": weight}}}
            for word, weight in feedback_words(words, top, settings)]


def wants_feedback(tree: Node | None, settings: RankSettings) -> set[str] | None:
    """The query's body terms when the ranking adds feedback words to it; else None."""
    if tree is None or not settings.prf_weight or isinstance(tree, Everything):
        return None
    words = body_terms(tree)
    return words if len(words) >= settings.prf_words else None


__all__ = ["body_terms", "feedback", "proximity", "query_words", "wants_feedback"]
