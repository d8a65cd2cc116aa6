"""The language of an article (indexer.language): fastText's identifier, read from the package."""

from __future__ import annotations

import pytest

from indexer.language import detect_language, model_path

SAMPLES = {
    "en": "The harbour workers ended their strike on Thursday after long talks with the owners.",
    "de": "Die Hafenarbeiter beendeten am Donnerstag nach langen Gesprächen ihren Streik.",
    "fr": "Les dockers ont mis fin jeudi à leur grève après de longues discussions.",
    "es": "Los trabajadores del puerto pusieron fin a su huelga el jueves tras largas conversaciones.",
    "pt": "Os trabalhadores do porto terminaram a greve na quinta-feira depois de longas conversas.",
    "ru": "Портовые рабочие в четверг прекратили забастовку после долгих переговоров.",
}


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_languages_are_named(code):
    assert detect_language(SAMPLES[code]) == code


def test_text_across_lines_is_one_sample():
    text = "The harbour workers\nended their strike\n\non Thursday after long talks."
    assert detect_language(text) == "en"


def test_too_short_or_unsure_gives_none():
    assert detect_language("Strike ends") is None
    assert detect_language("   \n  ") is None
    assert detect_language("1987 1988 1989 1990 1991 1992 1993 1994 1995 1996 1997") is None


def test_model_is_the_installed_file():
    path = model_path()
    assert path.name == "lid.176.ftz" and path.stat().st_size > 500_000
