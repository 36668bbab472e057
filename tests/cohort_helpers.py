"""Helpers for cohort tests: a cohort of the standard course made through the service."""

from __future__ import annotations

from datetime import timedelta

from cohorts import services
from cohorts.models import Cohort
from courses.models import Course
from tests.course_helpers import course_from_scratch
from training.accounts.models import User
from training.db import utcnow
from training.extensions import db
from training.organizations.models import Organization


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


def cohort_from_scratch(**settings) -> tuple[Organization, Course, Cohort, str]:
    """On an empty database (an app of its own): the union, a trainer ("trainer"), the standard
    course and a running cohort of it with its invite code, committed."""
    org, trainer, course = course_from_scratch()
    cohort, code = make_cohort(course, trainer, "Школа", **settings)
    return org, course, cohort, code
