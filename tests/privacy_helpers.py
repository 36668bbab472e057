"""Helpers for privacy tests: a learner with progress, answers and a certificate; a full scan."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from certificates.models import Certificate
from quizzes.models import Attempt, Quiz
from tests.conftest import post
from tests.quiz_helpers import RIGHT, form_fields
from training.extensions import db

# Distinctive on purpose: a full-database search for them must not hit anything else.
HOLDER = {
    "username": "vanya.udalov",
    "display_name": "Иван Петрович Удалов",
    "email": "ivan.udalov@example.org",
}


def answers(attempt: Attempt, **overrides: Any) -> dict[str, Any]:
    """Form fields answering every question of `attempt` right (or as overridden by name)."""
    data: dict[str, Any] = {"page": 0, "action": "submit"}
    for item in attempt.items:
        data.update(form_fields(item, overrides.get(item.version.name, RIGHT[item.version.name])))
    return data


def take_quiz(client: FlaskClient, quiz: Quiz, **overrides: Any) -> Attempt:
    """Start and submit one attempt through the pages; returns it."""
    post(client, f"/courses/{quiz.course.slug}/quizzes/{quiz.key}/start")
    attempt = db.session.scalar(
        sa.select(Attempt).where(Attempt.submitted_at.is_(None)).order_by(Attempt.id.desc())
    )
    url = f"/courses/{quiz.course.slug}/quizzes/{quiz.key}/attempts/{attempt.id}"
    post(client, url, answers(attempt, **overrides))
    db.session.expire_all()
    return db.session.get(Attempt, attempt.id)


def earn_certificate(client: FlaskClient, quiz: Quiz, own_words: str) -> Certificate:
    """Enroll, read every lesson, fail the quiz once (typing `own_words`), then pass it."""
    slug = quiz.course.slug
    post(client, f"/courses/{slug}/enroll")
    for key in ("intro", "plan", "reach"):
        client.get(f"/courses/{slug}/lessons/{key}")
        post(client, f"/courses/{slug}/lessons/{key}/done")
    failed = take_quiz(client, quiz, **{"lead-word": own_words, "pyramid": "o2"})
    assert failed.passed is False
    assert take_quiz(client, quiz).passed is True
    db.session.expire_all()
    certificate = db.session.scalar(sa.select(Certificate).order_by(Certificate.id.desc()))
    assert certificate is not None
    return certificate


def text_values() -> list[tuple[str, str, str]]:
    """(table, column, text) for every text or JSON value in every table of the schema."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.JSON)]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                if isinstance(column.type, sa.JSON):
                    value = json.dumps(value, ensure_ascii=False)
                found.append((table.name, column.name, str(value)))
    return found


def where_found(*needles: str) -> set[tuple[str, str]]:
    """The (table, column) pairs holding any of `needles` anywhere in their text (any case)."""
    folded = [n.casefold() for n in needles]
    return {
        (table, column)
        for table, column, text in text_values()
        if any(n in text.casefold() for n in folded)
    }
