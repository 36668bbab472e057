"""A learner's quiz attempts in their export, and their deletion with the account.

On deletion the attempts go entirely, answers and scores alike. Detaching them instead would
keep the learner's free-text answers (which may name them) and would need a per-person
pseudonym to keep "first attempt of each learner" right in item analysis, which is a link
in itself. The graded scores survive anonymously where statistics need them: each passed or
failed event of the learning record carries the per-question scores, and that record is
anonymised, not deleted.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from courses.models import Course
from quizzes.models import Attempt, AttemptItem, Quiz
from training.accounts.models import User
from training.extensions import db


def _item(item: AttemptItem, graded: bool) -> dict[str, Any]:
    spec = item.version.spec
    shown: dict[str, str] = {}
    if spec.options:
        shown = {option.id: option.text for option in spec.options}
    elif spec.pairs:
        shown = {pair.id: f"{pair.left} → {pair.right}" for pair in spec.pairs}
    return {
        "position": item.position + 1,
        "question": spec.text,
        "type": spec.type,
        "options": shown,
        "shown_order": item.order,
        "your_answer": item.response,
        "answered_at": item.saved_at,
        # Withheld (None) when the quiz's review setting hides them: see _graded_items_shown.
        "score": item.score if graded else None,
        "feedback": item.feedback if graded else None,
        # An essay's grade and feedback were written for the learner: always theirs to read.
        "trainer_feedback": item.comment,
        "graded_at": item.graded_at,
    }


def _graded_items_shown(quiz: Quiz, submitted: int) -> bool:
    """Whether the export may show each answer's score and feedback.

    A quiz set to show the score only must not let a learner who can still try again read
    which answers were right from their export; once no attempt is left, they get it all.
    """
    attempts_left = quiz.attempts_allowed == 0 or submitted < quiz.attempts_allowed
    return quiz.review != "score" or not attempts_left


def export_quiz_data(user: User) -> dict[str, Any]:
    """Every attempt of the person with each question, their answer, its score and feedback."""
    rows = db.session.execute(
        sa.select(Attempt, Quiz, Course.slug)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .join(Course, Course.id == Quiz.course_id)
        .where(Attempt.user_id == user.id)
        .order_by(Attempt.started_at, Attempt.id)
        .options(
            selectinload(Attempt.items).selectinload(AttemptItem.version),
        )
    ).all()
    submitted = Counter(attempt.quiz_id for attempt, _quiz, _slug in rows if not attempt.is_open)
    return {
        "quiz_attempts.json": [
            {
                "course": slug,
                "quiz": quiz.title,
                "number": attempt.number,
                "started_at": attempt.started_at,
                "submitted_at": attempt.submitted_at,
                "score_percent": attempt.percent,
                "passed": attempt.passed,
                "questions": [
                    _item(item, _graded_items_shown(quiz, submitted[quiz.id]))
                    for item in attempt.items
                ],
            }
            for attempt, quiz, slug in rows
        ]
    }


def erase_quiz_data(user: User) -> None:
    """Delete the person's attempts with every answer (see the module docstring for why);
    the essays they graded as a trainer keep the grade, not who gave it."""
    db.session.execute(
        sa.update(AttemptItem).where(AttemptItem.graded_by_id == user.id).values(graded_by_id=None),
        execution_options={"synchronize_session": False},
    )
    attempt_ids = sa.select(Attempt.id).where(Attempt.user_id == user.id)
    db.session.execute(
        sa.delete(AttemptItem).where(AttemptItem.attempt_id.in_(attempt_ids)),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        sa.delete(Attempt).where(Attempt.user_id == user.id),
        execution_options={"synchronize_session": False},
    )
