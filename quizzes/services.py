"""Quizzes of a course: settings and the slots that say which questions are served."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from courses.keys import KEY_RE, unique_key
from courses.models import Course
from quizzes.models import DONE_RULES, REVIEW_MODES, Question, QuestionCategory, Quiz, QuizSlot
from training.errors import ServiceError
from training.extensions import db


@dataclass
class QuizSettings:
    """Everything a trainer sets on a quiz."""

    title: str
    module_key: str | None = None
    intro: str = ""
    is_open: bool = False
    required: bool = True
    pass_mark: int = 70
    attempts_allowed: int = 0
    min_delay_seconds: int = 0
    time_limit_seconds: int | None = None
    shuffle_questions: bool = False
    shuffle_options: bool = True
    questions_per_page: int = 5  # one question per page made long quizzes a tap marathon
    review: str = "feedback"
    done_when: str = "passed"


def _check(course: Course, settings: QuizSettings) -> None:
    if not settings.title.strip():
        raise ServiceError(_("Enter a title."), "title")
    if not 0 <= settings.pass_mark <= 100:
        raise ServiceError(_("The pass mark is a percentage from 0 to 100."), "pass_mark")
    if settings.attempts_allowed < 0 or settings.min_delay_seconds < 0:
        raise ServiceError(_("Numbers of attempts and delays cannot be negative."))
    if settings.time_limit_seconds is not None and settings.time_limit_seconds < 30:
        raise ServiceError(_("A time limit must be at least 30 seconds."), "time_limit")
    if settings.questions_per_page < 0:
        raise ServiceError(_("Questions per page cannot be negative."))
    if settings.review not in REVIEW_MODES or settings.done_when not in DONE_RULES:
        raise ServiceError(_("Choose from the listed options."))
    if settings.module_key and settings.module_key not in {m.key for m in course.modules}:
        raise ServiceError(_("Choose a module of this course."), "module")


def create_quiz(course: Course, settings: QuizSettings, key: str | None = None) -> Quiz:
    """A new quiz attached to a module, or the course's final quiz (key made from the title
    unless given, as course packs do)."""
    _check(course, settings)
    taken = set(db.session.scalars(sa.select(Quiz.key).where(Quiz.course_id == course.id)))
    if key is not None and (not KEY_RE.fullmatch(key) or key in taken):
        raise ServiceError(_("This key is not valid or already used."), "key")
    quiz = Quiz(course_id=course.id, key=key or unique_key(settings.title, taken))
    _apply(quiz, settings)
    db.session.add(quiz)
    db.session.flush()
    return quiz


def update_quiz(course: Course, quiz: Quiz, settings: QuizSettings) -> None:
    """Change a quiz's settings (attempts already made keep their grades)."""
    _check(course, settings)
    _apply(quiz, settings)
    db.session.flush()


def _apply(quiz: Quiz, settings: QuizSettings) -> None:
    quiz.title = " ".join(settings.title.split())[:200]
    quiz.module_key = settings.module_key or None
    for name in (
        "intro",
        "is_open",
        "required",
        "pass_mark",
        "attempts_allowed",
        "min_delay_seconds",
        "time_limit_seconds",
        "shuffle_questions",
        "shuffle_options",
        "questions_per_page",
        "review",
        "done_when",
    ):
        setattr(quiz, name, getattr(settings, name))


def add_fixed(quiz: Quiz, question: Question) -> QuizSlot:
    """Serve this question in every attempt."""
    if question.course_id != quiz.course_id or question.retired_at is not None:
        raise ServiceError(_("Choose a question of this course's bank."))
    if any(slot.question_id == question.id for slot in quiz.slots):
        raise ServiceError(_("This question is already in the quiz."))
    slot = QuizSlot(position=len(quiz.slots), question_id=question.id)
    quiz.slots.append(slot)
    db.session.flush()
    return slot


def add_random(quiz: Quiz, category: QuestionCategory, count: int) -> QuizSlot:
    """Serve `count` questions drawn at random from a category in every attempt."""
    if category.course_id != quiz.course_id:
        raise ServiceError(_("Choose a category of this course's bank."))
    available = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Question)
        .where(Question.category_id == category.id, Question.retired_at.is_(None))
    )
    if not 1 <= count <= (available or 0):
        raise ServiceError(
            _("The category has %(num)d questions; draw from 1 to that many.", num=available or 0),
            "count",
        )
    slot = QuizSlot(position=len(quiz.slots), category_id=category.id, draw_count=count)
    quiz.slots.append(slot)
    db.session.flush()
    return slot


def remove_slot(quiz: Quiz, slot: QuizSlot) -> None:
    """Take a line out of the quiz."""
    quiz.slots.remove(slot)
    for position, remaining in enumerate(quiz.slots):
        remaining.position = position
    db.session.flush()


def quizzes_of(course: Course) -> list[Quiz]:
    """A course's quizzes: module quizzes in module order, then the final quiz(zes)."""
    order = {m.key: i for i, m in enumerate(course.modules)}
    quizzes = list(db.session.scalars(sa.select(Quiz).where(Quiz.course_id == course.id)))
    return sorted(quizzes, key=lambda q: (order.get(q.module_key or "", len(order)), q.id))


def _question_count_statement() -> sa.Select:
    """The slots of quiz `quiz_id`: each fixed question if live, each draw with how many live
    questions its category holds (counted for that category alone, not the whole bank)."""
    live = Question.retired_at.is_(None)
    held = (
        sa.select(sa.func.count())
        .where(Question.category_id == QuizSlot.category_id, live)
        .correlate(QuizSlot)
        .scalar_subquery()
    )
    return (
        sa.select(QuizSlot.question_id, QuizSlot.draw_count, held)
        .outerjoin(Question, sa.and_(Question.id == QuizSlot.question_id, live))
        .where(QuizSlot.quiz_id == sa.bindparam("quiz_id"))
        .where(sa.or_(Question.id.is_not(None), QuizSlot.category_id.is_not(None)))
    )


# Built once: every quiz page asks.
_QUESTION_COUNT = _question_count_statement()


def question_count(quiz: Quiz) -> int:
    """How many questions a new attempt serves, for the start page: the live fixed questions
    plus each draw, capped by what its category holds now."""
    rows = db.session.execute(_QUESTION_COUNT, {"quiz_id": quiz.id})
    return sum(1 if question_id else min(draw, n) for question_id, draw, n in rows)


def publish_problems(course: Course) -> list[str]:
    """What would stop learners finishing the course, for its publish page: required quizzes
    closed or without questions, modules with neither lessons nor quizzes."""
    problems = []
    quizzes = quizzes_of(course)
    for quiz in quizzes:
        if quiz.required and not quiz.is_open:
            problems.append(
                _("The required quiz “%(title)s” is closed to learners.", title=quiz.title)
            )
        if quiz.required and question_count(quiz) == 0:
            problems.append(_("The required quiz “%(title)s” has no questions.", title=quiz.title))
    with_quiz = {quiz.module_key for quiz in quizzes}
    for module in course.modules:
        if not module.lessons and module.key not in with_quiz:
            problems.append(
                _("The module “%(title)s” has no lessons and no quizzes.", title=module.title)
            )
    return problems
