"""Attempt data shaped for item analysis and trainer reports."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup

from quizzes.analysis import AttemptRecord, ItemResponse
from quizzes.models import CHOICE_SEPARATOR, Question, QuestionVersion, Quiz
from quizzes.preview import EXCERPT_CHARS, excerpt
from quizzes.types.base import REGISTRY
from training.extensions import db
from training.text import cut_words

_ITEMS_SQL = (
    "SELECT a.id, a.user_id, a.number, i.version_id, i.score, i.choices"
    " FROM attempts AS a JOIN attempt_items AS i ON i.attempt_id = a.id"
    # Attempts waiting for an essay's grade have no score yet: they join once graded.
    " WHERE a.submitted_at IS NOT NULL AND a.score IS NOT NULL AND a.quiz_id = "
)


def attempt_records(quiz: Quiz) -> list[AttemptRecord]:
    """Every submitted attempt at the quiz with each item's score and choices.

    Read with one plain query and no ORM objects: a quiz may have tens of thousands of
    attempts and the trainer waits for the page.
    """
    question_of = dict(
        db.session.execute(
            sa.select(QuestionVersion.id, QuestionVersion.question_id)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(Question.course_id == quiz.course_id)
        ).all()
    )
    # Plain rows straight from the driver: a quiz may have 100,000 answered items, and
    # building result objects for each would cost more than the analysis itself.
    if db.session.get_bind().dialect.paramstyle == "qmark":
        sql, params = _ITEMS_SQL + "?", (quiz.id,)
    else:
        sql, params = _ITEMS_SQL + "%(quiz)s", {"quiz": quiz.id}
    result = db.session.connection().exec_driver_sql(sql, params)
    rows = result.cursor.fetchall() if result.cursor is not None else []
    result.close()
    records: dict[int, tuple[int, int, dict[str, ItemResponse]]] = {}
    keys = {vid: str(qid) for vid, qid in question_of.items()}
    # Few distinct (score, choice) pairs recur across many attempts: share one object each.
    responses: dict[tuple[float | None, str | None], ItemResponse] = {}
    for attempt_id, user_id, number, version_id, score, choices in rows:
        entry = records.get(attempt_id)
        if entry is None:
            entry = records[attempt_id] = (user_id, number, {})
        response = responses.get((score, choices))
        if response is None:
            labels = tuple(choices.split(CHOICE_SEPARATOR)) if choices else ()
            response = responses[(score, choices)] = ItemResponse(score or 0.0, labels)
        entry[2][keys[version_id]] = response
    return [
        AttemptRecord(attempt_id=aid, user_id=uid, number=num, items=items)
        for aid, (uid, num, items) in sorted(records.items())
    ]


@dataclass(frozen=True)
class Label:
    """A text for the report: `short` (cut at a word) and, when that is not all, `full`."""

    short: str
    full: str = ""


def _label(text: str, limit: int) -> Label:
    plain = " ".join(text.split())
    short = cut_words(plain, limit)
    return Label(short, plain if short != plain else "")


def _plain(version: QuestionVersion, text: str) -> str:
    """An option's words without its Markdown: the version's sanitised HTML, tags stripped."""
    return Markup(version.html(text)).striptags() or text  # noqa: S704 - stored, sanitised


def question_labels(
    quiz: Quiz,
) -> tuple[dict[str, Label], dict[str, dict[str, Label]], set[str]]:
    """Labels for the report as words, not names or ids: question key -> the start of its
    text, question key -> {choice id -> option text} so distractors read as words, and the
    keys of questions trainers grade (essays: their grades in bands, no distractors)."""
    rows = db.session.execute(
        sa.select(Question.id, QuestionVersion)
        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
        .where(Question.course_id == quiz.course_id)
    )
    names, choices, by_hand = {}, {}, set()
    for qid, version in rows:
        names[str(qid)] = _label(excerpt(version, limit=1000), EXCERPT_CHARS)
        kind = REGISTRY[version.type]
        labels = kind.choice_labels(version.spec)
        choices[str(qid)] = {
            key: _label(_plain(version, text), CHOICE_CHARS) for key, text in labels.items()
        }
        if kind.graded_by_hand:
            by_hand.add(str(qid))
    return names, choices, by_hand


#: Characters of an answer's text shown in the item analysis before "…".
CHOICE_CHARS = 40
