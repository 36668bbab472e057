"""File downloads for views: CSV and XLSX that spreadsheets open safely, any bytes as a file.

All go through `flask.send_file`, which writes the file name twice in Content-Disposition:
an ASCII fallback and the RFC 5987 `filename*=UTF-8''…` form, so Cyrillic names survive.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask import Response, send_file

# Werkzeug adds "; charset=utf-8" to every text/ type.
CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Column widths in characters: wide enough for a header, never wider than a screen.
MIN_WIDTH, MAX_WIDTH = 8, 60
# What Excel forbids in sheet names, and their longest length.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number is data, not a formula: "-0.25" must stay a number in the spreadsheet.
_NUMBER = re.compile(r"-\d+(\.\d+)?")


def file_response(data: bytes, filename: str, mimetype: str) -> Response:
    """`data` as a download named `filename` (any characters) for the visitor's browser."""
    return send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename
    )


def spreadsheet_safe(text: str) -> str:
    """The cell text a spreadsheet shows as typed: a leading formula sign gets an apostrophe."""
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_response(
    rows: Iterable[Sequence[str]], filename: str, header: Sequence[str] | None = None
) -> Response:
    """A CSV download of `rows` (after an optional `header` row) for spreadsheet programs.

    UTF-8 with a BOM so Excel reads Cyrillic; every cell made spreadsheet-safe, since names
    and answers in it are typed by users.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    if header is not None:
        writer.writerow([spreadsheet_safe(cell) for cell in header])
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return file_response(("\ufeff" + out.getvalue()).encode("utf-8"), filename, CSV_MIMETYPE)


@dataclass(frozen=True)
class SheetCell:
    """One spreadsheet cell: text, a number shown with `number_format`, a date, or empty.

    `note` is attached as a cell comment: it says why an empty cell is empty.
    """

    value: str | int | float | date | None
    number_format: str = ""
    note: str = ""


def xlsx_response(
    rows: Iterable[Sequence[SheetCell | str]],
    filename: str,
    header: Sequence[str],
    *,
    sheet: str,
    about: Sequence[tuple[str, str]] = (),
    about_sheet: str = "",
) -> Response:
    """An Excel workbook of `rows` under `header`, with `about` (label, value) on a second sheet.

    Numbers stay numbers with their display format, the header row is frozen and filterable,
    columns are sized to their contents. Every text is written as text, never as a formula,
    so a typed "=…" stays what it was.
    """
    # Imported here: XlsxWriter holds 3 MB in every worker, and few requests are exports.
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    formats: dict[str, object] = {}

    def number_format(code: str) -> object:
        if code not in formats:
            formats[code] = book.add_format({"num_format": code})
        return formats[code]

    table = book.add_worksheet(_sheet_name(sheet))
    widths = [len(name) for name in header]
    for column, name in enumerate(header):
        table.write_string(0, column, name, bold)
    count = 0
    for count, row in enumerate(rows, start=1):
        for column, cell in enumerate(row):
            item = cell if isinstance(cell, SheetCell) else SheetCell(cell)
            shown = _write_cell(table, count, column, item, number_format)
            if column < len(widths):
                widths[column] = max(widths[column], shown)
    for column, width in enumerate(widths):
        table.set_column(column, column, min(MAX_WIDTH, max(MIN_WIDTH, width + 2)))
    table.freeze_panes(1, 0)
    if header:
        table.autofilter(0, 0, max(count, 1), len(header) - 1)
    if about:
        _write_about(book.add_worksheet(_sheet_name(about_sheet or "About")), about, bold)
    book.close()
    return file_response(out.getvalue(), filename, XLSX_MIMETYPE)


def _write_cell(table, row: int, column: int, cell: SheetCell, number_format) -> int:
    """Write one cell by its kind; returns how many characters wide it shows."""
    value = cell.value
    if value is None or value == "":
        table.write_blank(row, column, None)
        shown = 0
    elif isinstance(value, bool) or not isinstance(value, int | float | date):
        table.write_string(row, column, str(value))
        shown = len(str(value))
    elif isinstance(value, date):
        table.write_datetime(row, column, value, number_format(cell.number_format or "dd.mm.yyyy"))
        shown = 10
    else:
        style = number_format(cell.number_format) if cell.number_format else None
        table.write_number(row, column, value, style)
        shown = len(f"{value:g}") + 2
    if cell.note:
        table.write_comment(row, column, cell.note, {"x_scale": 2, "y_scale": 1.2})
    return shown


def _write_about(sheet, about: Sequence[tuple[str, str]], bold: object) -> None:
    """The second sheet: what the figures are of (filters, period, the privacy rule)."""
    width = max(len(label) for label, _value in about)
    for row, (label, value) in enumerate(about):
        sheet.write_string(row, 0, label, bold)
        sheet.write_string(row, 1, value)
    sheet.set_column(0, 0, min(MAX_WIDTH, width + 2))
    sheet.set_column(1, 1, MAX_WIDTH)


def _sheet_name(name: str) -> str:
    """A name Excel accepts for a sheet: no []:*?/\\, at most 31 characters, never empty."""
    cleaned = _SHEET_NAME_FORBIDDEN.sub(" ", name).strip().strip("'")[:SHEET_NAME_LENGTH]
    return cleaned or "Sheet"
