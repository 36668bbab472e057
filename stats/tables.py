"""What a dashboard shows: tables of cells with small counts hidden, as HTML, CSV and XLSX."""

from __future__ import annotations

import re
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Response
from flask_babel import gettext as _

from training.downloads import SheetCell, csv_response, xlsx_response
from training.i18n import decimal

# How shown figures read as data: whole numbers, decimals, percentages ...
_NUMBER = re.compile(r"-?\d+(?:[.,](\d+))?")  # a decimal comma in Russian
_PERCENT = re.compile(r"(-?\d+(?:[.,](\d+))?)%")
# ... and the markers shown instead of a figure: a hidden small group ("<5"), or a rate or
# mean that is not shown ("—"). Whatever decides to hide a cell, these are what it shows.
_SMALL_GROUP = re.compile(r"[<‹]\s*(\d+)")
NOT_SHOWN = "—"


@dataclass(frozen=True)
class Cell:
    """A shown value: `text` as displayed and exported, `sort` as ordered, `href` to drill down."""

    text: str
    sort: Any = None
    href: str | None = None
    numeric: bool = False
    hidden: bool = False  # a count the privacy rule hides (its text is the "hidden" mark)


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
        """The table as CSV, equal to the page in meaning, every figure cell a plain number.

        Percentages are written in percent points under a header ending in ", %"; a marker
        shown instead of a figure ("<5", "—") goes to its own column next to the figure's.
        """
        columns = self._columns()
        header: list[str] = []
        for name, kind in zip(self.headers, columns, strict=False):
            header.append(_("%(column)s, %%", column=name) if kind.percent else name)
            if kind.markers:
                header.append(_("%(column)s (not shown)", column=name))
        rows = []
        for row in self.rows:
            out: list[str] = []
            for cell, kind in zip(row, columns, strict=False):
                if not kind.numeric:
                    out.append(cell.text)
                    continue
                figure = read_figure(cell.text)
                marker = figure is None
                out.append("" if marker else _csv_number(cell.text, kind.percent))
                if kind.markers:
                    out.append(cell.text if marker else "")
            rows.append(out)
        return csv_response(rows, filename, header)

    def xlsx_response(self, filename: str, about: Sequence[tuple[str, str]]) -> Response:
        """The table as an Excel sheet: figures as numbers, hidden cells empty with a note."""
        columns = self._columns()
        rows = (
            [_sheet_cell(cell, kind.numeric) for cell, kind in zip(row, columns, strict=False)]
            for row in self.rows
        )
        return xlsx_response(
            rows,
            filename,
            self.headers,
            sheet=self.caption,
            about=about,
            about_sheet=_("Filters"),
        )

    def _columns(self) -> list[ColumnKind]:
        """Which columns hold figures (every cell a number, a marker or empty), and how."""
        kinds = []
        for index in range(len(self.headers)):
            cells = [row[index] for row in self.rows if index < len(row)]
            texts = [cell.text for cell in cells if cell.text != ""]
            numeric = bool(cells) and all(
                cell.numeric
                and (cell.text == "" or read_figure(cell.text) is not None or _marked(cell))
                for cell in cells
            )
            kinds.append(
                ColumnKind(
                    numeric=numeric,
                    percent=numeric and any(_PERCENT.fullmatch(text) for text in texts),
                    markers=numeric and any(_marked(cell) for cell in cells),
                )
            )
        return kinds


@dataclass(frozen=True)
class ColumnKind:
    """How a column exports: figures or text; percentages; markers beside the figures."""

    numeric: bool
    percent: bool = False
    markers: bool = False


def read_figure(text: str) -> tuple[float | int, str] | None:
    """A shown figure as (value, number format): "83%" -> (0.83, "0%"), "1.5" -> (1.5, "0.0")."""
    if match := _PERCENT.fullmatch(text):
        places = len(match[2] or "")
        return float(match[1].replace(",", ".")) / 100, "0" + (
            "." + "0" * places if places else ""
        ) + "%"
    if match := _NUMBER.fullmatch(text):
        if match[1] is None:
            return int(text), "0"
        return float(text.replace(",", ".")), "0." + "0" * len(match[1])
    return None


def is_marker(text: str) -> bool:
    """Whether a figure cell shows a marker instead of its number ("<5", "—")."""
    return text == NOT_SHOWN or _SMALL_GROUP.fullmatch(text) is not None


def _marked(cell: Cell) -> bool:
    return cell.hidden or is_marker(cell.text)


def marker_note(text: str, hidden: bool = False) -> str:
    """What a marker means, for the note on the empty spreadsheet cell."""
    if hidden:
        return _(
            "Hidden: a group too small to show, or a figure that would give one away by "
            "subtraction."
        )
    if match := _SMALL_GROUP.fullmatch(text):
        return _(
            "Fewer than %(threshold)s people: hidden so that no one can be singled out.",
            threshold=match[1],
        )
    return _("Not shown: it would rest on a hidden small group, or there is nothing to count.")


def _csv_number(text: str, percent: bool) -> str:
    """A figure's text as a plain number: "83%" -> "83" (the header says %), "6" -> "6"."""
    return text[:-1] if percent and text.endswith("%") else text


def _sheet_cell(cell: Cell, numeric: bool) -> SheetCell | str:
    """One shown cell as a spreadsheet cell."""
    if numeric:
        if _marked(cell):
            return SheetCell(None, note=marker_note(cell.text, cell.hidden))
        figure = read_figure(cell.text)
        return SheetCell(figure[0], figure[1]) if figure else SheetCell(None)
    if isinstance(cell.sort, date):
        return SheetCell(cell.sort)  # a real date (the trend's weeks), shown as on the page
    return cell.text


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
            return Cell(_("hidden"), self.threshold - 0.5, numeric=True, hidden=True)
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
        return Cell(decimal(part / whole, 1), part / whole, numeric=True)
