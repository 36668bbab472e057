"""Cohorts' module dates on learners' paths, registered on `training.hooks.path_dates`."""

from __future__ import annotations

import sqlalchemy as sa

from cohorts.models import CohortMember, CohortModuleDates
from courses.models import Course
from training.extensions import db
from training.hooks import ModuleDates

_MEMBERS = CohortMember.__table__
_DATES = CohortModuleDates.__table__
# Built once per process on the tables (see quizzes.steps): found compiled in the cache.
_MODULE_DATES = (
    sa.select(
        _MEMBERS.c.user_id,
        _MEMBERS.c.course_id,
        _DATES.c.module_key,
        _DATES.c.opens_at,
        _DATES.c.due_at,
    )
    .join(_DATES, _DATES.c.cohort_id == _MEMBERS.c.cohort_id)
    .where(
        _MEMBERS.c.user_id.in_(sa.bindparam("user_ids", expanding=True)),
        _MEMBERS.c.course_id.in_(sa.bindparam("course_ids", expanding=True)),
    )
)


def module_dates(
    courses: list[Course], user_ids: list[int]
) -> dict[tuple[int, int, str], ModuleDates]:
    """Open and due dates of modules for these learners' cohorts, in one statement."""
    if not courses or not user_ids:
        return {}
    rows = db.session.execute(
        _MODULE_DATES, {"user_ids": user_ids, "course_ids": [c.id for c in courses]}
    )
    return {
        (user_id, course_id, key): ModuleDates(opens_at, due_at)
        for user_id, course_id, key, opens_at, due_at in rows
    }
