"""Tests as steps of the learning path: a module's test after its lessons, the final test last.

Registered on `training.hooks.path_steps`; one statement reads the open quizzes of the asked
courses with these learners' submitted and open attempts (built once per process).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from flask_babel import gettext as _

from courses.models import Course
from courses.path import DONE, FAILED, LOCKED, STARTED, WAITING, Found, Step, StepState, state_key
from quizzes.models import Attempt, Quiz
from training.db import utcnow
from training.extensions import db

_QUIZZES = Quiz.__table__
_ATTEMPTS = Attempt.__table__
#: Without a `since` every submitted attempt counts: all of them were submitted after this.
EVER = datetime(1970, 1, 1, tzinfo=UTC)
_COUNTED = _ATTEMPTS.c.submitted_at > sa.bindparam("since")


_ONE, _ZERO = sa.literal_column("1"), sa.literal_column("0")  # in the SQL, not parameters


def any_of(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """1 when one of the group's attempts meets the condition, else 0 (portable: MAX over a
    CASE, where PostgreSQL has no MAX of booleans); `.over()` makes it a window."""
    return sa.func.max(sa.case((condition, _ONE), else_=_ZERO))


# Built once per process, on the tables: every lesson page and submit runs it, and a Core
# statement with expanding IN lists is found compiled in the cache with no ORM loading. The
# attempts are counted in SQL, one row per quiz and learner, so a learner's path costs the
# same after their hundredth attempt as after their first.
_QUIZ_STEPS = (
    sa.select(
        *(
            _QUIZZES.c[name]
            for name in (
                "id",
                "course_id",
                "key",
                "title",
                "module_key",
                "required",
                "pass_mark",
                "attempts_allowed",
                "done_when",
                "min_delay_seconds",
            )
        ),
        _ATTEMPTS.c.user_id,
        sa.func.count(_ATTEMPTS.c.submitted_at).label("ever"),
        sa.func.count(sa.case((_COUNTED, _ONE))).label("counted"),
        sa.func.max(sa.case((_COUNTED, _ATTEMPTS.c.score))).label("best_score"),
        any_of(sa.and_(_COUNTED, _ATTEMPTS.c.passed.is_(True))).label("passed"),
        any_of(_ATTEMPTS.c.submitted_at.is_(None)).label("open"),
        any_of(sa.and_(_COUNTED, _ATTEMPTS.c.score.is_(None))).label("waiting"),
        sa.func.max(_ATTEMPTS.c.submitted_at).label("last_submitted_at"),
    )
    .outerjoin(
        _ATTEMPTS,
        sa.and_(
            _ATTEMPTS.c.quiz_id == _QUIZZES.c.id,
            _ATTEMPTS.c.user_id.in_(sa.bindparam("user_ids", expanding=True)),
        ),
    )
    .where(
        _QUIZZES.c.course_id.in_(sa.bindparam("course_ids", expanding=True)),
        _QUIZZES.c.is_open.is_(True),
    )
    # A quiz's other columns depend on its key, which PostgreSQL accepts in GROUP BY.
    .group_by(_QUIZZES.c.id, _ATTEMPTS.c.user_id)
    # The grouping's own order (steps are kept per course): SQLite then sorts nothing.
    .order_by(_QUIZZES.c.id, _ATTEMPTS.c.user_id)
)


@dataclass(frozen=True)
class Tries:
    """What the rules read of one learner's attempts at one quiz (counted by _QUIZ_STEPS).

    "Counted" attempts are those submitted after the path's `since` (a renewal's start), or
    every submitted one without it.
    """

    ever: int = 0  # submitted attempts, all of them
    counted: int = 0  # submitted attempts that count
    best_score: float | None = None  # 0..1, the best of those that count
    passed: bool = False  # one that counts passed
    open: bool = False  # an attempt is in progress
    waiting: bool = False  # one that counts waits for a trainer's grade on an essay
    last_submitted_at: datetime | None = None  # of all of them (the pause runs from it)


class QuizRules(Protocol):
    """What a step and its state need of a quiz: a Quiz, or a row of _QUIZ_STEPS."""

    id: int
    course_id: int
    key: str
    title: str
    module_key: str | None
    required: bool
    pass_mark: int
    attempts_allowed: int
    done_when: str
    min_delay_seconds: int


def quiz_steps(courses: list[Course], user_ids: list[int], since: datetime | None) -> Found:
    """The open quizzes of `courses` as steps, with each learner's state of them."""
    found = Found()
    if not courses:
        return found
    rows = db.session.execute(
        _QUIZ_STEPS,
        {
            "user_ids": user_ids or [-1],
            "course_ids": [c.id for c in courses],
            "since": since or EVER,
        },
    )
    slugs = {c.id: c.slug for c in courses}
    seen: set[int] = set()
    now = utcnow()
    for row in rows:
        if row.id not in seen:
            seen.add(row.id)
            found.steps.setdefault(row.course_id, []).append(_step(row, slugs[row.course_id]))
        if row.user_id is not None:
            tries = Tries(
                row.ever,
                row.counted,
                row.best_score,
                bool(row.passed),
                bool(row.open),
                bool(row.waiting),
                row.last_submitted_at,
            )
            key = (row.user_id, row.course_id, state_key("quiz", row.key))
            found.states[key] = quiz_state(row, tries, now)
    return found


def _step(quiz: QuizRules, slug: str) -> Step:
    return Step(
        kind="quiz",
        key=quiz.key,
        title=quiz.title,
        module_key=quiz.module_key or "",
        required=quiz.required,
        endpoint="quizzes.quiz",
        values={"slug": slug, "key": quiz.key},
        label=_("Test"),
        pass_mark=quiz.pass_mark,
    )


def quiz_state(quiz: QuizRules, tries: Tries, now: datetime) -> StepState:
    """Where a learner stands with a quiz, from what their attempts add up to.

    Done when passed or, if the trainer says so, when the attempts are used up (the rule the
    certificate counts); an open attempt is "started"; a submitted one whose essays wait for a
    trainer is "waiting" without a date; after a failure the next try is open, opens later
    ("waiting" until a date) or never ("locked").
    """
    best = None if tries.best_score is None else round(tries.best_score * 100)
    left = max(0, quiz.attempts_allowed - tries.ever) if quiz.attempts_allowed else None
    if tries.passed:
        return StepState(DONE, best, attempts_left=left)
    exhausted = bool(quiz.attempts_allowed) and tries.counted >= quiz.attempts_allowed
    if quiz.done_when == "passed_or_exhausted" and exhausted:
        return StepState(DONE, best, attempts_left=0)
    if tries.open:
        return StepState(STARTED, best, attempts_left=left)
    if tries.waiting:
        return StepState(WAITING, best, attempts_left=left)
    if not tries.counted:
        return StepState(score=best, attempts_left=left)
    if left == 0:
        return StepState(LOCKED, best, attempts_left=0)
    if quiz.min_delay_seconds and tries.last_submitted_at is not None:
        ready = tries.last_submitted_at + timedelta(seconds=quiz.min_delay_seconds)
        if now < ready:
            return StepState(WAITING, best, wait_until=ready, attempts_left=left)
    return StepState(FAILED, best, attempts_left=left)
