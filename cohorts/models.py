"""Cohorts of a course, their trainers and learners, and per-module dates."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courses.models import Course
from training.accounts.models import User
from training.db import UTCDateTime, utcnow
from training.extensions import db


class Cohort(db.Model):
    """A group taking one course together between two dates, run by one or more trainers."""

    __tablename__ = "cohorts"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int | None]
    # New people who register through the invite are placed here.
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL")
    )
    # The invite code's SHA-256: the code itself is shown to trainers, never stored in clear.
    code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship()


class CohortTrainer(db.Model):
    """A trainer who runs a cohort (sees its gradebook and learners)."""

    __tablename__ = "cohort_trainers"

    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    user: Mapped[User] = relationship()


class CohortMember(db.Model):
    """A learner in a cohort; one cohort per learner per course (course_id kept for the rule)."""

    __tablename__ = "cohort_members"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
    cohort: Mapped[Cohort] = relationship()


class CohortModuleDates(db.Model):
    """When a module opens for a cohort and when its work is due (both optional)."""

    __tablename__ = "cohort_module_dates"

    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    module_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def cohort_of(user_id: int, course_id: int) -> Cohort | None:
    """The cohort a learner takes a course in, or None when studying at their own pace."""
    return db.session.scalar(
        sa.select(Cohort)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user_id, CohortMember.course_id == course_id)
    )


class Announcement(db.Model):
    """A trainer's message to a cohort's learners (Markdown, rendered by the safe renderer)."""

    __tablename__ = "cohort_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True
    )
    # SET NULL: a deleted trainer's announcements stay readable («удалённый участник»).
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()


class DueReminder(db.Model):
    """A reminder sent to a learner before a module's due date: one row per (learner, cohort,
    module, due date), so two nodes running `flask cohorts remind` at once send it once."""

    __tablename__ = "cohort_due_reminders"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    module_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
