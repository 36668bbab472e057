"""Authoring assignments: create, change (a changed rubric is a new version), list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from assignments.models import (
    BY_MIX,
    BY_REVIEWER,
    BY_SCORE,
    BY_TRAINER,
    PEER_REVIEWS,
    REVIEW_MODES,
    Assignment,
    Rubric,
)
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
    review_mode: str = BY_TRAINER
    peer_reviews: int = 2
    reviews_before_result: bool = True
    weight_trainer: int = 0
    weight_peer: int = 0
    weight_self: int = 0
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
    _check_review(settings)


def _check_review(settings: AssignmentSettings) -> None:
    """Peers and the learner grade with the rubric; K is 1–5; a mix's weights sum to 100."""
    if settings.review_mode not in REVIEW_MODES:
        raise ServiceError(_("Choose who reviews the work."), "review_mode")
    if settings.review_mode != BY_TRAINER and not settings.criteria:
        raise ServiceError(_("Review by peers or by the learner needs a rubric."), "rubric")
    if settings.peer_reviews not in PEER_REVIEWS:
        raise ServiceError(_("Each version gets from 1 to 5 peer reviews."), "peer_reviews")
    if settings.review_mode != BY_MIX:
        return
    weights = (settings.weight_trainer, settings.weight_peer, settings.weight_self)
    if any(w < 0 or w > 100 for w in weights) or sum(weights) != 100:
        raise ServiceError(
            _("The weights must add up to 100%% (now %(sum)d%%).", sum=sum(weights)),
            "weight_trainer",
        )


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
        "review_mode",
        "peer_reviews",
        "reviews_before_result",
    ):
        setattr(assignment, name, getattr(settings, name))
    mix = settings.review_mode == BY_MIX  # weights mean something only in a mix
    assignment.weight_trainer = settings.weight_trainer if mix else 0
    assignment.weight_peer = settings.weight_peer if mix else 0
    assignment.weight_self = settings.weight_self if mix else 0
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
