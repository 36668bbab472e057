"""Helpers for assignment tests: a published course with a graded assignment, files to hand in."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import sqlalchemy as sa

from assignments import services
from assignments.models import Assignment, Submission
from assignments.rubric import parse_rubric
from courses import learning
from courses.models import Course
from tests.course_helpers import build_course
from training.accounts.models import User
from training.extensions import db

RUBRIC = """Структура | Заголовок, лид, основная часть
- 0 | Нет структуры
- 2 | Частично | Есть заголовок и лид
- 4 | Полностью
Факты
- 0 | Нет фактов
- 3 | Есть цифры и источники
"""

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    """A minimal DOCX container: its parts list and body, as Word writes them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt_bytes() -> bytes:
    """A minimal ODT container: the uncompressed mimetype entry first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def build_assignment(
    owner: User, slug: str = "info-work", **settings: Any
) -> tuple[Course, Assignment]:
    """The standard course plus an open assignment after module "osnovy" with the rubric."""
    course = build_course(owner, slug=slug)
    values: dict[str, Any] = {
        "title": "Заметка для сайта",
        "module_key": "osnovy",
        "task": "Напишите **заметку** о собрании.",
        "criteria": parse_rubric(RUBRIC),
    }
    values.update(settings)
    assignment = services.create_assignment(course, services.AssignmentSettings(**values))
    db.session.commit()
    return course, assignment


def enroll(user: User, course: Course) -> None:
    learning.enroll(user.id, course)
    db.session.commit()


def all_submissions() -> list[Submission]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Submission).order_by(Submission.id)))
