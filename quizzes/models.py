"""Question bank (categories, questions, immutable versions), quizzes, attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courses.models import Course
from quizzes.spec import QuestionSpec
from training.accounts.models import User
from training.db import UTCDateTime, utcnow
from training.extensions import db

CHOICE_SEPARATOR = "\x1f"
REVIEW_MODES = ("score", "feedback", "answers", "answers_when_passed")
DONE_RULES = ("passed", "passed_or_exhausted")


class QuestionCategory(db.Model):
    """A folder of a course's question bank, named by its path (e.g. "Модуль 1/Лид")."""

    __tablename__ = "question_categories"
    __table_args__ = (sa.UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))

    course: Mapped[Course] = relationship()


class Question(db.Model):
    """A question of the bank; what it says lives in its versions, the newest being current."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_categories.id", ondelete="RESTRICT"), index=True
    )
    current_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Retired questions leave the bank but stay readable for the attempts that used them.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    category: Mapped[QuestionCategory] = relationship()
    current_version: Mapped[QuestionVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class QuestionVersion(db.Model):
    """One immutable wording of a question, with its texts rendered to HTML once."""

    __tablename__ = "question_versions"
    __table_args__ = (sa.UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="CASCADE"))
    number: Mapped[int]
    type: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # Every text of `data` mapped to its safe HTML: {raw text: html}.
    rendered: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    question: Mapped[Question] = relationship(foreign_keys=[question_id])

    @property
    def spec(self) -> QuestionSpec:
        return QuestionSpec.from_json(self.data)

    def html(self, text: str) -> str:
        """The stored HTML of one of this version's texts."""
        return self.rendered.get(text, "")


class Quiz(db.Model):
    """A module quiz (module_key set) or the course's final quiz (module_key empty)."""

    __tablename__ = "quizzes"
    __table_args__ = (
        sa.CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_percent"),
        sa.CheckConstraint("attempts_allowed >= 0", name="attempts_non_negative"),
        sa.CheckConstraint(
            "review IN ('score', 'feedback', 'answers', 'answers_when_passed')", name="review_known"
        ),
        sa.CheckConstraint("done_when IN ('passed', 'passed_or_exhausted')", name="done_known"),
        sa.UniqueConstraint("course_id", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(64))
    module_key: Mapped[str | None] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    intro: Mapped[str] = mapped_column(sa.Text, default="")
    is_open: Mapped[bool] = mapped_column(default=False)
    required: Mapped[bool] = mapped_column(default=True)
    pass_mark: Mapped[int] = mapped_column(default=70)
    attempts_allowed: Mapped[int] = mapped_column(default=0)
    min_delay_seconds: Mapped[int] = mapped_column(default=0)
    time_limit_seconds: Mapped[int | None]
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    questions_per_page: Mapped[int] = mapped_column(default=1)
    review: Mapped[str] = mapped_column(sa.String(24), default="feedback")
    done_when: Mapped[str] = mapped_column(sa.String(24), default="passed")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship()
    slots: Mapped[list[QuizSlot]] = relationship(
        order_by="QuizSlot.position", cascade="all, delete-orphan"
    )


class QuizSlot(db.Model):
    """One line of a quiz: a fixed question, or N questions drawn at random from a category."""

    __tablename__ = "quiz_slots"
    __table_args__ = (
        sa.CheckConstraint(
            "(question_id IS NOT NULL AND category_id IS NULL) OR "
            "(question_id IS NULL AND category_id IS NOT NULL AND draw_count > 0)",
            name="fixed_or_random",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"))
    position: Mapped[int]
    question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE")
    )
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("question_categories.id", ondelete="CASCADE")
    )
    draw_count: Mapped[int] = mapped_column(default=1)

    question: Mapped[Question | None] = relationship()
    category: Mapped[QuestionCategory | None] = relationship()


class Attempt(db.Model):
    """One learner's try at a quiz: what was served, what was answered, the grade."""

    __tablename__ = "attempts"
    __table_args__ = (
        sa.UniqueConstraint("quiz_id", "user_id", "number"),
        # At most one open attempt per learner and quiz, whatever the race.
        sa.Index(
            "uq_attempts_one_open",
            "quiz_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text("submitted_at IS NULL"),
            postgresql_where=sa.text("submitted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[float | None]  # 0..1
    passed: Mapped[bool | None]

    quiz: Mapped[Quiz] = relationship()
    user: Mapped[User] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(
        order_by="AttemptItem.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None

    @hybrid_property
    def waiting(self) -> bool:
        """Submitted, but an essay in it waits for a trainer's grade (score and pass with it);
        in a query, the same condition in SQL."""
        return self.submitted_at is not None and self.score is None

    @waiting.inplace.expression
    @classmethod
    def _waiting_expression(cls) -> sa.ColumnElement[bool]:
        return sa.and_(cls.submitted_at.is_not(None), cls.score.is_(None))

    @property
    def percent(self) -> int | None:
        return None if self.score is None else round(self.score * 100)


class AttemptItem(db.Model):
    """A question as served in an attempt: the exact version and option order, the answer."""

    __tablename__ = "attempt_items"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int]
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="RESTRICT"), index=True
    )
    # Option ids (or matching right ids) in the order they were shown.
    order: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Opaque token -> the value it stands for (option id, "true"/"false", matching right id):
    # the form serves only tokens, so its values carry no hint of the answer (quizzes.types).
    tokens: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    response: Mapped[Any | None] = mapped_column(sa.JSON)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[float | None]
    feedback: Mapped[list[str] | None] = mapped_column(sa.JSON)
    # What was picked, for item analysis: labels joined by CHOICE_SEPARATOR. Plain text
    # rather than JSON because the analysis reads it for every item of every attempt.
    choices: Mapped[str | None] = mapped_column(sa.Text)
    # A hand-graded item (an essay): who graded it, when, and their feedback in Markdown. Its
    # score stays None until then, and so does the attempt's (quizzes.essays).
    graded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str | None] = mapped_column(sa.Text)

    version: Mapped[QuestionVersion] = relationship()

    def token(self, value: str) -> str:
        """The token the attempt form serves for a real value (templates; resume shows it)."""
        # Items served before tokens existed have none: their form serves the values themselves.
        return next((t for t, v in self.tokens.items() if v == value), value)
