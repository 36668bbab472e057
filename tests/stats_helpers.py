"""Helpers for statistics tests: learners who do things, and reading tables off a page."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from html.parser import HTMLParser

from babel.dates import format_date

from courses import learning
from courses.models import Course
from quizzes import attempts
from quizzes.models import Quiz
from tests.quiz_helpers import RIGHT
from training.accounts.models import User
from training.extensions import db


def finish_lessons(user: User, course: Course, keys=("intro", "plan", "reach")) -> None:
    """Enroll and mark lessons done through the learning services (as the pages do)."""
    learning.enroll(user.id, course)
    for key in keys:
        learning.mark_done(user.id, course, course.published_revision, key)
    db.session.flush()


def take_quiz(user: User, quiz: Quiz, right: bool) -> None:
    attempt = attempts.start(quiz, user.id)
    answers = {i.id: RIGHT[i.version.name] if right else None for i in attempt.items}
    attempts.submit(attempt, user.id, answers)
    db.session.flush()


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self.cell = []
        elif tag == "a":
            self._href = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "a":
            self._href = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
            if self._href and data.strip():
                self.links.append((data.strip(), self._href))


def page_tables(html: str) -> list[list[list[str]]]:
    """Every table of a page as rows of cell texts (header row included)."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def page_links(html: str) -> dict[str, str]:
    """Link texts inside table cells and where they point."""
    parser = _Tables()
    parser.feed(html)
    return dict(parser.links)


def csv_rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode()), "CSV must start with a UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


NOT_SHOWN_SUFFIX = " (not shown)"
PERCENT_SUFFIX = ", %"


def csv_as_shown(rows: list[list[str]]) -> list[list[str]]:
    """An (English) CSV read back as the page shows it: "83" under "…, %" is "83%", and a
    marker from a "… (not shown)" column stands in its figure's place."""
    plan: list[tuple[str, int]] = []
    header: list[str] = []
    for index, name in enumerate(rows[0]):
        if name.endswith(NOT_SHOWN_SUFFIX):
            plan.append(("marker", index))
        elif name.endswith(PERCENT_SUFFIX):
            plan.append(("percent", index))
            header.append(name.removesuffix(PERCENT_SUFFIX))
        else:
            plan.append(("value", index))
            header.append(name)
    shown = [header]
    for row in rows[1:]:
        cells: list[str] = []
        for kind, index in plan:
            if kind == "marker":
                assert row[index] == "" or cells[-1] == "", "a figure and a marker in one row"
                cells[-1] = row[index] or cells[-1]
            else:
                percent = kind == "percent" and row[index]
                cells.append(row[index] + "%" if percent else row[index])
        shown.append(cells)
    return shown


def figure_columns_are_numbers(rows: list[list[str]], first_figure: int) -> None:
    """Every cell from `first_figure` on is a plain number, empty, or sits in a marker column."""
    for index, name in enumerate(rows[0]):
        if index < first_figure or name.endswith(NOT_SHOWN_SUFFIX):
            continue
        for row in rows[1:]:
            if row[index]:
                float(row[index])  # raises for "83%", "<5", "—"


FIGURE = re.compile(r"-?\d+(\.\d+)?%?")


def as_shown(cell) -> str:
    """A spreadsheet cell as the page would print it (numbers by their own number format)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_date(value.date(), "short", locale="en")
    if isinstance(value, str):
        return value
    assert cell.data_type == "n", cell.coordinate
    fmt = cell.number_format
    if fmt.endswith("%"):
        places = len(fmt.partition(".")[2]) - 1 if "." in fmt else 0
        return f"{value * 100:.{places}f}%"
    places = len(fmt.partition(".")[2])
    return f"{value:.{places}f}"


def assert_sheet_is_the_page(sheet, expected: list[list[str]]) -> None:
    """Cell for cell the page's table; an empty cell with a note stands for a page's marker."""
    shown = [[as_shown(cell) for cell in row] for row in sheet.iter_rows()]
    for row in sheet.iter_rows():
        for cell in row:
            if cell.comment is not None:
                assert cell.value is None, cell.coordinate
                r, c = cell.row - 1, cell.column - 1
                marks = ("—", "hidden", "скрыто")
                assert expected[r][c] in marks, (cell.coordinate, expected[r][c])
                shown[r][c] = expected[r][c]
    assert shown == expected
    assert sheet.freeze_panes == "A2"
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if FIGURE.fullmatch(expected[cell.row - 1][cell.column - 1]):
                assert cell.data_type == "n", cell.coordinate  # a figure is never text
