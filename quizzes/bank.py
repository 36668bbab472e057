"""A course's question bank: categories, questions and their immutable versions."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from courses import media_refs
from courses.media import course_media
from courses.models import Course
from courses.publishing import media_base
from quizzes.models import Question, QuestionCategory, QuestionVersion
from quizzes.render import render_spec, render_text
from quizzes.spec import TEXT_FORMATS, QuestionSpec
from quizzes.types.base import type_of
from training.accounts.models import User
from training.db import utcnow
from training.errors import ServiceError
from training.extensions import db

DEFAULT_CATEGORY = "Default"


def category(course: Course, name: str) -> QuestionCategory:
    """The course's category with this path, created when missing."""
    name = "/".join(part.strip() for part in (name or DEFAULT_CATEGORY).split("/") if part.strip())
    name = name[:200] or DEFAULT_CATEGORY
    found = db.session.scalar(
        sa.select(QuestionCategory).where(
            QuestionCategory.course_id == course.id, QuestionCategory.name == name
        )
    )
    if found is None:
        found = QuestionCategory(course_id=course.id, name=name)
        db.session.add(found)
        db.session.flush()
    return found


def categories(course: Course) -> list[QuestionCategory]:
    """The course's categories by name."""
    return list(
        db.session.scalars(
            sa.select(QuestionCategory)
            .where(QuestionCategory.course_id == course.id)
            .order_by(QuestionCategory.name)
        )
    )


def check_spec(spec: QuestionSpec) -> None:
    """Refuse a question that cannot be answered or graded."""
    kind = type_of(spec.type)
    if spec.text_format not in TEXT_FORMATS:
        raise ServiceError(_("Unknown text format."))
    if not spec.text.strip():
        raise ServiceError(_("The question has no text."), "text")
    kind.check_spec(spec)


def add_question(
    course: Course, spec: QuestionSpec, user: User | None, category_name: str = ""
) -> Question:
    """A new question in the bank with its first version."""
    check_spec(spec)
    question = Question(course_id=course.id, category=category(course, category_name))
    db.session.add(question)
    db.session.flush()
    _new_version(course, question, spec, user)
    return question


def edit_question(course: Course, question: Question, spec: QuestionSpec, user: User | None):
    """Save a changed question as a new version; attempts keep the version they were served."""
    check_spec(spec)
    current = question.current_version
    if current is not None and current.data == spec.to_json():
        return current
    return _new_version(course, question, spec, user)


def _new_version(
    course: Course, question: Question, spec: QuestionSpec, user: User | None
) -> QuestionVersion:
    number = (
        db.session.scalar(
            sa.select(sa.func.max(QuestionVersion.number)).where(
                QuestionVersion.question_id == question.id
            )
        )
        or 0
    ) + 1
    version = QuestionVersion(
        question_id=question.id,
        number=number,
        type=spec.type,
        name=spec.name[:200],
        data=spec.to_json(),
        rendered=render_spec(spec, media_base(course)),
        created_by_id=user.id if user else None,
    )
    db.session.add(version)
    db.session.flush()
    question.current_version = version
    db.session.flush()
    return version


def retire_question(question: Question) -> None:
    """Take a question out of the bank; attempts that used it keep it."""
    question.retired_at = utcnow()
    db.session.flush()


def bank(course: Course, category_id: int | None = None) -> list[Question]:
    """Active questions of a course with their current versions, by category and id."""
    query = (
        sa.select(Question)
        .where(Question.course_id == course.id, Question.retired_at.is_(None))
        .options(sa.orm.joinedload(Question.current_version), sa.orm.joinedload(Question.category))
        .order_by(Question.category_id, Question.id)
    )
    if category_id is not None:
        query = query.where(Question.category_id == category_id)
    return list(db.session.scalars(query))


def media_used_by_questions(course: Course, filename: str) -> bool:
    """Whether a question of the course's bank (any version: reviews show old ones) shows the
    course's file `filename`; quizzes are learners' content, so such files are served."""
    found = db.session.scalar(
        sa.select(QuestionVersion.id)
        .join(Question, QuestionVersion.question_id == Question.id)
        .where(
            Question.course_id == course.id,
            sa.cast(QuestionVersion.data, sa.Text).contains(f"media/{filename}", autoescape=True),
        )
        .limit(1)
    )
    return found is not None


def missing_media_problems(course: Course) -> list[str]:
    """Questions of the bank that show a `media/…` file the course does not have (a warning
    on the publish page)."""
    files = {media.filename for media in course_media(course)}
    problems = []
    for question in bank(course):
        spec = question.current_version.spec
        for text, text_format in spec.texts():

            def render(raw: str, base: str, text_format: str = text_format) -> str:
                return render_text(raw, text_format, base)

            for name, _line in media_refs.missing(text, render, files):
                problems.append(
                    _(
                        "The question “%(question)s” shows media/%(name)s, which is not among "
                        "the course's files.",
                        question=spec.name or spec.text[:60],
                        name=name,
                    )
                )
    return list(dict.fromkeys(problems))
