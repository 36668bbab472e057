"""A new attempt's questions: the current versions of its fixed and drawn questions, and how
each is served (its order of options and the opaque tokens of its values)."""

from __future__ import annotations

import functools
import random

import sqlalchemy as sa

from quizzes.models import Question, QuestionVersion, Quiz, QuizSlot
from quizzes.types.base import REGISTRY
from training.extensions import db

_LIVE = Question.retired_at.is_(None)


@functools.cache
def _slots_statement() -> sa.Select:
    """A quiz's slots with their live fixed questions' current versions, in one statement
    built once per process (every attempt starts with it; parameter: quiz_id)."""
    return (
        sa.select(QuizSlot.question_id, QuizSlot.category_id, QuizSlot.draw_count, QuestionVersion)
        .outerjoin(Question, sa.and_(Question.id == QuizSlot.question_id, _LIVE))
        .outerjoin(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(QuizSlot.quiz_id == sa.bindparam("quiz_id"))
        .order_by(QuizSlot.position)
    )


def draw(quiz: Quiz, rng: random.Random) -> list[QuestionVersion]:
    """The current versions of a new attempt's questions: fixed ones, plus random draws from
    categories."""
    chosen: list[int] = []  # question ids, in serving order
    versions: dict[int, QuestionVersion] = {}
    slots = db.session.execute(_slots_statement(), {"quiz_id": quiz.id}).all()
    for question_id, category_id, draw_count, version in slots:
        if question_id is not None:
            if version is not None and question_id not in versions:
                chosen.append(question_id)
                versions[question_id] = version
            continue
        pool = [
            q
            for q in db.session.scalars(
                sa.select(Question.id)
                .where(Question.category_id == category_id, _LIVE)
                .order_by(Question.id)
            )
            if q not in chosen
        ]
        chosen.extend(rng.sample(pool, min(draw_count, len(pool))))
    drawn = [q for q in chosen if q not in versions]
    if drawn:  # the drawn questions' versions in one statement, not one per question
        versions.update(
            db.session.execute(
                sa.select(Question.id, QuestionVersion)
                .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                .where(Question.id.in_(drawn))
            ).all()
        )
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    return [versions[q] for q in chosen]


def served_item(position: int, version: QuestionVersion, shuffle: bool, rng: random.Random) -> dict:
    """The question as this attempt serves it: its order, and a token for each served value
    (an attempt_items row without its attempt)."""
    spec = version.spec
    kind = REGISTRY[spec.type]
    order = kind.served_order(spec, shuffle, rng)
    return {
        "position": position,
        "version_id": version.id,
        "order": order,
        "tokens": kind.tokens(spec, order),
    }
