"""Authoring assignments: create, change (a changed rubric is a new version), list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from assignments.models import BY_REVIEWER, BY_SCORE, Assignment, Rubric
from courses.keys import KEY_RE, unique_key
from courses.models import Course, CourseMedia
from training.errors import ServiceError
from training.extensions import db


@dataclass
class AssignmentSettings:
    """What a trainer sets for an assignment (the rubric as parsed criteria)."""

    title: str
    module_key: str | None = None
    task: str = ""
    example: str = ""
    template_filename: str | None = None
    hand_in: str = "text"
    is_open: bool = True
    required: bool = True
    pass_rule: str = BY_REVIEWER
    pass_percent: int = 60
    due_at: datetime | None = None
    late_policy: str = "allow"
    criteria: list[dict[str, Any]] = field(default_factory=list)


def _check(course: Course, settings: AssignmentSettings) -> None:
    if settings.module_key and settings.module_key not in {m.key for m in course.modules}:
        raise ServiceError(_("Choose a module of this course."), "module")
    if settings.template_filename:
        exists = db.session.scalar(
            sa.select(CourseMedia.id).where(
                CourseMedia.course_id == course.id,
                CourseMedia.filename == settings.template_filename,
            )
        )
        if exists is None:
            raise ServiceError(_("Choose a file of this course."), "template")
    if settings.pass_rule == BY_SCORE and not settings.criteria:
        raise ServiceError(_("A pass mark by score needs a rubric."), "rubric")


def create_assignment(
    course: Course, settings: AssignmentSettings, key: str | None = None
) -> Assignment:
    """A new assignment of the course (key made from the title unless given, as packs do)."""
    _check(course, settings)
    taken = set(
        db.session.scalars(sa.select(Assignment.key).where(Assignment.course_id == course.id))
    )
    if key is not None and (not KEY_RE.fullmatch(key) or key in taken):
        raise ServiceError(_("This key is not valid or already used."), "key")
    assignment = Assignment(course_id=course.id, key=key or unique_key(settings.title, taken))
    db.session.add(assignment)
    _apply(assignment, settings)
    db.session.flush()
    _set_rubric(assignment, settings.criteria)
    return assignment


def update_assignment(course: Course, assignment: Assignment, settings: AssignmentSettings) -> None:
    """Change an assignment; a changed rubric becomes a new version, old reviews keep theirs."""
    _check(course, settings)
    _apply(assignment, settings)
    current = assignment.rubric.criteria if assignment.rubric else []
    if settings.criteria != current:
        _set_rubric(assignment, settings.criteria)
    db.session.flush()


def _apply(assignment: Assignment, settings: AssignmentSettings) -> None:
    for name in (
        "title",
        "task",
        "example",
        "hand_in",
        "is_open",
        "required",
        "pass_rule",
        "pass_percent",
        "due_at",
        "late_policy",
    ):
        setattr(assignment, name, getattr(settings, name))
    assignment.module_key = settings.module_key or None
    assignment.template_filename = settings.template_filename or None


def _set_rubric(assignment: Assignment, criteria: list[dict[str, Any]]) -> None:
    if not criteria:
        assignment.rubric = None
        return
    number = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Rubric.number), 0)).where(
            Rubric.assignment_id == assignment.id
        )
    )
    rubric = Rubric(assignment_id=assignment.id, number=number + 1, criteria=criteria)
    db.session.add(rubric)
    db.session.flush()
    assignment.rubric = rubric


def assignments_of(course: Course) -> list[Assignment]:
    """A course's assignments in path order: by module, then the closing ones."""
    rows = db.session.scalars(sa.select(Assignment).where(Assignment.course_id == course.id))
    order = {m.key: i for i, m in enumerate(course.modules)}
    return sorted(rows, key=lambda a: (order.get(a.module_key or "", len(order)), a.id))


def template_uses(course: Course, filename: str) -> bool:
    """Whether an open assignment offers the file as its template or shows it in its task or
    example (so learners may fetch it)."""
    needle = f"media/{filename}"
    found = db.session.scalar(
        sa.select(Assignment.id)
        .where(
            Assignment.course_id == course.id,
            Assignment.is_open.is_(True),
            sa.or_(
                Assignment.template_filename == filename,
                Assignment.task.contains(needle, autoescape=True),
                Assignment.example.contains(needle, autoescape=True),
            ),
        )
        .limit(1)
    )
    return found is not None
