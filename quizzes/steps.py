"""Tests as steps of the learning path: a module's test after its lessons, the final test last.

Registered on `training.hooks.path_steps`; one statement reads the open quizzes of the asked
courses with these learners' submitted and open attempts (built once per process).
"""

from __future__ import annotations

from datetime import datetime, timedelta
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
# Built once per process, on the tables: every lesson page and submit runs it, and a Core
# statement with expanding IN lists is found compiled in the cache with no ORM loading.
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
        _ATTEMPTS.c.submitted_at,
        _ATTEMPTS.c.score,
        _ATTEMPTS.c.passed,
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
    .order_by(_QUIZZES.c.course_id, _QUIZZES.c.id, _ATTEMPTS.c.number)
)


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
        _QUIZ_STEPS, {"user_ids": user_ids or [-1], "course_ids": [c.id for c in courses]}
    )
    slugs = {c.id: c.slug for c in courses}
    attempts: dict[tuple[int, int], list[tuple]] = {}
    quizzes: dict[int, QuizRules] = {}
    for row in rows:
        if row.id not in quizzes:
            quizzes[row.id] = row
            found.steps.setdefault(row.course_id, []).append(_step(row, slugs[row.course_id]))
        if row.user_id is not None:
            attempts.setdefault((row.user_id, row.id), []).append(
                (row.submitted_at, row.score, row.passed)
            )
    now = utcnow()
    for (user_id, quiz_id), tries in attempts.items():
        quiz = quizzes[quiz_id]
        key = (user_id, quiz.course_id, state_key("quiz", quiz.key))
        found.states[key] = quiz_state(quiz, tries, since, now)
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


def quiz_state(
    quiz: QuizRules, tries: list[tuple], since: datetime | None, now: datetime
) -> StepState:
    """Where a learner stands with a quiz, from (submitted at, score, passed) of each attempt.

    Done when passed or, if the trainer says so, when the attempts are used up (the rule the
    certificate counts); an open attempt is "started"; a submitted one whose essays wait for a
    trainer is "waiting" without a date; after a failure the next try is open, opens later
    ("waiting" until a date) or never ("locked").
    """
    ever = [t for t in tries if t[0] is not None]
    submitted = [t for t in ever if since is None or t[0] > since]
    scores = [round(score * 100) for _at, score, _p in submitted if score is not None]
    best = max(scores) if scores else None
    left = max(0, quiz.attempts_allowed - len(ever)) if quiz.attempts_allowed else None
    if any(passed for _at, _s, passed in submitted):
        return StepState(DONE, best, attempts_left=left)
    exhausted = bool(quiz.attempts_allowed) and len(submitted) >= quiz.attempts_allowed
    if quiz.done_when == "passed_or_exhausted" and exhausted:
        return StepState(DONE, best, attempts_left=0)
    if any(t[0] is None for t in tries):
        return StepState(STARTED, best, attempts_left=left)
    if submitted and submitted[-1][1] is None:  # an essay in the latest one waits for a grade
        return StepState(WAITING, best, attempts_left=left)
    if not submitted:
        return StepState(score=best, attempts_left=left)
    if left == 0:
        return StepState(LOCKED, best, attempts_left=0)
    if quiz.min_delay_seconds:
        ready = max(t[0] for t in ever) + timedelta(seconds=quiz.min_delay_seconds)
        if now < ready:
            return StepState(WAITING, best, wait_until=ready, attempts_left=left)
    return StepState(FAILED, best, attempts_left=left)
