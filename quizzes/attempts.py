"""Attempts: start (or resume), save answers page by page, submit once, review.

Rules live here, not in views: one open attempt per learner and quiz, the attempt limit,
the delay between attempts, the time limit enforced on the server, idempotent submission.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import MultiDict

from courses.learning import course_path
from courses.path import announce_progress
from quizzes.drawing import draw, served_item
from quizzes.models import (
    CHOICE_SEPARATOR,
    Attempt,
    AttemptItem,
    Quiz,
)
from quizzes.steps import any_of
from quizzes.types.base import REGISTRY, InvalidResponse, grade
from training.db import utcnow
from training.errors import ServiceError
from training.events import record_event
from training.extensions import db

# Answers sent this long after the deadline still count (a slow phone network).
GRACE = timedelta(seconds=30)


def quiz_path(quiz: Quiz) -> str:
    return f"{course_path(quiz.course)}/quizzes/{quiz.key}"


#: How many of a learner's latest attempts the quiz page lists (the rest: `history`).
RECENT_ATTEMPTS = 10


@dataclass
class Standing:
    """Where a learner stands with a quiz: their latest attempts and counts, can they start,
    and if not, why or until when."""

    recent: list[Attempt]  # the latest attempts, first to last
    started: int  # attempts in all, the open one included
    submitted: int
    passed: bool
    open_attempt: Attempt | None
    can_start: bool
    reason: str = ""
    wait_until: datetime | None = None


# One statement for the page and every rule: the latest attempts, and over all of them (a
# window is evaluated before the LIMIT) the counts and flags the rules read. A learner with
# hundreds of attempts costs what one with ten does, give or take an index range scan.
_STANDING = (
    sa.select(
        Attempt,
        sa.func.count().over().label("started"),
        sa.func.count(Attempt.submitted_at).over().label("submitted"),
        any_of(Attempt.passed.is_(True)).over().label("passed"),
        any_of(Attempt.waiting).over().label("waiting"),
        sa.func.max(Attempt.submitted_at).over().label("last_submitted_at"),
    )
    .where(Attempt.quiz_id == sa.bindparam("quiz_id"), Attempt.user_id == sa.bindparam("user_id"))
    .order_by(Attempt.number.desc())
    .limit(RECENT_ATTEMPTS)
)


def standing(quiz: Quiz, user_id: int, now: datetime | None = None) -> Standing:
    """Whether a new attempt may start now (an open one is resumed instead)."""
    now = now or utcnow()
    rows = db.session.execute(_STANDING, {"quiz_id": quiz.id, "user_id": user_id}).all()
    recent = [row.Attempt for row in reversed(rows)]
    first = rows[0] if rows else None
    started, submitted = (first.started, first.submitted) if first else (0, 0)
    passed, waiting = bool(first and first.passed), bool(first and first.waiting)
    # Only the latest attempt can be open: a new one starts only when none is.
    open_attempt = next((a for a in recent if a.is_open), None)

    def stands(can_start: bool, reason: str = "", wait_until: datetime | None = None):
        return Standing(
            recent, started, submitted, passed, open_attempt, can_start, reason, wait_until
        )

    if open_attempt is not None:
        return stands(False, _("You have an unfinished attempt."))
    if waiting:
        return stands(False, _("Your last attempt is waiting for a trainer's grade."))
    if not quiz.is_open:
        return stands(False, _("This quiz is not open yet."))
    if quiz.attempts_allowed and submitted >= quiz.attempts_allowed:
        return stands(False, _("You have used all your attempts."))
    if first is not None and first.last_submitted_at and quiz.min_delay_seconds:
        ready = first.last_submitted_at + timedelta(seconds=quiz.min_delay_seconds)
        if now < ready:
            return stands(False, _("The next attempt opens later."), ready)
    return stands(True)


def history(quiz: Quiz, user_id: int, page: int, per_page: int = 50) -> Pagination:
    """One page of a learner's attempts at a quiz, first to last: the list behind "All
    attempts" for someone who tried more times than the quiz page shows."""
    query = (
        sa.select(Attempt)
        .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user_id)
        .order_by(Attempt.number)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


class _Forged:
    """Stands for a submitted value that is no token of its item: no type's `check` takes it."""

    def __repr__(self) -> str:
        return "<not a served token>"


FORGED = _Forged()


def read_answer(item: AttemptItem, form: MultiDict) -> Any:
    """The item's raw answer in a submitted attempt page, its tokens turned back into values.

    A value that is not one of this item's tokens (made up, or copied from another attempt)
    becomes FORGED, which `save` refuses like any response the form could not have produced.
    """
    kind = REGISTRY[item.version.type]
    name = f"q{item.id}"
    if item.tokens:
        form = MultiDict(
            (field, "" if value == "" else item.tokens.get(value, FORGED))
            for field, value in form.items(multi=True)
            if field == name or field.startswith(f"{name}-")
        )
    return kind.read_form(name, item.order, form)


_INSERT_ITEMS = sa.insert(AttemptItem)


def start(quiz: Quiz, user_id: int, *, rng: random.Random | None = None) -> Attempt:
    """Start a new attempt, or return the open one (one open attempt per learner and quiz)."""
    rng = rng or random.SystemRandom()
    now = utcnow()
    state = standing(quiz, user_id, now)
    if state.open_attempt is not None:
        return state.open_attempt
    if not state.can_start:
        raise ServiceError(state.reason)
    versions = draw(quiz, rng)
    if not versions:
        raise ServiceError(_("This quiz has no questions yet."))
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=user_id,
        number=state.recent[-1].number + 1 if state.recent else 1,
        started_at=now,
        deadline_at=now + timedelta(seconds=quiz.time_limit_seconds)
        if quiz.time_limit_seconds
        else None,
    )
    items = [
        served_item(position, version, quiz.shuffle_options, rng)
        for position, version in enumerate(versions)
    ]
    try:
        with db.session.begin_nested():  # a double click races here; the index decides
            db.session.add(attempt)
    except IntegrityError:
        existing = db.session.scalar(
            sa.select(Attempt).where(
                Attempt.quiz_id == quiz.id,
                Attempt.user_id == user_id,
                Attempt.submitted_at.is_(None),
            )
        )
        if existing is None:
            raise
        return existing
    # The items in one INSERT: the ORM sends one per row on SQLite, to learn ids that nothing
    # here needs (`attempt.items` loads them when read).
    db.session.execute(_INSERT_ITEMS, [{"attempt_id": attempt.id, **i} for i in items])
    db.session.expire(attempt, ["items"])
    record_event(
        user_id,
        "attempted",
        "quiz",
        quiz_path(quiz),
        object_name=quiz.title,
        course_id=quiz.course_id,
        context={"parent": course_path(quiz.course), "attempt": attempt.number},
    )
    return attempt


def _expired(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at + GRACE


def _check_owner(attempt: Attempt, user_id: int) -> None:
    if attempt.user_id != user_id:
        raise PermissionError("not this learner's attempt")


def _lock(attempt: Attempt) -> None:
    """Hold the attempt's row for this transaction and re-read whether it is still open.

    Without it, on PostgreSQL a request that read the attempt while open could overwrite the
    answers of an attempt another request has just graded. (SQLite's writing requests begin
    with the database's write lock, so there they already run one at a time.)
    """
    # One statement: FOR UPDATE OF the attempt's row alone, reading back what says whether it
    # is still open (its items, already loaded, stay as they are).
    row = db.session.execute(
        sa.select(Attempt.submitted_at, Attempt.score, Attempt.passed)
        .where(Attempt.id == attempt.id)
        .with_for_update(of=Attempt)
    ).one()
    for name, value in row._mapping.items():
        set_committed_value(attempt, name, value)


def _canonical(response: Any) -> Any:
    """A checked response as JSON (sets become sorted lists)."""
    if isinstance(response, frozenset | set):
        return sorted(response)
    return response


def save(attempt: Attempt, user_id: int, responses: dict[int, Any], now: datetime | None = None):
    """Store answers for some items of an open attempt; all or nothing.

    Raises ServiceError for a closed or timed-out attempt, for answers to questions the
    attempt does not hold, and for responses the served form could not have produced.
    """
    now = now or utcnow()
    _check_owner(attempt, user_id)
    _lock(attempt)
    if not attempt.is_open:
        raise ServiceError(_("This attempt has already been submitted."))
    if _expired(attempt, now):
        raise ServiceError(_("Time is up: answers sent after the deadline are not counted."))
    checked = _checked(attempt, responses)
    for item in attempt.items:
        if item.id in checked:
            item.response, item.saved_at = checked[item.id], now
    db.session.flush()


def _checked(attempt: Attempt, responses: dict[int, Any]) -> dict[int, Any]:
    """The responses in their canonical form, or ServiceError for one the served form could
    not have produced or one to a question the attempt does not hold."""
    items = {item.id: item for item in attempt.items}
    if set(responses) - set(items):
        raise ServiceError(_("Some answers are for questions that are not in this attempt."))
    checked = {}
    for item_id, raw in responses.items():
        spec = items[item_id].version.spec
        kind = REGISTRY[spec.type]
        try:
            checked[item_id] = _canonical(kind.check(spec, raw))
        except InvalidResponse as error:
            raise ServiceError(kind.invalid_message()) from error
    return checked


# Closes an open attempt with its grade; built once (it runs on every submission).
_CLAIM = (
    sa.update(Attempt)
    .where(Attempt.id == sa.bindparam("attempt_id"), Attempt.submitted_at.is_(None))
    .values(
        submitted_at=sa.bindparam("closed_at"),
        score=sa.bindparam("new_score"),
        passed=sa.bindparam("new_passed"),
    )
)


def submit(
    attempt: Attempt, user_id: int, responses: dict[int, Any] | None = None, now=None
) -> Attempt:
    """Grade and close an attempt, atomically and once: a replay returns the same result.

    Answers sent with the submission count only before the deadline (plus grace).
    """
    now = now or utcnow()
    _check_owner(attempt, user_id)
    # No _lock: nothing is written before the claim below, whose condition decides the race
    # (on PostgreSQL it waits for a racing request's row lock, then finds the attempt closed).
    if not attempt.is_open:
        return attempt
    checked = _checked(attempt, responses) if responses and not _expired(attempt, now) else {}
    quiz = attempt.quiz
    # Graded before anything is written: the claim below closes the attempt with its grade in
    # one statement, and the items are written once, answers and grades together.
    results = {
        item.id: grade(item.version.spec, checked.get(item.id, item.response))
        for item in attempt.items
    }
    total = sum(result.score for result in results.values())
    # Essay branch: a trainer grades it (quizzes.essays); score, pass, the learning record and
    # progress wait for the last grade.
    waiting = not all(result.graded for result in results.values())
    score = None if waiting else (total / len(results) if results else 0.0)
    passed = None if score is None else score * 100 >= quiz.pass_mark - 1e-9
    # Claim the submission: of two racing requests only one updates the row.
    claimed = db.session.execute(
        _CLAIM,
        {"attempt_id": attempt.id, "closed_at": now, "new_score": score, "new_passed": passed},
        execution_options={"synchronize_session": False},
    ).rowcount  # type: ignore[attr-defined]
    if claimed != 1:
        db.session.refresh(attempt)
        return attempt
    for name, value in (("submitted_at", now), ("score", score), ("passed", passed)):
        set_committed_value(attempt, name, value)
    scores: dict[str, float] = {}
    for item in attempt.items:
        if item.id in checked:
            item.response, item.saved_at = checked[item.id], now
        result = results[item.id]
        scores[str(item.version.question_id)] = round(result.score, 4)
        item.score = result.score if result.graded else None
        item.feedback = list(result.feedback)
        item.choices = CHOICE_SEPARATOR.join(result.choices)
    if waiting:
        db.session.flush()
        return attempt
    _record_result(attempt, user_id, total, scores)
    db.session.flush()
    announce_progress(user_id, quiz.course_id)
    return attempt


def _record_result(attempt: Attempt, user_id: int, total: float, scores: dict[str, float]) -> None:
    """The learning-event log's "passed" or "failed" statement for a graded attempt."""
    quiz = attempt.quiz
    record_event(
        user_id,
        "passed" if attempt.passed else "failed",
        "quiz",
        quiz_path(quiz),
        object_name=quiz.title,
        course_id=quiz.course_id,
        result={
            "score": {
                "scaled": round(attempt.score, 4),
                "raw": round(total, 4),
                "min": 0,
                "max": len(attempt.items),
            },
            "success": attempt.passed,
            "completion": True,
        },
        context={
            "parent": course_path(quiz.course),
            "attempt": attempt.number,
            "items": scores,
        },
    )


def close_if_expired(attempt: Attempt, now: datetime | None = None) -> bool:
    """Submit a timed-out attempt with the answers saved in time (learner left it open)."""
    now = now or utcnow()
    if attempt.is_open and _expired(attempt, now):
        submit(attempt, attempt.user_id, None, now)
        return True
    return False


@dataclass
class Review:
    """What the learner may see after submitting, by the quiz's review setting."""

    show_feedback: bool
    show_answers: bool


def review_for(attempt: Attempt) -> Review:
    """Score only / with feedback / with correct answers / correct answers once passed."""
    mode = attempt.quiz.review
    return Review(
        show_feedback=mode != "score",
        show_answers=mode == "answers" or (mode == "answers_when_passed" and bool(attempt.passed)),
    )
