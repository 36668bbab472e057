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
    rows: list[LearnerRow]
    page: int
    pages: int
    total: int


def learner_rows(scope: Scope, page: int = 1, page_size: int | None = PAGE_SIZE) -> LearnerPage:
    """Enrollments of learners in the scope's subtree, by organization and name, a page at a time.

    `page_size=None` returns every row (for the CSV export of the whole list).
    """
    base = (
        sa.select(Enrollment, User, Organization.name)
        .join(User, User.id == Enrollment.user_id)
        .join(Organization, Organization.id == User.organization_id)
        .where(subtree_filter(scope.org), Enrollment.course_id.in_(scope.course_ids))
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    pages = max(1, -(-total // page_size)) if page_size else 1
    page = min(max(1, page), pages)
    query = base.order_by(Organization.name, User.username, Enrollment.course_id)
    if page_size:
        query = query.limit(page_size).offset((page - 1) * page_size)
    found = db.session.execute(query).all()
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
    return LearnerPage(rows, page, pages, total)


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
