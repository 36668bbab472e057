"""A person's cohorts in their data export, and what account deletion does to them.

Deletion removes their memberships, the cohorts they run as trainer and their reminders;
announcements they wrote stay readable for the cohort, signed «deleted member».
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cohorts.models import Announcement, Cohort, CohortMember, CohortTrainer, DueReminder
from courses.models import Course
from training.accounts.models import User
from training.extensions import db


def export_cohort_data(user: User) -> dict[str, Any]:
    """Cohorts the person studies in or runs, announcements they got and wrote, reminders."""
    member = db.session.execute(
        sa.select(Cohort, CohortMember.joined_at, Course.slug)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(Course, Course.id == Cohort.course_id)
        .where(CohortMember.user_id == user.id)
    ).all()
    runs = db.session.execute(
        sa.select(Cohort.name, Course.slug)
        .join(CohortTrainer, CohortTrainer.cohort_id == Cohort.id)
        .join(Course, Course.id == Cohort.course_id)
        .where(CohortTrainer.user_id == user.id)
    ).all()
    received = db.session.scalars(
        sa.select(Announcement)
        .join(CohortMember, CohortMember.cohort_id == Announcement.cohort_id)
        .where(CohortMember.user_id == user.id)
        .order_by(Announcement.created_at)
    ).all()
    written = db.session.scalars(
        sa.select(Announcement).where(Announcement.author_id == user.id)
    ).all()
    reminders = db.session.scalars(sa.select(DueReminder).where(DueReminder.user_id == user.id))
    return {
        "cohorts.json": {
            "member_of": [
                {"cohort": c.name, "course": slug, "joined_at": joined, "ends_at": c.ends_at}
                for c, joined, slug in member
            ],
            "trainer_of": [{"cohort": name, "course": slug} for name, slug in runs],
            "announcements_received": [_note(n) for n in received],
            "announcements_written": [_note(n) for n in written],
            "reminders": [
                {"module": r.module_key, "due_at": r.due_at, "sent_at": r.sent_at}
                for r in reminders
            ],
        }
    }


def _note(note: Announcement) -> dict[str, Any]:
    return {"cohort_id": note.cohort_id, "created_at": note.created_at, "body": note.body}


def erase_cohort_data(user: User) -> None:
    """Drop the person's memberships, trainer places and reminders; keep their announcements
    without an author."""
    for model in (CohortMember, CohortTrainer, DueReminder):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    db.session.execute(
        sa.update(Announcement).where(Announcement.author_id == user.id).values(author_id=None)
    )
    db.session.flush()
