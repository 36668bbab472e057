"""What a dashboard shows: tables of cells with small counts hidden, as HTML and as CSV."""

from __future__ import annotations

from collections.abc import Collection, Hashable
from dataclasses import dataclass, field
from typing import Any

from flask import Response
from flask_babel import gettext as _

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
    """Hides small counts, the cells the suppression rule adds, and rates built on either.

    `hidden` holds the (organization, measure) keys stats/suppression.py decided to hide; a
    count given without a key is hidden only when it is small. Every hidden count reads the
    same, whatever the reason: a different mark for the added ones would tell a reader that
    they are not small, and with the total that can pin the small one down.
    """

    def __init__(self, threshold: int, hidden: Collection[Hashable] = frozenset()):
        self.threshold = max(1, threshold)
        self.keys = hidden

    def hidden(self, value: int, key: Hashable | None = None) -> bool:
        return 0 < value < self.threshold or (key is not None and key in self.keys)

    def count(self, value: int, key: Hashable | None = None) -> Cell:
        if self.hidden(value, key):
            # All hidden cells sort as one value: the order must not reveal 1 vs 4 (or vs 40).
            return Cell(_("hidden"), self.threshold - 0.5, numeric=True)
        return Cell(str(value), value, numeric=True)

    def shown(self, value: int, key: Hashable | None = None) -> int | None:
        """The value for a chart: None where it must stay hidden."""
        return None if self.hidden(value, key) else value

    def rate(
        self, part: int, whole: int, part_key: Hashable = None, whole_key: Hashable = None
    ) -> Cell:
        if whole == 0 or self.hidden(part, part_key) or self.hidden(whole, whole_key):
            return Cell("—", None, numeric=True)
        percent = 100 * part / whole
        return Cell(f"{percent:.0f}%", percent, numeric=True)

    def ratio(
        self, part: int, whole: int, part_key: Hashable = None, whole_key: Hashable = None
    ) -> Cell:
        """A mean such as attempts per learner; hidden when either side is."""
        if whole == 0 or self.hidden(part, part_key) or self.hidden(whole, whole_key):
            return Cell("—", None, numeric=True)
        return Cell(f"{part / whole:.1f}", part / whole, numeric=True)
