"""Tests as steps of the learning path: a module's test after its lessons, the final test last.

Registered on `training.hooks.path_steps`; one statement reads the open quizzes of the asked
courses with these learners' submitted and open attempts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from courses.models import Course
from courses.path import DONE, FAILED, LOCKED, STARTED, WAITING, Found, Step, StepState, state_key
from quizzes.models import Attempt, Quiz
from training.db import utcnow
from training.extensions import db


def quiz_steps(courses: list[Course], user_ids: list[int], since: datetime | None) -> Found:
    """The open quizzes of `courses` as steps, with each learner's state of them."""
    found = Found()
    if not courses:
        return found
    attempt_join = sa.and_(Attempt.quiz_id == Quiz.id, Attempt.user_id.in_(user_ids or [-1]))
    rows = db.session.execute(
        sa.select(
            Quiz,
            Attempt.user_id,
            Attempt.submitted_at,
            Attempt.score,
            Attempt.passed,
        )
        .outerjoin(Attempt, attempt_join)
        .where(Quiz.course_id.in_([c.id for c in courses]), Quiz.is_open.is_(True))
        .order_by(Quiz.course_id, Quiz.id, Attempt.number)
    )
    slugs = {c.id: c.slug for c in courses}
    attempts: dict[tuple[int, int], list[tuple]] = {}
    quizzes: dict[int, Quiz] = {}
    for quiz, user_id, submitted_at, score, passed in rows:
        if quiz.id not in quizzes:
            quizzes[quiz.id] = quiz
            found.steps.setdefault(quiz.course_id, []).append(_step(quiz, slugs[quiz.course_id]))
        if user_id is not None:
            attempts.setdefault((user_id, quiz.id), []).append((submitted_at, score, passed))
    now = utcnow()
    for (user_id, quiz_id), tries in attempts.items():
        quiz = quizzes[quiz_id]
        key = (user_id, quiz.course_id, state_key("quiz", quiz.key))
        found.states[key] = quiz_state(quiz, tries, since, now)
    return found


def _step(quiz: Quiz, slug: str) -> Step:
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


def quiz_state(quiz: Quiz, tries: list[tuple], since: datetime | None, now: datetime) -> StepState:
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
