"""What the pages list: a lesson's threads, a thread's posts, a trainer's unanswered questions.

Each list is one statement whatever its length (tests count them): the lesson page stays cheap.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa

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


_THREADS = QuestionThread.__table__
_POSTS = QuestionPost.__table__  # in a list's statement: each thread's question
_USERS = User.__table__
_COHORTS = Cohort.__table__
_COURSES = Course.__table__
_REVISIONS = CourseRevision.__table__


def _answers_shown() -> sa.ScalarSelect[int]:
    """Answers a learner is shown (not hidden, not deleted), per thread row of the query."""
    answers = _POSTS.alias("answers")
    return (
        sa.select(sa.func.count(answers.c.id))
        .where(
            answers.c.thread_id == _THREADS.c.id,
            answers.c.is_question.is_(False),
            answers.c.hidden.is_(False),
            answers.c.deleted_at.is_(None),
        )
        .scalar_subquery()
    )


def _accepted() -> sa.Exists:
    answers = _POSTS.alias("accepted_answers")
    return sa.exists().where(answers.c.thread_id == _THREADS.c.id, answers.c.accepted.is_(True))


def _listed(extra: tuple = ()) -> sa.Select:
    """Threads with their question, its author's name and cohort, counts and marks: a Core
    statement on the tables (no ORM objects are built for a list)."""
    return (
        sa.select(
            _THREADS.c.id,
            _THREADS.c.title,
            _THREADS.c.pinned,
            _THREADS.c.locked,
            _THREADS.c.lesson_key,
            _POSTS.c.body,
            _POSTS.c.created_at.label("asked_at"),
            _POSTS.c.hidden,
            _POSTS.c.deleted_at,
            _USERS.c.id.label("author_id"),
            _USERS.c.display_name,
            _COHORTS.c.name.label("cohort_name"),
            _answers_shown().label("answers"),
            _accepted().label("accepted"),
            *extra,
        )
        .select_from(_THREADS)
        .join(_COURSES, _COURSES.c.id == _THREADS.c.course_id)
        .join(_POSTS, sa.and_(_POSTS.c.thread_id == _THREADS.c.id, _POSTS.c.is_question))
        .outerjoin(_USERS, _USERS.c.id == _POSTS.c.author_id)
        .outerjoin(_COHORTS, _COHORTS.c.id == _THREADS.c.cohort_id)
    )


def _row(row: sa.Row, **more: str) -> ThreadRow:
    return ThreadRow(
        id=row.id,
        title=row.title,
        excerpt=cut_words(row.body, 160),
        author=author_name(row.author_id, row.display_name, row.id),
        asked_at=row.asked_at,
        answers=row.answers,
        accepted=bool(row.accepted),
        pinned=row.pinned,
        locked=row.locked,
        hidden=row.hidden,
        deleted=row.deleted_at is not None,
        cohort=row.cohort_name,
        lesson_key=row.lesson_key,
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
    seen = sa.or_(moderates_clause(viewer), sa.and_(peer_clause(viewer), ~_POSTS.c.hidden))
    return (
        _listed()
        .where(
            _THREADS.c.course_id == sa.bindparam("course_id"),
            _THREADS.c.lesson_key == sa.bindparam("lesson_key"),
        )
        .where(seen)
        .order_by(_THREADS.c.pinned.desc(), _THREADS.c.created_at.desc())
        .limit(_LIMIT)
    )


def unanswered(user: User) -> list[ThreadRow]:
    """Open threads the user moderates with no trainer's answer yet, oldest first: one statement."""
    by_trainer = _POSTS.alias("by_trainer")
    answered = sa.exists().where(
        by_trainer.c.thread_id == _THREADS.c.id,
        by_trainer.c.by_trainer.is_(True),
        by_trainer.c.is_question.is_(False),
        by_trainer.c.deleted_at.is_(None),
    )
    rows = db.session.execute(
        _listed((_REVISIONS.c.title.label("course_title"), _COURSES.c.slug))
        .join(_REVISIONS, _REVISIONS.c.id == _COURSES.c.published_revision_id)
        .where(moderates_clause(user), ~_THREADS.c.locked, ~answered)
        .where(_POSTS.c.deleted_at.is_(None))
        .order_by(_THREADS.c.created_at, _THREADS.c.id)
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
