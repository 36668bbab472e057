"""What the pages list: a lesson's threads, a thread's posts, a trainer's unanswered questions.

Each list is one statement whatever its length (tests count them): the lesson page stays cheap.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from cohorts.models import Cohort
from cohorts.questions.access import author_name, moderates_clause, peer_clause
from cohorts.questions.models import PostReport, QuestionPost, QuestionThread
from courses.models import Course, CourseRevision
from training.accounts.models import User
from training.extensions import db
from training.text import cut_words

_LIMIT = 200  # a list longer than this is a moderation problem, not a reading list


@dataclass(frozen=True)
class ThreadRow:
    """A thread as a list shows it: who asked, its label, answers, marks."""

    id: int
    title: str
    excerpt: str
    author: str
    asked_at: datetime
    answers: int
    accepted: bool
    pinned: bool
    locked: bool
    hidden: bool
    deleted: bool
    cohort: str | None
    course_title: str = ""
    course_slug: str = ""
    lesson_key: str = ""


def _answers_shown() -> sa.ScalarSelect[int]:
    """Answers a learner is shown (not hidden, not deleted), per thread row of the query."""
    answers = aliased(QuestionPost)
    return (
        sa.select(sa.func.count(answers.id))
        .where(
            answers.thread_id == QuestionThread.id,
            answers.is_question.is_(False),
            answers.hidden.is_(False),
            answers.deleted_at.is_(None),
        )
        .scalar_subquery()
    )


def _accepted() -> sa.Exists:
    answers = aliased(QuestionPost)
    return sa.exists().where(answers.thread_id == QuestionThread.id, answers.accepted.is_(True))


def _listed(extra: tuple = ()) -> sa.Select:
    """Threads with their question, its author's name and cohort, counts and marks."""
    return (
        sa.select(
            QuestionThread,
            QuestionPost,
            User.id.label("author_id"),
            User.display_name,
            Cohort.name.label("cohort_name"),
            _answers_shown().label("answers"),
            _accepted().label("accepted"),
            *extra,
        )
        .join(Course, Course.id == QuestionThread.course_id)
        .join(
            QuestionPost,
            sa.and_(QuestionPost.thread_id == QuestionThread.id, QuestionPost.is_question),
        )
        .outerjoin(User, User.id == QuestionPost.author_id)
        .outerjoin(Cohort, Cohort.id == QuestionThread.cohort_id)
    )


def _row(row: sa.Row, **more: str) -> ThreadRow:
    thread, question = row[0], row[1]
    return ThreadRow(
        id=thread.id,
        title=thread.title,
        excerpt=cut_words(question.body, 160),
        author=author_name(row.author_id, row.display_name, thread.id),
        asked_at=question.created_at,
        answers=row.answers,
        accepted=bool(row.accepted),
        pinned=thread.pinned,
        locked=thread.locked,
        hidden=question.hidden,
        deleted=question.deleted_at is not None,
        cohort=row.cohort_name,
        lesson_key=thread.lesson_key,
        **more,
    )


def lesson_threads(course_id: int, lesson_key: str, user: User) -> list[ThreadRow]:
    """The threads under a lesson that `user` may see, pinned first, then newest: one statement.

    A learner sees their group's threads with the question not hidden; a moderator sees all.
    """
    parameters = {"course_id": course_id, "lesson_key": lesson_key, "user_id": user.id}
    rows = db.session.execute(_lesson_statement(bool(user.is_admin)), parameters).all()
    return [_row(row) for row in rows]


@functools.cache
def _lesson_statement(admin: bool) -> sa.Select:
    """The lesson list's statement, built once per process: it is on every lesson page, and
    building it cost more than running it (parameters: course_id, lesson_key, user_id)."""
    viewer = SimpleNamespace(id=sa.bindparam("user_id"), is_admin=admin)
    seen = sa.or_(moderates_clause(viewer), sa.and_(peer_clause(viewer), ~QuestionPost.hidden))
    return (
        _listed()
        .where(
            QuestionThread.course_id == sa.bindparam("course_id"),
            QuestionThread.lesson_key == sa.bindparam("lesson_key"),
        )
        .where(seen)
        .order_by(QuestionThread.pinned.desc(), QuestionThread.created_at.desc())
        .limit(_LIMIT)
    )


def unanswered(user: User) -> list[ThreadRow]:
    """Open threads the user moderates with no trainer's answer yet, oldest first: one statement."""
    by_trainer = aliased(QuestionPost)
    answered = sa.exists().where(
        by_trainer.thread_id == QuestionThread.id,
        by_trainer.by_trainer.is_(True),
        by_trainer.is_question.is_(False),
        by_trainer.deleted_at.is_(None),
    )
    rows = db.session.execute(
        _listed((CourseRevision.title.label("course_title"), Course.slug))
        .join(CourseRevision, CourseRevision.id == Course.published_revision_id)
        .where(moderates_clause(user), ~QuestionThread.locked, ~answered)
        .where(QuestionPost.deleted_at.is_(None))
        .order_by(QuestionThread.created_at, QuestionThread.id)
        .limit(_LIMIT)
    ).all()
    return [_row(row, course_title=row.course_title, course_slug=row.slug) for row in rows]


@dataclass(frozen=True)
class PostRow:
    """A post as the thread page shows it."""

    post: QuestionPost
    author: str
    reports: int


def thread_posts(thread: QuestionThread, *, moderator: bool) -> list[PostRow]:
    """The thread's posts in order, hidden ones only for moderators, with report counts."""
    reports = (
        sa.select(sa.func.count())
        .where(PostReport.post_id == QuestionPost.id)
        .scalar_subquery()
        .label("reports")
    )
    query = (
        sa.select(QuestionPost, User.id.label("author_id"), User.display_name, reports)
        .outerjoin(User, User.id == QuestionPost.author_id)
        .where(QuestionPost.thread_id == thread.id)
        .order_by(QuestionPost.is_question.desc(), QuestionPost.id)
    )
    if not moderator:
        query = query.where(~QuestionPost.hidden)
    shown = []
    for row in db.session.execute(query):
        name = author_name(row.author_id, row.display_name, thread.id)
        shown.append(PostRow(row[0], name, row.reports if moderator else 0))
    return shown
