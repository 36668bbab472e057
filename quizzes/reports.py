"""Attempt data shaped for item analysis and trainer reports."""

from __future__ import annotations

import sqlalchemy as sa

from quizzes.analysis import AttemptRecord, ItemResponse
from quizzes.models import Attempt, AttemptItem, Question, QuestionVersion, Quiz
from training.extensions import db


def attempt_records(quiz: Quiz) -> list[AttemptRecord]:
    """Every submitted attempt at the quiz with each item's score and choices (one query)."""
    rows = db.session.execute(
        sa.select(
            Attempt.id,
            Attempt.user_id,
            Attempt.number,
            QuestionVersion.question_id,
            AttemptItem.score,
            AttemptItem.choices,
        )
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.version_id)
        .where(Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_not(None))
        .order_by(Attempt.id, AttemptItem.position)
    )
    records: dict[int, tuple[int, int, dict[str, ItemResponse]]] = {}
    for attempt_id, user_id, number, question_id, score, choices in rows:
        entry = records.setdefault(attempt_id, (user_id, number, {}))
        entry[2][str(question_id)] = ItemResponse(score or 0.0, tuple(choices or ()))
    return [
        AttemptRecord(attempt_id=aid, user_id=uid, number=num, items=items)
        for aid, (uid, num, items) in records.items()
    ]


def question_labels(quiz: Quiz) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Short labels for the report: question key -> name (or the start of its text), and
    question key -> {choice id -> option text} so distractors read as words, not ids."""
    rows = db.session.execute(
        sa.select(Question.id, QuestionVersion.name, QuestionVersion.data)
        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
        .where(Question.course_id == quiz.course_id)
    )
    names, choices = {}, {}
    for qid, name, data in rows:
        names[str(qid)] = name or (data.get("text") or "")[:80]
        choices[str(qid)] = {o["id"]: o["text"][:40] for o in data.get("options", [])}
    return names, choices
