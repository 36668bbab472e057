"""Questions under lessons: threads, their posts (the question is the first) and reports."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.accounts.models import User
from training.db import UTCDateTime, utcnow
from training.extensions import db


class QuestionThread(db.Model):
    """A question asked under a lesson, seen by the asker's cohort (or the self-paced learners
    of the course when `cohort_id` is None) and by the course's trainers."""

    __tablename__ = "question_threads"
    __table_args__ = (sa.Index("ix_question_threads_lesson", "course_id", "lesson_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    # Lessons are addressed by key: a thread survives new revisions of the course.
    lesson_key: Mapped[str] = mapped_column(sa.String(64))
    # A cohort's threads go with the cohort; they were never visible to anyone else.
    cohort_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    posts: Mapped[list[QuestionPost]] = relationship(
        back_populates="thread", order_by="QuestionPost.id", cascade="all, delete-orphan"
    )


class QuestionPost(db.Model):
    """The question (`is_question`) or an answer; deleted posts keep their place, not their text."""

    __tablename__ = "question_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_threads.id", ondelete="CASCADE"), index=True
    )
    # NULL once the account is deleted: the post stays, signed «deleted participant».
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text, default="")
    is_question: Mapped[bool] = mapped_column(default=False)
    # Whether the author could moderate the thread when posting: the unanswered list reads it.
    by_trainer: Mapped[bool] = mapped_column(default=False)
    accepted: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    thread: Mapped[QuestionThread] = relationship(back_populates="posts")
    author: Mapped[User | None] = relationship()


class PostReport(db.Model):
    """Someone flagged a post for the trainers; once per person and post."""

    __tablename__ = "question_reports"

    post_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
