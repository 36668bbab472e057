"""Assignments as steps of the learning path, registered on `training.hooks.path_steps`.

One statement reads the open assignments of the asked courses with these learners' sent
versions; the newest version decides the state.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from assignments.models import (
    ACCEPTED,
    BY_MIX,
    BY_PEERS,
    REJECTED,
    REVISE,
    WAITING,
    Assignment,
    Review,
    Submission,
)
from courses.models import Course
from courses.path import DONE, FAILED, LOCKED, Found, Step, StepState, state_key
from courses.path import WAITING as STEP_WAITING
from training.extensions import db

# Newest version's status -> the step's state: sent and waiting for review is "waiting" with
# no date (the learner may go on), sent back for revision is "failed" (another try is open).
STATES = {WAITING: STEP_WAITING, ACCEPTED: DONE, REVISE: FAILED, REJECTED: LOCKED}


_ASSIGNMENTS = Assignment.__table__
_SUBMISSIONS = Submission.__table__
_REVIEWS = Review.__table__
_OTHER = _SUBMISSIONS.alias("other_submissions")
_REVIEWED = _SUBMISSIONS.alias("reviewed_submissions")
# A peer-reviewed task whose learners give their reviews before they see their result (the
# condition of assignments.peers.result_hidden, on the row).
_HIDES_RESULT = sa.and_(
    _ASSIGNMENTS.c.reviews_before_result.is_(True),
    sa.or_(
        _ASSIGNMENTS.c.review_mode == BY_PEERS,
        sa.and_(_ASSIGNMENTS.c.review_mode == BY_MIX, _ASSIGNMENTS.c.weight_peer > 0),
    ),
    _SUBMISSIONS.c.user_id.is_not(None),
)
# What assignments.peers.reviews_left counts, for the row's learner: others who sent work, and
# the peer reviews the learner has given (discarded ones do not count).
_OTHERS = (
    sa.select(sa.func.count(sa.distinct(_OTHER.c.user_id)))
    .where(_OTHER.c.assignment_id == _ASSIGNMENTS.c.id, _OTHER.c.user_id != _SUBMISSIONS.c.user_id)
    .scalar_subquery()
)
_GIVEN = (
    sa.select(sa.func.count(_REVIEWS.c.id))
    .join(_REVIEWED, _REVIEWED.c.id == _REVIEWS.c.submission_id)
    .where(
        _REVIEWED.c.assignment_id == _ASSIGNMENTS.c.id,
        _REVIEWS.c.reviewer_id == _SUBMISSIONS.c.user_id,
        _REVIEWS.c.kind == BY_PEERS,
        _REVIEWS.c.discarded_at.is_(None),
    )
    .scalar_subquery()
)
# Built once per process on the tables (see quizzes.steps): found compiled in the cache.
_ASSIGNMENT_STEPS = (
    sa.select(
        _ASSIGNMENTS.c.id,
        _ASSIGNMENTS.c.course_id,
        _ASSIGNMENTS.c.key,
        _ASSIGNMENTS.c.title,
        _ASSIGNMENTS.c.module_key,
        _ASSIGNMENTS.c.required,
        _ASSIGNMENTS.c.peer_reviews,
        _SUBMISSIONS.c.user_id,
        _SUBMISSIONS.c.status,
        _SUBMISSIONS.c.submitted_at,
        sa.case((_HIDES_RESULT, _OTHERS), else_=0).label("others"),
        sa.case((_HIDES_RESULT, _GIVEN), else_=0).label("given"),
    )
    .outerjoin(
        _SUBMISSIONS,
        sa.and_(
            _SUBMISSIONS.c.assignment_id == _ASSIGNMENTS.c.id,
            _SUBMISSIONS.c.user_id.in_(sa.bindparam("user_ids", expanding=True)),
        ),
    )
    .where(
        _ASSIGNMENTS.c.course_id.in_(sa.bindparam("course_ids", expanding=True)),
        _ASSIGNMENTS.c.is_open.is_(True),
    )
    .order_by(_ASSIGNMENTS.c.course_id, _ASSIGNMENTS.c.id, _SUBMISSIONS.c.number)
)


def assignment_steps(courses: list[Course], user_ids: list[int], since: datetime | None) -> Found:
    """The open assignments of `courses` as steps, with each learner's state of them."""
    found = Found()
    if not courses:
        return found
    rows = db.session.execute(
        _ASSIGNMENT_STEPS, {"user_ids": user_ids or [-1], "course_ids": [c.id for c in courses]}
    )
    slugs = {c.id: c.slug for c in courses}
    seen: set[int] = set()
    for row in rows:
        if row.id not in seen:
            seen.add(row.id)
            found.steps.setdefault(row.course_id, []).append(_step(row, slugs[row.course_id]))
        if row.user_id is None or (since is not None and row.submitted_at <= since):
            continue
        key = (row.user_id, row.course_id, state_key("assignment", row.key))
        owed = max(0, min(row.peer_reviews, row.others) - row.given)
        # While the learner owes peer reviews their result is hidden, and the step waits for
        # them too: it is not done (nor is the course) before they have given them.
        status = STEP_WAITING if owed and row.status != WAITING else STATES[row.status]
        found.states[key] = StepState(status)  # ordered by number: the newest wins
    return found


def _step(assignment: sa.Row, slug: str) -> Step:
    """A row of _ASSIGNMENT_STEPS as a step of the path."""
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
