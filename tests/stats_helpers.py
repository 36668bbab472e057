"""Helpers for statistics tests: learners who do things, and reading tables off a page."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

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
