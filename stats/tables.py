"""What a dashboard shows: tables of cells with small counts hidden, as HTML and as CSV."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Response

from training.downloads import csv_response


@dataclass(frozen=True)
class Cell:
    """A shown value: `text` as displayed and exported, `sort` as ordered, `href` to drill down."""

    text: str
    sort: Any = None
    href: str | None = None
    numeric: bool = False


@dataclass
class Table:
    """Headers and rows of cells; the CSV export writes exactly these texts."""

    caption: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    sortable: bool = False

    def sort_by(self, column: int, descending: bool) -> None:
        """Order rows by one column; hidden small counts all sort as one value."""
        if 0 <= column < len(self.headers):
            self.rows.sort(key=lambda row: _sort_key(row[column]), reverse=descending)

    def csv_response(self, filename: str) -> Response:
        """The table as a CSV download, exactly the texts the page shows."""
        return csv_response(
            ([cell.text for cell in row] for row in self.rows), filename, self.headers
        )


def _sort_key(cell: Cell) -> tuple:
    return (cell.sort is None, cell.sort if cell.sort is not None else cell.text)


class Privacy:
    """Hides counts from 1 to threshold-1, and rates built on them, so no one is singled out."""

    def __init__(self, threshold: int):
        self.threshold = max(1, threshold)

    def hidden(self, value: int) -> bool:
        return 0 < value < self.threshold

    def count(self, value: int) -> Cell:
        if self.hidden(value):
            # Sorted as just under the threshold: the order must not reveal 1 vs 4.
            return Cell(f"<{self.threshold}", self.threshold - 0.5, numeric=True)
        return Cell(str(value), value, numeric=True)

    def shown(self, value: int) -> int | None:
        """The value for a chart: None where it must stay hidden."""
        return None if self.hidden(value) else value

    def rate(self, part: int, whole: int) -> Cell:
        if whole == 0 or self.hidden(part) or self.hidden(whole):
            return Cell("—", None, numeric=True)
        percent = 100 * part / whole
        return Cell(f"{percent:.0f}%", percent, numeric=True)

    def ratio(self, part: int, whole: int) -> Cell:
        """A mean such as attempts per learner; hidden when either side is small."""
        if whole == 0 or self.hidden(part) or self.hidden(whole):
            return Cell("—", None, numeric=True)
        return Cell(f"{part / whole:.1f}", part / whole, numeric=True)
