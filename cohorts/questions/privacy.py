"""A person's questions and answers in their export; account deletion keeps threads readable.

Deletion detaches the person's posts (signed «deleted participant» from then on) and removes
their reports. The text stays: it is part of a conversation others took part in, as the issue
asks. The retention purge (`flask privacy purge`) does the same for accounts inactive past the
retention period: their posts lose their author and are signed «deleted participant».
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cohorts.questions.models import PostReport, QuestionPost, QuestionThread
from courses.models import Course
from training.accounts.models import User
from training.extensions import db


def export_question_data(user: User) -> dict[str, Any]:
    """The person's questions and answers (deleted ones as deleted) and the posts they reported."""
    rows = db.session.execute(
        sa.select(QuestionPost, QuestionThread, Course.slug)
        .join(QuestionThread, QuestionThread.id == QuestionPost.thread_id)
        .join(Course, Course.id == QuestionThread.course_id)
        .where(QuestionPost.author_id == user.id)
        .order_by(QuestionPost.created_at, QuestionPost.id)
    ).all()
    reported = db.session.scalars(
        sa.select(PostReport).where(PostReport.user_id == user.id).order_by(PostReport.created_at)
    ).all()
    return {
        "questions.json": {
            "posts": [
                {
                    "course": slug,
                    "lesson": thread.lesson_key,
                    "thread": thread.id,
                    "kind": "question" if post.is_question else "answer",
                    "title": thread.title if post.is_question else None,
                    "text": post.body,
                    "posted_at": post.created_at,
                    "edited_at": post.edited_at,
                    "deleted_at": post.deleted_at,
                    "accepted": post.accepted,
                    "hidden": post.hidden,
                }
                for post, thread, slug in rows
            ],
            "reported": [{"post": r.post_id, "reported_at": r.created_at} for r in reported],
        }
    }


def erase_question_data(user: User) -> None:
    """Detach the person's posts (threads stay readable) and delete their reports."""
    db.session.execute(
        sa.update(QuestionPost).where(QuestionPost.author_id == user.id).values(author_id=None),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        sa.delete(PostReport).where(PostReport.user_id == user.id),
        execution_options={"synchronize_session": False},
    )
    db.session.flush()


def purge_inactive_posts(inactive: sa.Select, dry_run: bool) -> tuple[str, int]:
    """Retention: posts of accounts inactive past the period lose their author, as on deletion."""
    mine = QuestionPost.author_id.in_(inactive.scalar_subquery())
    if dry_run:
        count = db.session.scalar(sa.select(sa.func.count()).select_from(QuestionPost).where(mine))
    else:
        result = db.session.execute(
            sa.update(QuestionPost).where(mine).values(author_id=None),
            execution_options={"synchronize_session": False},
        )
        count = result.rowcount
        db.session.flush()
    return "Question and answer posts detached from inactive accounts", count or 0
