"""Helpers for quiz tests: a published course with a small question bank and a quiz."""

from __future__ import annotations

from typing import Any

from courses import learning
from courses.models import Course
from quizzes import bank, services
from quizzes.models import AttemptItem, Quiz
from quizzes.spec import NumericAnswer, Option, Pair, QuestionSpec, TextAnswer
from tests.course_helpers import build_course
from training.accounts.models import User
from training.extensions import db


def sample_specs() -> list[QuestionSpec]:
    """One question of every type, each with a known right answer."""
    return [
        QuestionSpec(
            type="single",
            text="Что ставят в начало новости?",
            name="pyramid",
            options=[
                Option("o1", "Главное", 1.0, "Верно."),
                Option("o2", "Предысторию", 0.0, "Нет: предыстория — в конце."),
                Option("o3", "Благодарности", 0.0, "Нет."),
            ],
            general_feedback="Перевёрнутая пирамида.",
        ),
        QuestionSpec(
            type="multiple",
            text="Что отвечает лид?",
            name="lead",
            options=[
                Option("o1", "Кто", 0.5),
                Option("o2", "Что", 0.5),
                Option("o3", "Почему погода плохая", -1.0, "Лишнее."),
            ],
        ),
        QuestionSpec(
            type="truefalse",
            text="Фото публикуют без согласия.",
            name="consent",
            truth=False,
            feedback_true="Нет!",
            feedback_false="Верно.",
        ),
        QuestionSpec(
            type="shortanswer",
            text="Первый абзац новости — это…",
            name="lead-word",
            answers=[TextAnswer("лид", 1.0)],
        ),
        QuestionSpec(
            type="numeric",
            text="Сколько вопросов в лиде (кто, что, где, когда)?",
            name="count",
            numeric=[NumericAnswer(value=4, tolerance=0)],
        ),
        QuestionSpec(
            type="matching",
            text="Сопоставьте",
            name="parts",
            pairs=[Pair("p1", "Заголовок", "Главное"), Pair("p2", "Цитата", "Голос")],
        ),
    ]


RIGHT = {
    "pyramid": "o1",
    "lead": ["o1", "o2"],
    "consent": "false",
    "lead-word": "Лид",
    "count": "4",
    "parts": {"p1": "p1", "p2": "p2"},
}


def form_fields(item: AttemptItem, answer: Any) -> dict[str, Any]:
    """The attempt page's fields for a real answer, sent as the page serves it: by tokens."""
    name = f"q{item.id}"
    if isinstance(answer, dict):
        return {f"{name}-{left}": item.token(right) for left, right in answer.items()}
    if isinstance(answer, list):
        return {name: [item.token(value) for value in answer]}
    return {name: item.token(answer)}  # typed text has no token: token() gives it back


def build_quiz(owner: User, **settings) -> tuple[Course, Quiz]:
    """The standard course plus an open module quiz with every question fixed."""
    course = build_course(owner)
    questions = [bank.add_question(course, spec, owner, "Модуль 1") for spec in sample_specs()]
    quiz = services.create_quiz(
        course,
        services.QuizSettings(
            title="Проверка по модулю", module_key="osnovy", is_open=True, **settings
        ),
    )
    for question in questions:
        services.add_fixed(quiz, question)
    db.session.commit()
    return course, quiz


def enroll(user: User, course: Course) -> None:
    learning.enroll(user.id, course)
    db.session.commit()
