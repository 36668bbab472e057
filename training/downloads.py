"""File downloads for views: CSV that spreadsheets open safely, and any bytes as an attachment.

Both go through `flask.send_file`, which writes the file name twice in Content-Disposition:
an ASCII fallback and the RFC 5987 `filename*=UTF-8''…` form, so Cyrillic names survive.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from flask import Response, send_file

# Werkzeug adds "; charset=utf-8" to every text/ type.
CSV_MIMETYPE = "text/csv"

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
