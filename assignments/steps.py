"""Assignments as steps of the learning path, registered on `training.hooks.path_steps`.

One statement reads the open assignments of the asked courses with these learners' sent
versions; the newest version decides the state.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from assignments.models import ACCEPTED, REJECTED, REVISE, WAITING, Assignment, Submission
from courses.models import Course
from courses.path import DONE, FAILED, LOCKED, Found, Step, StepState, state_key
from courses.path import WAITING as STEP_WAITING
from training.extensions import db

# Newest version's status -> the step's state: sent and waiting for review is "waiting" with
# no date (the learner may go on), sent back for revision is "failed" (another try is open).
STATES = {WAITING: STEP_WAITING, ACCEPTED: DONE, REVISE: FAILED, REJECTED: LOCKED}


def assignment_steps(courses: list[Course], user_ids: list[int], since: datetime | None) -> Found:
    """The open assignments of `courses` as steps, with each learner's state of them."""
    found = Found()
    if not courses:
        return found
    joined = sa.and_(
        Submission.assignment_id == Assignment.id, Submission.user_id.in_(user_ids or [-1])
    )
    rows = db.session.execute(
        sa.select(Assignment, Submission.user_id, Submission.status, Submission.submitted_at)
        .outerjoin(Submission, joined)
        .where(Assignment.course_id.in_([c.id for c in courses]), Assignment.is_open.is_(True))
        .order_by(Assignment.course_id, Assignment.id, Submission.number)
    )
    slugs = {c.id: c.slug for c in courses}
    seen: set[int] = set()
    for assignment, user_id, status, submitted_at in rows:
        if assignment.id not in seen:
            seen.add(assignment.id)
            step = _step(assignment, slugs[assignment.course_id])
            found.steps.setdefault(assignment.course_id, []).append(step)
        if user_id is None or (since is not None and submitted_at <= since):
            continue
        key = (user_id, assignment.course_id, state_key("assignment", assignment.key))
        found.states[key] = StepState(STATES[status])  # ordered by number: the newest wins
    return found


def _step(assignment: Assignment, slug: str) -> Step:
    return Step(
        kind="assignment",
        key=assignment.key,
        title=assignment.title,
        module_key=assignment.module_key or "",
        required=assignment.required,
        endpoint="assignments.assignment",
        values={"slug": slug, "key": assignment.key},
        label=_("Assignment"),
    )
