"""Announcements: a trainer's message to a cohort, shown on the course page and notified."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import render_template, url_for
from flask_babel import gettext as _

from cohorts.forms import CodeForm
from cohorts.models import Announcement, Cohort, CohortMember, cohort_of
from courses.models import Course
from training.accounts.models import User
from training.errors import ServiceError
from training.extensions import db
from training.markdown import shown_markdown
from training.notifications.services import notify

SHOWN_ON_COURSE_PAGE = 10  # the newest ones; older ones are in the person's data export


def post_announcement(cohort: Cohort, author: User, body: str) -> Announcement:
    """Store the announcement and notify each learner of the cohort."""
    body = body.strip()
    if not body:
        raise ServiceError(_("Write the announcement first."), "body")
    note = Announcement(cohort_id=cohort.id, author_id=author.id, body=body)
    db.session.add(note)
    db.session.flush()
    learners = db.session.scalars(
        sa.select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, User.active.is_(True))
    )
    for learner in learners:
        notify(
            learner,
            "cohort_announcement",
            cohort=cohort.name,
            course=cohort.course.published_revision.title
            if cohort.course.published_revision
            else cohort.course.slug,
            slug=cohort.course.slug,
        )
    return note


def announcements_of(cohort: Cohort, limit: int | None = None) -> list[Announcement]:
    """The cohort's announcements, newest first."""
    query = (
        sa.select(Announcement)
        .where(Announcement.cohort_id == cohort.id)
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
    )
    return list(db.session.scalars(query.limit(limit) if limit else query))


def author_name(note: Announcement) -> str:
    """Who posted it, or «deleted member» once their account is gone."""
    return note.author.shown_name if note.author else _("deleted member")


def course_section(course: Course, user: User) -> str:
    """The course page's cohort block: the learner's cohort and its announcements, or a field
    for a cohort code when they study at their own pace."""
    cohort = cohort_of(user.id, course.id)
    notes = announcements_of(cohort, SHOWN_ON_COURSE_PAGE) if cohort else []
    return render_template(
        "cohorts/_course_section.html",
        course=course,
        cohort=cohort,
        notes=notes,
        author_name=author_name,
        render=shown_markdown,
        form=CodeForm(),
    )


def notification_text(params: dict[str, Any]) -> str:
    """The notification's sentence, in the reader's language."""
    return _(
        "A new announcement in your cohort “%(cohort)s” of “%(course)s”.",
        cohort=params.get("cohort", ""),
        course=params.get("course", ""),
    )


def notification_link(params: dict[str, Any]) -> str | None:
    """The course page, where the announcements are."""
    slug = params.get("slug")
    return url_for("courses.course", slug=slug, _anchor="announcements") if slug else None
