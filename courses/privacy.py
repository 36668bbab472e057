"""A learner's course data in their export, and its erasure when they delete their account."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from courses.models import Course, CourseEditor, Enrollment, LessonProgress
from training.accounts.models import User
from training.errors import ServiceError
from training.extensions import db


def export_course_data(user: User) -> dict[str, Any]:
    """Enrollments, lesson progress and the courses the person writes, for their export."""
    enrollments = db.session.execute(
        sa.select(Enrollment, Course.slug, Course.title)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == user.id)
        .order_by(Enrollment.enrolled_at)
    ).all()
    progress = db.session.execute(
        sa.select(LessonProgress, Course.slug)
        .join(Course, Course.id == LessonProgress.course_id)
        .where(LessonProgress.user_id == user.id)
        .order_by(Course.slug, LessonProgress.first_viewed_at)
    ).all()
    owned = db.session.execute(
        sa.select(Course.slug, Course.title).where(Course.owner_id == user.id).order_by(Course.slug)
    ).all()
    edited = db.session.execute(
        sa.select(Course.slug, Course.title)
        .join(CourseEditor, CourseEditor.course_id == Course.id)
        .where(CourseEditor.user_id == user.id)
        .order_by(Course.slug)
    ).all()
    return {
        "enrollments.json": [
            {"course": slug, "title": title, "enrolled_at": row.enrolled_at}
            for row, slug, title in enrollments
        ],
        "lesson_progress.json": [
            {
                "course": slug,
                "lesson": row.lesson_key,
                "first_viewed_at": row.first_viewed_at,
                "completed_at": row.completed_at,
            }
            for row, slug in progress
        ],
        "courses_authored.json": [
            {"course": slug, "title": title, "as": "owner"} for slug, title in owned
        ]
        + [{"course": slug, "title": title, "as": "co-author"} for slug, title in edited],
    }


def erase_course_data(user: User) -> None:
    """Delete the person's enrollments, progress and co-authorships; refuse for course owners.

    A course needs an owner and its certificates name them as the trainer, so an owner
    has to hand their courses over before leaving.
    """
    if db.session.scalar(sa.select(Course.id).where(Course.owner_id == user.id).limit(1)):
        raise ServiceError(
            _(
                "You own courses, and a course cannot stay without its owner. Ask an "
                "administrator to hand your courses over before you delete your account."
            )
        )
    for model in (LessonProgress, Enrollment, CourseEditor):
        db.session.execute(
            sa.delete(model).where(model.user_id == user.id),
            execution_options={"synchronize_session": False},
        )
