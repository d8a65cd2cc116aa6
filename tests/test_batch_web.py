"""Batch search in the web UI: a list of names or phrases in, a table of counts out."""

from __future__ import annotations

import io

from bs4 import BeautifulSoup


def test_batch_counts_each_line_with_links(client):
    response = client.post("/batch", data={"lines": "Taliban\n\"VICE News\"\nzebra crossing\n\n"
                                                     "Taliban\n\"unclosed"})
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "lxml")
    rows = [(tr.td.get_text(" ", strip=True), tr.select_one("td.n").get_text())
            for tr in page.select("table.batch-table tbody tr")]
    assert rows[:3] == [("Taliban", "1"), ('"VICE News"', "1"), ("zebra crossing", "0")]
    assert len(rows) == 4  # the repeated line is counted once
    assert "quotation mark" in rows[3][0] and rows[3][1] == "0"
    link = page.select("table.batch-table tbody tr")[0].a["href"]
    assert link == "/?q=Taliban"


def test_batch_from_an_uploaded_file_and_json(client):
    data = {"file": (io.BytesIO(b"Kremlin\nMoscow\n"), "names.txt")}
    response = client.post("/batch", data=data, content_type="multipart/form-data")
    page = BeautifulSoup(response.get_data(as_text=True), "lxml")
    assert [td.get_text() for td in page.select("table.batch-table td.n")] == ["1", "1"]
    twin = client.get("/batch?format=json&lines=Kremlin%0Anothing+here")
    assert twin.get_json() == [{"line": "Kremlin", "total": 1, "error": None},
                               {"line": "nothing here", "total": 0, "error": None}]
    # the JSON twin at its own address, as the other pages have one
    assert client.get("/batch.json?lines=Kremlin%0Anothing+here").get_json() == twin.get_json()


def test_batch_form_is_shown_empty(client):
    page = BeautifulSoup(client.get("/batch").get_data(as_text=True), "lxml")
    assert page.select_one("textarea#lines") is not None
    assert page.select_one("table.batch-table") is None
