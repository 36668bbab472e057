"""Who sees and who moderates a question thread: one rule, as Python and as SQL.

A thread is seen by its asker and by the learners of the asker's cohort (or, for a
self-paced question, the enrolled learners without a cohort in that course), and moderated by
the course's authors, the trainers of the thread's cohort and administrators, who see every
thread of their courses.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from cohorts.models import CohortMember, CohortTrainer
from cohorts.questions.models import QuestionPost, QuestionThread
from courses.models import Course, CourseEditor, Enrollment
from training.extensions import db

# The rules as SQL are written on the tables: they serve ORM queries and the Core statement of
# the lesson page alike (an ORM column in a statement would send it through the ORM's loading
# machinery, which costs more than running it).
_THREADS = QuestionThread.__table__
_POSTS = QuestionPost.__table__
_COURSES = Course.__table__
_EDITORS = CourseEditor.__table__
_TRAINERS = CohortTrainer.__table__
_ENROLLMENTS = Enrollment.__table__
_MEMBERS = CohortMember.__table__


def moderates_clause(user: Any) -> sa.ColumnElement[bool]:
    """SQL: the user may moderate the thread row in the query (joined with its course)."""
    if user.is_admin:
        return sa.true()
    editor = sa.exists().where(
        _EDITORS.c.course_id == _THREADS.c.course_id, _EDITORS.c.user_id == user.id
    )
    trainer = sa.exists().where(
        _TRAINERS.c.cohort_id == _THREADS.c.cohort_id, _TRAINERS.c.user_id == user.id
    )
    return sa.or_(_COURSES.c.owner_id == user.id, editor, trainer)


def peer_clause(user: Any) -> sa.ColumnElement[bool]:
    """SQL: the thread row belongs to the user's group in its course (cohort or self-paced)."""
    enrolled = sa.exists().where(
        _ENROLLMENTS.c.course_id == _THREADS.c.course_id, _ENROLLMENTS.c.user_id == user.id
    )
    mine = (
        sa.select(_MEMBERS.c.cohort_id)
        .where(_MEMBERS.c.user_id == user.id, _MEMBERS.c.course_id == _THREADS.c.course_id)
        .scalar_subquery()
    )
    # IS NOT DISTINCT FROM: a self-paced thread (NULL) matches a learner without a cohort.
    group = sa.and_(enrolled, _THREADS.c.cohort_id.is_not_distinct_from(mine))
    return sa.or_(group, _asked_by(user.id))


def _asked_by(user_id: Any) -> sa.ColumnElement[bool]:
    """SQL: the user asked the thread — they keep it after joining a cohort or leaving one."""
    asked = _POSTS.alias("asked")  # the outer query may itself read posts
    return (
        sa.select(asked.c.id)
        .where(
            asked.c.thread_id == _THREADS.c.id,
            asked.c.is_question.is_(True),
            asked.c.author_id == user_id,
        )
        .correlate_except(asked)
        .exists()
    )


def moderates(thread: QuestionThread, course: Course, user: Any) -> bool:
    """Whether `user` may pin, hide, lock and see every post of `thread`."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin or course.owner_id == user.id:
        return True
    return bool(
        db.session.scalar(
            sa.select(sa.literal(True)).where(
                sa.or_(
                    sa.exists().where(
                        CourseEditor.course_id == course.id, CourseEditor.user_id == user.id
                    ),
                    sa.exists().where(
                        CohortTrainer.cohort_id == thread.cohort_id,
                        CohortTrainer.user_id == user.id,
                    ),
                )
            )
        )
    )


def is_peer(thread: QuestionThread, user: Any) -> bool:
    """Whether `user` is a learner of the thread's group (same cohort, or both self-paced)."""
    if not getattr(user, "is_authenticated", False):
        return False
    found = db.session.execute(
        sa.select(Enrollment.user_id, CohortMember.cohort_id)
        .outerjoin(
            CohortMember,
            sa.and_(
                CohortMember.user_id == Enrollment.user_id,
                CohortMember.course_id == Enrollment.course_id,
            ),
        )
        .where(Enrollment.user_id == user.id, Enrollment.course_id == thread.course_id)
    ).first()
    if found is not None and found.cohort_id == thread.cohort_id:
        return True
    return any(p.is_question and p.author_id == user.id for p in thread.posts)


def author_name(author_id: int | None, display_name: str | None, thread_id: int) -> str:
    """How a post is signed: the display name only, never a username or an address.

    Without a display name, a tag that tells one participant of the thread from another
    (the same in every post of theirs in it) but gives away neither the account's number nor
    who they are in another thread: a keyed digest of (thread, account).
    """
    if author_id is None:
        return _("deleted participant")
    if display_name:
        return display_name
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"{thread_id}:{author_id}".encode(), hashlib.sha256).hexdigest()
    return _("Participant %(tag)s", tag=digest[:4].upper())
