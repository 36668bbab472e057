"""The download helper: file names any browser saves as given, CSV that spreadsheets open safely."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask, Response

from tests.download_helpers import download_name
from training.downloads import csv_response, file_response


@pytest.fixture
def request_context(app: Flask):
    with app.test_request_context("/"):
        yield


def body(response: Response) -> bytes:
    response.make_sequence()  # send_file streams; a test reads it whole
    return response.get_data()


def test_a_cyrillic_file_name_survives(request_context):
    response = file_response(b"%PDF", "Сертификат «Основы» 2026.pdf", "application/pdf")
    assert download_name(response) == "Сертификат «Основы» 2026.pdf"
    assert response.mimetype == "application/pdf"
    assert body(response) == b"%PDF"


def test_an_ascii_file_name_is_sent_as_is(request_context):
    response = file_response(b"{}", "my-data-2026-05-01.zip", "application/zip")
    assert download_name(response) == "my-data-2026-05-01.zip"


def test_csv_starts_with_a_bom_and_says_utf8(request_context):
    response = csv_response([["Иванов", "3"]], "отчёт.csv", header=["Имя", "Уроки"])
    data = body(response)
    assert data.startswith("\ufeff".encode())
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert download_name(response) == "отчёт.csv"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8").removeprefix("\ufeff"))))
    assert rows == [["Имя", "Уроки"], ["Иванов", "3"]]


def test_csv_cells_cannot_run_as_formulas(request_context):
    typed = ["=1+1", "+7", "-2+3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")']
    response = csv_response([typed], "x.csv")
    [row] = csv.reader(io.StringIO(body(response).decode("utf-8").removeprefix("\ufeff")))
    assert row == ["'" + cell for cell in typed]


def test_csv_keeps_numbers_and_plain_text(request_context):
    cells = ["-0.250", "-3", "42", "Иван", "a=b", "", "—", "<5"]
    response = csv_response([cells], "x.csv")
    [row] = csv.reader(io.StringIO(body(response).decode("utf-8").removeprefix("\ufeff")))
    assert row == cells
