"""Aggregates kept on write so organizer dashboards read a few thousand rows at any scale."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from training.extensions import db


class WeeklyCount(db.Model):
    """How many times `metric` happened in a course in a week, within an organization's subtree.

    Every event is counted at its organization and at each ancestor, so a subtree's figure
    is one row away. The flow metrics are also summed over all courses (course_id 0), and
    per-question scores are kept at the top of the tree for all time (stats/counting.py).
    """

    __tablename__ = "stat_weekly_counts"

    org_id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    # Monday of the ISO week (UTC).
    week: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    # Module key, quiz key, question id or day count, depending on the metric; "" when none.
    item: Mapped[str] = mapped_column(sa.String(64), primary_key=True, default="")
    value: Mapped[int] = mapped_column(default=0)


class LastActive(db.Model):
    """How many learners were last active on `day`, by subtree and scope.

    Scope is "all", "l:<language>" or "c:<course id>". Each learner sits in exactly one day
    per scope, so "learners" is the sum over all days and "active in the last 30 days" the
    sum over the last 30: distinct counts that stay exact without touching learner rows.
    """

    __tablename__ = "stat_last_active"

    org_id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
