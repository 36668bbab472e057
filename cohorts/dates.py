"""Cohorts' module dates on learners' paths, registered on `training.hooks.path_dates`."""

from __future__ import annotations

import sqlalchemy as sa

from cohorts.models import CohortMember, CohortModuleDates
from courses.models import Course
from training.extensions import db
from training.hooks import ModuleDates


def module_dates(
    courses: list[Course], user_ids: list[int]
) -> dict[tuple[int, int, str], ModuleDates]:
    """Open and due dates of modules for these learners' cohorts, in one statement."""
    if not courses or not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            CohortMember.user_id,
            CohortMember.course_id,
            CohortModuleDates.module_key,
            CohortModuleDates.opens_at,
            CohortModuleDates.due_at,
        )
        .join(CohortModuleDates, CohortModuleDates.cohort_id == CohortMember.cohort_id)
        .where(
            CohortMember.user_id.in_(user_ids),
            CohortMember.course_id.in_([c.id for c in courses]),
        )
    )
    return {
        (user_id, course_id, key): ModuleDates(opens_at, due_at)
        for user_id, course_id, key, opens_at, due_at in rows
    }
