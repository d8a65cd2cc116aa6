"""Plain-text articles: header block, banner, title line, dateline, paragraphs."""

from __future__ import annotations

import datetime as dt

import pytest

from indexer.draft import ExtractionError
from indexer.text import extract_text, find_dateline


def test_header_block_sets_metadata():
    draft = extract_text("Title: Budget passes\nDate: 2019-03-04\nOutlet: the guardian\n"
                         "Author: Ann Lee and Bo Chan\nURL: https://example.org/a\nLanguage: EN\n\n"
                         "LONDON — The budget passed on Monday.\n\nSecond paragraph.\n")
    assert draft.title == "Budget passes"
    assert draft.published == dt.date(2019, 3, 4)
    assert (draft.date_precision, draft.date_source) == ("day", "header")
    assert draft.outlet == "The Guardian"
    assert draft.authors == ["Ann Lee", "Bo Chan"]
    assert draft.url == "https://example.org/a"
    assert draft.language == "en"
    assert draft.dateline == "London"
    assert draft.body.split("\n\n") == ["LONDON — The budget passed on Monday.",
                                        "Second paragraph."]


def test_partial_and_impossible_header_dates():
    assert extract_text("Date: 2019-03\n\nT\n\nbody text").date_precision == "month"
    assert extract_text("Date: 1875\n\nT\n\nbody text").date_precision == "year"
    future = extract_text(f"Date: {dt.date.today().year + 2}-01-01\n\nT\n\nbody text")
    assert future.published is None
    assert extract_text("Date: 1700-01-01\n\nT\n\nbody").published is None


def test_first_line_is_title_and_banner_is_removed():
    draft = extract_text("\nThis article is more than 5 years old\n\nHeadline here\n\nBody one.\n")
    assert draft.title == "Headline here"
    assert draft.age_banner.years == 5
    assert draft.body == "Body one."


def test_text_that_is_not_a_header_is_kept():
    draft = extract_text("Note: this is the headline\n\nBody.")
    assert draft.title == "Note: this is the headline"


@pytest.mark.parametrize("text, place, agency", [
    ("WASHINGTON (Reuters) - The Senate", "Washington", "Reuters"),
    ("NEW YORK, June 3 (AP) -- Stocks fell", "New York", "Associated Press"),
    ("MOSCOW — Officials said", "Moscow", None),
    ("MOSCOW Nearly 30 years after", "Moscow", None),
    ("BEIRUT, Lebanon — The blast", "Beirut, Lebanon", None),
    ("The cat sat", None, None),
    ("I think so", None, None),
    ("UPDATE: The figures", None, None),
])
def test_datelines(text, place, agency):
    assert find_dateline(text) == (place, agency)


def test_title_only_file_fails_clearly():
    with pytest.raises(ExtractionError, match="no article text"):
        extract_text("Just a title\n")
