"""Load a thread or a post for the current user: missing or not theirs to see → 404."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, current_app
from flask_login import current_user

from cohorts.questions.access import is_peer, moderates
from cohorts.questions.models import QuestionPost, QuestionThread
from courses.models import Course
from training.extensions import db


@dataclass(frozen=True)
class Loaded:
    """A thread the current user may see, its question and course, and whether they moderate."""

    thread: QuestionThread
    question: QuestionPost
    course: Course
    moderator: bool

    @property
    def asker(self) -> bool:
        """Whether the current user asked the question."""
        return self.question.author_id == current_user.id


def load_thread(thread_id: int) -> Loaded:
    """The thread if the current user may see it; 404 otherwise (a thread of another cohort is
    not admitted to exist)."""
    row = db.session.execute(
        sa.select(QuestionThread, QuestionPost, Course)
        .join(
            QuestionPost,
            sa.and_(QuestionPost.thread_id == QuestionThread.id, QuestionPost.is_question),
        )
        .join(Course, Course.id == QuestionThread.course_id)
        .where(QuestionThread.id == thread_id)
    ).first()
    if row is None:
        abort(404)
    thread, question, course = row
    moderator = moderates(thread, course, current_user)
    if not moderator and (question.hidden or not is_peer(thread, current_user)):
        abort(404)
    return Loaded(thread, question, course, moderator)


def load_post(post_id: int) -> tuple[Loaded, QuestionPost]:
    """A post the current user may see, with its thread; 404 otherwise (hidden ones included)."""
    post = db.session.get(QuestionPost, post_id)
    if post is None:
        abort(404)
    loaded = load_thread(post.thread_id)
    if post.hidden and not loaded.moderator:
        abort(404)
    return loaded, post


def post_limit() -> str:
    """Posting limit per account (asking, answering, editing, reporting together)."""
    return current_app.config.get("QUESTION_POST_LIMIT", "10 per minute;100 per day")


def account_key() -> str:
    """Rate-limit key: the account, so one person cannot flood from many addresses."""
    return f"questions:{current_user.id}" if current_user.is_authenticated else "questions:anon"
