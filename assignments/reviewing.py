"""Trainers' review: who may review, grading a version with its rubric, the review queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, selectinload

from assignments.models import (
    ACCEPTED,
    BY_SCORE,
    BY_TRAINER,
    DECISIONS,
    REJECTED,
    REVISE,
    WAITING,
    Assignment,
    Review,
    Submission,
)
from assignments.submitting import record
from courses.models import Course
from courses.reviewers import ReviewScope
from training.accounts.models import User
from training.db import utcnow
from training.errors import ServiceError
from training.extensions import db
from training.hooks import progress_changed
from training.notifications.services import notify

QUEUE_LIMIT = 200
# The notification each decision sends to the learner.
NOTICE = {
    ACCEPTED: "assignment_accepted",
    REVISE: "assignment_revise",
    REJECTED: "assignment_reviewed",
}


@dataclass
class Grade:
    """What a reviewer decided: a level per criterion, feedback, decision, new due date."""

    levels: dict[int, int]
    feedback: str
    decision: str
    revise_by: datetime | None = None


def review(submission: Submission, reviewer: User, grade: Grade) -> Review:
    """Grade a waiting version with the assignment's current rubric and decide; tell the learner."""
    assignment = submission.assignment
    if submission.user_id == reviewer.id:
        raise ServiceError(_("You cannot review your own work."))
    if any(r.reviewer_id == reviewer.id for r in submission.reviews):
        raise ServiceError(_("You have already reviewed this version."))
    if not open_to_trainer(submission):
        raise ServiceError(_("This version has already been reviewed."))
    if grade.decision not in DECISIONS:
        raise ServiceError(_("Choose a decision."), "decision")
    rubric = assignment.rubric
    criteria = rubric.criteria if rubric else []
    points = rubric_points(criteria, grade.levels)
    max_points = rubric.max_points if rubric else 0
    row = Review(
        submission_id=submission.id,
        reviewer_id=reviewer.id,
        kind=BY_TRAINER,
        rubric_id=rubric.id if rubric else None,
        levels={str(i): level for i, level in grade.levels.items()},
        points=points,
        max_points=max_points,
        feedback=grade.feedback,
        decision=grade.decision,
    )
    percent, raw, maximum = row.percent, points, max_points
    if len(assignment.weights) > 1:  # a mix: the score is the weighted one, this grade in it
        # Imported here: peers decides through this module (settle calls announce).
        from assignments.peers import result

        percent = result(submission, adding=row).percent
        raw, maximum = percent or 0, 100
    below = percent is None or percent < assignment.pass_percent
    if grade.decision == ACCEPTED and assignment.pass_rule == BY_SCORE and below:
        raise ServiceError(
            _("The pass mark is %(mark)d%%; this grade is below it.", mark=assignment.pass_percent),
            "decision",
        )
    if grade.decision == REVISE and grade.revise_by is not None and grade.revise_by <= utcnow():
        raise ServiceError(_("The new due date must be in the future."), "revise_by")
    db.session.add(row)
    submission.status = grade.decision
    submission.revise_by = grade.revise_by if grade.decision == REVISE else None
    db.session.flush()
    announce(submission, row.decision, percent, raw, maximum)
    return row


def open_to_trainer(submission: Submission) -> bool:
    """A trainer reviews a waiting version, and may override what peers or the learner's own
    grade decided on the newest version as long as no trainer has reviewed it."""
    if submission.status == WAITING:
        return True
    if any(r.kind == BY_TRAINER for r in submission.reviews):
        return False
    newer = db.session.scalar(
        sa.select(Submission.id)
        .where(
            Submission.assignment_id == submission.assignment_id,
            Submission.user_id == submission.user_id,
            Submission.number > submission.number,
        )
        .limit(1)
    )
    return newer is None


def rubric_points(criteria: list[dict[str, Any]], levels: dict[int, int]) -> int:
    """Sum of the chosen levels' points; every criterion needs one level of its own."""
    if set(levels) != set(range(len(criteria))):
        raise ServiceError(_("Choose a level for every criterion."), "levels")
    total = 0
    for index, criterion in enumerate(criteria):
        level = levels[index]
        if not 0 <= level < len(criterion["levels"]):
            raise ServiceError(_("Choose a level for every criterion."), "levels")
        total += criterion["levels"][level]["points"]
    return total


def announce(
    submission: Submission, decision: str, percent: int | None, raw: int, maximum: int
) -> None:
    """A decided version: learning record, notification and, on acceptance, progress."""
    assignment = submission.assignment
    if percent is not None:
        score = {"raw": raw, "min": 0, "max": maximum, "scaled": percent / 100}
        record(assignment, submission.user_id, "scored", {"score": score})
    if decision == ACCEPTED:
        record(assignment, submission.user_id, "passed", {"success": True, "completion": True})
    elif decision == REJECTED:
        record(assignment, submission.user_id, "failed", {"success": False})
    # Imported here: peers decides through this module (settle calls announce).
    from assignments.peers import result_hidden

    # A learner who still owes peer reviews sees no result yet, by notification neither.
    owes = result_hidden(assignment, submission.user_id) > 0
    notify(
        submission.user,
        "assignment_result_waits" if owes else NOTICE[decision],
        assignment=assignment.title,
        course=assignment.course.title,
        slug=assignment.course.slug,
        key=assignment.key,
    )
    if decision == ACCEPTED:
        progress_changed.send(None, user_id=submission.user_id, course_id=assignment.course_id)


def submissions_query(scope: ReviewScope, state: str) -> sa.Select:
    """Sent versions with their assignment, course and learner, oldest first, in one statement."""
    return (
        sa.select(Submission)
        .join(Submission.assignment)
        .join(Assignment.course)
        .join(Submission.user)
        .options(
            contains_eager(Submission.assignment).contains_eager(Assignment.course),
            contains_eager(Submission.user),
            selectinload(Submission.reviews),
        )
        .where(*_queue_filter(scope, state))
        .order_by(Submission.submitted_at, Submission.id)
    )


def _queue_filter(scope: ReviewScope, state: str) -> list[sa.ColumnElement[bool]]:
    """Which sent versions a queue shows: those in the reviewer's scope, in this state."""
    conditions = [scope.covers(Submission.user_id, Assignment.course_id)]
    if state == WAITING:
        conditions.append(Submission.status == WAITING)
    elif state == "reviewed":
        conditions.append(Submission.status != WAITING)
    return conditions


def waiting_count(scope: ReviewScope) -> int:
    """How many sent versions in the reviewer's scope wait for review: the queue's default
    view, counted in one statement."""
    query = (
        sa.select(sa.func.count())
        .select_from(Submission)
        .join(Submission.assignment)
        .where(*_queue_filter(scope, WAITING))
    )
    return db.session.scalar(query) or 0


def review_queue(scope: ReviewScope, course_id: int | None, state: str) -> list[Submission]:
    """The queue of the work a trainer reviews (courses.reviewers.review_scope), filtered by
    course and state."""
    query = submissions_query(scope.narrowed(course_id), state)
    return list(db.session.scalars(query.limit(QUEUE_LIMIT)))


@dataclass(frozen=True)
class PendingWork:
    """One sent version waiting for review, as a cohort's page lists it (quizzes' essays
    have `PendingEssay`): lighter than the queue's rows, no reviews loaded."""

    submission_id: int
    title: str
    course_slug: str
    learner: str
    submitted_at: datetime

    @property
    def url(self) -> str:
        return url_for(
            "assignment_authoring.review", slug=self.course_slug, submission_id=self.submission_id
        )


def pending_works(scope: ReviewScope) -> list[PendingWork]:
    """Sent versions in the reviewer's scope waiting for review, oldest first, in one
    statement."""
    if scope.empty:
        return []
    query = (
        sa.select(Submission.id, Assignment.title, Course.slug, User.display_name, User.username)
        .add_columns(Submission.submitted_at)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .join(User, User.id == Submission.user_id)
        .where(*_queue_filter(scope, WAITING))
        .order_by(Submission.submitted_at, Submission.id)
        .limit(QUEUE_LIMIT)
    )
    return [
        PendingWork(submission_id, title, slug, shown or username, submitted_at)
        for submission_id, title, slug, shown, username, submitted_at in db.session.execute(query)
    ]


def course_submissions(course: Course) -> list[Submission]:
    """Every sent version of a course's assignments, oldest first (its submissions page)."""
    return list(db.session.scalars(submissions_query(ReviewScope.of_courses([course.id]), "all")))
