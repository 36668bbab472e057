"""The authoring blueprint and what its pages share: load (404), check (403), list, prefill."""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from flask import Blueprint, abort, request
from flask_login import current_user
from flask_wtf import FlaskForm

from courses.models import Course, CourseEditor, CourseMedia, CourseRevision, Lesson, Module
from training.accounts.models import Role
from training.extensions import db

bp = Blueprint("authoring", __name__, url_prefix="/author")

AUTHORS = (Role.TRAINER, Role.ADMIN)

F = TypeVar("F", bound=FlaskForm)
T = TypeVar("T", Module, Lesson, CourseMedia)


def course_or_404(slug: str) -> Course:
    """The course at this address, or 404 (before a page checks who may see it)."""
    return db.first_or_404(sa.select(Course).where(Course.slug == slug))


def editable_course(slug: str) -> Course:
    """Load (404) and check (403) a course the current user may edit (for every author page)."""
    course = course_or_404(slug)
    if not course.can_edit(current_user):
        abort(403)
    return course


def course_item(course: Course, model: type[T], item_id: int) -> T:
    """A module, lesson or file (anything with a `course_id`) of this course, or 404."""
    item = db.get_or_404(model, item_id)
    if item.course_id != course.id:
        abort(404)
    return item


def module_of(course: Course, module_id: int) -> Module:
    """A module of this course, or 404."""
    return course_item(course, Module, module_id)


def lesson_of(course: Course, lesson_id: int) -> Lesson:
    """A lesson of this course, or 404."""
    return course_item(course, Lesson, lesson_id)


def revision_of(course: Course, number: int) -> CourseRevision:
    """A revision of this course by its number, or 404."""
    revision = db.session.scalar(
        sa.select(CourseRevision).where(
            CourseRevision.course_id == course.id, CourseRevision.number == number
        )
    )
    if revision is None:
        abort(404)
    return revision


def my_courses() -> list[Course]:
    """The courses the current user owns or co-authors (all of them for admins)."""
    query = sa.select(Course).order_by(Course.title)
    if not current_user.is_admin:
        query = query.where(
            sa.or_(
                Course.owner_id == current_user.id,
                Course.id.in_(
                    sa.select(CourseEditor.course_id).where(CourseEditor.user_id == current_user.id)
                ),
            )
        )
    return list(db.session.scalars(query))


def prefilled(form: type[F], **current: object) -> F:
    """The form showing `current` values on GET, and what was submitted on POST."""
    return form(**current) if request.method == "GET" else form()
