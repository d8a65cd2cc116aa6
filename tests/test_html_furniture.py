"""Page furniture in the languages of the archive's web pages, and prose that is not furniture."""

from __future__ import annotations

import pytest

from indexer.html_furniture import is_furniture


@pytest.mark.parametrize("line", [
    # English (the rules the others translate)
    "Read more: Council closes the old bridge", "Share this article", "Photo: Jane Doe/Reuters",
    "Follow The Daily Example on Twitter", "DON'T MISS", "5 min read", "Reading time: 4 minutes",
    # German
    "Lesen Sie auch: Brücke bleibt gesperrt", "Auch interessant:", "Mehr zum Thema Verkehr",
    "Das könnte Sie auch interessieren:", "Ähnliche Beiträge", "Artikel teilen", "Folgen Sie uns auf Facebook",
    "Foto: dpa", "Quelle: Stadt Köln", "Anzeige", "Schlagwörter: Brücke, Verkehr", "Jetzt abonnieren",
    "Lesedauer: 3 Minuten", "Alle Rechte vorbehalten",
    # Spanish, French, Italian, Portuguese, Dutch, Polish
    "Lea también: El puente sigue cerrado", "Le puede interesar: otra noticia", "Síguenos en Twitter",
    "Noticias relacionadas", "À lire aussi", "Partager sur Facebook", "Crédit photo : AFP",
    "Leggi anche: il ponte resta chiuso", "Leia também: a ponte continua fechada", "Clique aqui para assinar",
    "Lees ook: de brug blijft dicht", "Czytaj też: most zamknięty", "Tempo de leitura: 1 minuto",
])
def test_furniture(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize("line", [
    "Die Brücke bleibt nach Angaben der Stadt mindestens bis zum Frühjahr gesperrt.",
    "Weitere Informationen erhielten die Anwohner bei einer Versammlung am Montagabend.",
    "Lea Müller wohnt seit zwanzig Jahren an der Brücke und fährt nun jeden Tag einen Umweg.",
    "Los vecinos leen también los avisos del ayuntamiento en el tablón de la plaza.",
    "Le pont restera fermé jusqu'au printemps, selon la mairie.",
    "Readers were told the time had come to find another way across the river.",
    "Photographers gathered at the bridge on Monday morning.",
    # long lines are never furniture, whatever they start with
    "Lesen Sie auch, was die Ingenieure über die Risse in den beiden Stützen herausgefunden haben, "
    "warum die Stadt so lange gewartet hat und wie die Umleitung in den nächsten Monaten aussehen soll, "
    "denn viele Pendler sind verärgert.",
])
def test_not_furniture(line: str) -> None:
    assert not is_furniture(line)
