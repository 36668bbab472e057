"""Helpers for cohort tests: a cohort of the standard course made through the service."""

from __future__ import annotations

from datetime import timedelta

from cohorts import services
from cohorts.models import Cohort
from courses.models import Course
from training.accounts.models import User
from training.db import utcnow
from training.extensions import db


def make_cohort(
    course: Course, trainer: User, name: str = "Весенняя школа", **settings
) -> tuple[Cohort, str]:
    """A running cohort (started yesterday, ends in 30 days) and its invite code, committed."""
    now = utcnow()
    values = {"starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=30)}
    values.update(settings)
    cohort, code = services.create_cohort(
        db.session.merge(course),
        services.CohortSettings(name=name, **values),
        db.session.merge(trainer),
    )
    db.session.commit()
    return cohort, code
