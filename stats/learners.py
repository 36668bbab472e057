"""The per-learner progress list organizers use for recognition: names and progress, no answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from certificates.models import Certificate
from courses.models import Course, Enrollment, LessonProgress
from stats.queries import Scope
from training.accounts.models import User
from training.extensions import db
from training.organizations.models import Organization
from training.organizations.services import subtree_filter

PAGE_SIZE = 50


@dataclass
class LearnerRow:
    """One learner in one course."""

    username: str
    display_name: str
    organization: str
    course: Course
    enrolled_at: datetime
    lessons_done: int
    lessons_total: int
    certified_at: datetime | None


@dataclass
class LearnerPage:
    """One page of the list and where the next one starts (None on the last page)."""

    rows: list[LearnerRow]
    after: tuple[str, int] | None
    next_after: tuple[str, int] | None


def learner_rows(
    scope: Scope, after: tuple[str, int] | None = None, page_size: int | None = PAGE_SIZE
) -> LearnerPage:
    """Enrollments of learners in the scope's subtree by username, a page at a time.

    Pages continue after the last (username, course) shown rather than skipping an offset,
    so page 100 costs what page 1 does. `page_size=None` returns every row (the CSV export).
    """
    query = (
        sa.select(Enrollment, User, Organization.name)
        .join(User, User.id == Enrollment.user_id)
        .join(Organization, Organization.id == User.organization_id)
        .where(subtree_filter(scope.org), Enrollment.course_id.in_(scope.course_ids))
        .order_by(User.username, Enrollment.course_id)
    )
    if after is not None:
        query = query.where(sa.tuple_(User.username, Enrollment.course_id) > after)
    if page_size:
        query = query.limit(page_size + 1)
    found = db.session.execute(query).all()
    next_after = None
    if page_size and len(found) > page_size:
        found = found[:page_size]
        last_enrollment, last_user, _org = found[-1]
        next_after = (last_user.username, last_enrollment.course_id)
    pairs = [(enrollment.user_id, enrollment.course_id) for enrollment, _u, _o in found]
    done = _lessons_done(pairs)
    certified = _certified(pairs)
    courses = {c.id: c for c in scope.courses}
    rows = []
    for enrollment, user, org_name in found:
        course = courses[enrollment.course_id]
        revision = course.published_revision
        keys = set(revision.lesson_keys()) if revision else set()
        key = (user.id, course.id)
        rows.append(
            LearnerRow(
                user.username,
                user.display_name,
                org_name,
                course,
                enrollment.enrolled_at,
                len(done.get(key, set()) & keys),
                len(keys),
                certified.get(key),
            )
        )
    return LearnerPage(rows, after, next_after)


def _lessons_done(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], set[str]]:
    if not pairs:
        return {}
    result: dict[tuple[int, int], set[str]] = {}
    rows = db.session.execute(
        sa.select(
            LessonProgress.user_id, LessonProgress.course_id, LessonProgress.lesson_key
        ).where(
            sa.tuple_(LessonProgress.user_id, LessonProgress.course_id).in_(pairs),
            LessonProgress.completed_at.is_not(None),
        )
    )
    for user_id, course_id, key in rows:
        result.setdefault((user_id, course_id), set()).add(key)
    return result


def _certified(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], datetime]:
    if not pairs:
        return {}
    rows = db.session.execute(
        sa.select(Certificate.user_id, Certificate.course_id, sa.func.min(Certificate.issued_at))
        .where(
            sa.tuple_(Certificate.user_id, Certificate.course_id).in_(pairs),
            Certificate.revoked_at.is_(None),
        )
        .group_by(Certificate.user_id, Certificate.course_id)
    )
    return {(user_id, course_id): issued for user_id, course_id, issued in rows}
