"""Essays graded by trainers: the attempts that wait, grading one answer, finishing the attempt.

An attempt with essays is submitted like any other, but its score and pass stay None until
every essay item has a trainer's grade (`quizzes.attempts.submit`). The grade that completes
it computes the score and pass as submission would have, writes the learning record's passed
or failed statement with the final per-question scores, sends `progress_changed` (the path
and the certificate follow) and tells the learner — all in the grading request's transaction.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from courses.models import Course
from courses.path import announce_progress
from courses.reviewers import ReviewScope
from quizzes.attempts import _lock, _record_result
from quizzes.models import Attempt, AttemptItem, Quiz
from quizzes.types.base import REGISTRY
from training.accounts.models import User
from training.audit import audit
from training.db import utcnow
from training.errors import ServiceError
from training.extensions import db
from training.notifications.services import notify

# The trainer's feedback on one answer: about as long as the answer may be.
COMMENT_MAX_CHARS = 20_000
GRADED_KIND = "quiz_graded"

_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?|[.,]\d+")


@dataclass(frozen=True)
class PendingEssay:
    """One attempt waiting for a trainer's grade, as a review queue lists it."""

    attempt_id: int
    quiz_title: str
    course_id: int
    course_slug: str
    learner: str  # the display name, or the username when none is set
    submitted_at: datetime
    endpoint: str = "quiz_authoring.grade_attempt"
    values: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def url(self) -> str:
        return url_for(self.endpoint, **self.values)


def pending_essay_attempts(scope: ReviewScope, quiz_id: int | None = None) -> list[PendingEssay]:
    """The submitted attempts still waiting for a grade whose learners the reviewer's scope
    covers (courses.reviewers), oldest first, in one statement (`quiz_id`: of one quiz)."""
    if scope.empty:
        return []
    query = (
        sa.select(Attempt.id, Attempt.submitted_at, Quiz.title, Quiz.key, Course.id, Course.slug)
        .add_columns(User.display_name, User.username)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .join(Course, Course.id == Quiz.course_id)
        .join(User, User.id == Attempt.user_id)
        .where(
            scope.covers(Attempt.user_id, Quiz.course_id),
            Attempt.waiting,
        )
        .order_by(Attempt.submitted_at, Attempt.id)
    )
    if quiz_id is not None:
        query = query.where(Quiz.id == quiz_id)
    return [
        PendingEssay(
            attempt_id=attempt_id,
            quiz_title=title,
            course_id=course_id,
            course_slug=slug,
            learner=shown or username,
            submitted_at=submitted_at,
            values={"slug": slug, "key": key, "attempt_id": attempt_id},
        )
        for attempt_id, submitted_at, title, key, course_id, slug, shown, username in (
            db.session.execute(query)
        )
    ]


def hand_graded(item: AttemptItem) -> bool:
    """Whether a trainer grades this item (an essay)."""
    return REGISTRY[item.version.type].graded_by_hand


def parse_grade(text: str) -> float:
    """A grade as trainers type it: points 0..1 ("0.5", "0,5", "1") or a percentage ("50%")."""
    cleaned = (text or "").strip().replace(" ", "")
    percent = cleaned.endswith("%")
    number = cleaned.removesuffix("%")
    if not _NUMBER_RE.fullmatch(number):
        raise ServiceError(
            _("Write the grade as points from 0 to 1 (0.5) or as a percentage (50%)."), "score"
        )
    value = float(number.replace(",", "."))
    limit = 100.0 if percent else 1.0
    if not math.isfinite(value) or value > limit:
        raise ServiceError(
            _("The grade must be from 0 to 1, or from 0% to 100%."),
            "score",
        )
    return value / 100 if percent else value


def grade_item(
    attempt: Attempt,
    item_id: int,
    grader: User,
    raw_score: str,
    comment: str,
    now: datetime | None = None,
) -> bool:
    """Grade one essay answer of a waiting attempt; True when that finished the attempt.

    Refused (ServiceError, nothing changed): an attempt not waiting, an item not of it or not
    an essay, an answer already graded, a grade out of range, feedback too long.
    """
    now = now or utcnow()
    _lock(attempt)  # two trainers grading at once: one after the other, each sees the other
    if not attempt.waiting:
        raise ServiceError(_("This attempt is not waiting for a grade."))
    # Fresh scores of every item in one statement: another trainer may just have graded one.
    items = db.session.scalars(
        sa.select(AttemptItem)
        .where(AttemptItem.attempt_id == attempt.id)
        .execution_options(populate_existing=True)
    ).all()
    item = next((i for i in items if i.id == item_id), None)
    if item is None or not hand_graded(item):
        raise ServiceError(_("This answer is not one a trainer grades."))
    if item.graded_at is not None:
        raise ServiceError(_("This answer has already been graded."))
    score = parse_grade(raw_score)
    comment = (comment or "").replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX_CHARS:
        raise ServiceError(
            _("The feedback is too long: at most %(num)d characters.", num=COMMENT_MAX_CHARS),
            "comment",
        )
    item.score = score
    item.choices = REGISTRY[item.version.type].band(score)  # type: ignore[attr-defined]
    item.graded_by_id = grader.id
    item.graded_at = now
    item.comment = comment or None
    audit(grader.id, "quiz.essay_grade", "attempt", attempt.id, item=item.id, score=score)
    db.session.flush()
    if any(i.score is None for i in items):
        return False
    finish(attempt, items)
    return True


def finish(attempt: Attempt, items: list[AttemptItem]) -> None:
    """Score and pass of an attempt whose last essay was just graded, as submission computes
    them; the learning record, progress (path, certificate) and the learner's notification."""
    quiz: Quiz = attempt.quiz
    total = sum(item.score or 0.0 for item in items)
    scores = {str(item.version.question_id): round(item.score or 0.0, 4) for item in items}
    attempt.score = total / len(items) if items else 0.0
    attempt.passed = attempt.score * 100 >= quiz.pass_mark - 1e-9
    _record_result(attempt, attempt.user_id, total, scores)
    db.session.flush()
    announce_progress(attempt.user_id, quiz.course_id)
    notify(
        attempt.user,
        GRADED_KIND,
        quiz=quiz.title,
        slug=quiz.course.slug,
        key=quiz.key,
        attempt=attempt.id,
        passed=bool(attempt.passed),
    )


def graded_text(params: dict[str, Any]) -> str:
    """The notification's sentence, in the reader's language."""
    return _("A trainer has graded your test “%(quiz)s”.", quiz=params.get("quiz", ""))


def graded_link(params: dict[str, Any]) -> str | None:
    """The attempt's result page."""
    try:
        return url_for(
            "quizzes.result",
            slug=params["slug"],
            key=params["key"],
            attempt_id=int(params["attempt"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
