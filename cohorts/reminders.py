"""Reminders before module due dates: `flask cohorts remind`, safe to run on two nodes at once.

Each reminder is first claimed by inserting its (learner, cohort, module, due date) row with
INSERT … ON CONFLICT DO NOTHING; only the node whose insert took the row notifies, so a
reminder is sent once however many nodes run the command and however often.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from cohorts.models import Cohort, CohortMember, CohortModuleDates, DueReminder
from courses import path as paths
from training.accounts.models import User
from training.db import insert_if_absent, utcnow
from training.extensions import db
from training.notifications.services import notify

WINDOW = timedelta(hours=48)


def due_soon() -> list[tuple[Cohort, CohortModuleDates]]:
    """Module dates of running cohorts due within the window from now."""
    now = utcnow()
    rows = db.session.execute(
        sa.select(Cohort, CohortModuleDates)
        .join(CohortModuleDates, CohortModuleDates.cohort_id == Cohort.id)
        .where(CohortModuleDates.due_at > now, CohortModuleDates.due_at <= now + WINDOW)
        .order_by(Cohort.id, CohortModuleDates.module_key)
    )
    return [(cohort, dates) for cohort, dates in rows]


def _claim(user_id: int, dates: CohortModuleDates) -> bool:
    """Take this reminder for this node; False when it was sent (or is being sent) already."""
    values = {
        "user_id": user_id,
        "cohort_id": dates.cohort_id,
        "module_key": dates.module_key,
        "due_at": dates.due_at,
        "sent_at": utcnow(),
    }
    return insert_if_absent(db.session, DueReminder, values)


def send_reminders() -> int:
    """Notify learners whose module is due within 48 hours and unfinished; how many were sent."""
    if db.engine.dialect.name == "sqlite":
        # A write first, so this run waits for another node's (busy timeout) instead of
        # reading first and failing when it then writes after the other committed.
        db.session.execute(sa.delete(DueReminder).where(sa.false()))
    sent = 0
    for cohort, dates in due_soon():
        course = cohort.course
        if course.published_revision is None:
            continue
        learners = list(
            db.session.scalars(
                sa.select(User)
                .join(CohortMember, CohortMember.user_id == User.id)
                .where(CohortMember.cohort_id == cohort.id, User.active.is_(True))
            )
        )
        found = paths.paths([course], [u.id for u in learners])
        for learner in learners:
            module = found[(learner.id, course.id)].module_of(dates.module_key)
            if module is None or module.done or not _claim(learner.id, dates):
                continue
            notify(
                learner,
                "cohort_due_soon",
                module=module.title,
                course=course.published_revision.title,
                slug=course.slug,
                due=dates.due_at.isoformat(),
            )
            sent += 1
    return sent


def notification_text(params: dict[str, Any]) -> str:
    """The reminder's sentence, in the reader's language and the union's time zone."""
    from datetime import datetime

    from training.web import shown_datetime

    due = params.get("due")
    when = shown_datetime(datetime.fromisoformat(due)) if due else ""
    return _(
        "“%(module)s” of “%(course)s” is due by %(when)s.",
        module=params.get("module", ""),
        course=params.get("course", ""),
        when=when,
    )


def notification_link(params: dict[str, Any]) -> str | None:
    """The course page with the module's steps."""
    slug = params.get("slug")
    return url_for("courses.course", slug=slug) if slug else None
