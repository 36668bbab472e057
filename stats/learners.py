"""The per-learner progress list organizers use for recognition: names and progress, no answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from certificates.models import Certificate
from courses.models import Course, Enrollment
from courses.path import paths
from stats.queries import Scope, learner_counts
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
    steps_done: int  # required steps of the learning path (lessons, tests), as learners see it
    steps_total: int
    certified_at: datetime | None


@dataclass
class LearnerPage:
    """One page of the list and where the next one starts (None on the last page)."""

    rows: list[LearnerRow]
    after: str | None
    next_after: str | None


# A subtree holding less than this share of the union's learners is read organization first
# and sorted; a larger one along the username index, which then finds a page of its people
# within about page size / share steps. Either way a page costs about the same at any scale.
SMALL_SHARE = 0.01


def learner_rows(
    scope: Scope, after: str | None = None, page_size: int | None = PAGE_SIZE
) -> LearnerPage:
    """Learners of the scope's subtree by username with their enrollments, a page at a time.

    A page continues after the last username shown instead of counting and skipping rows,
    so any page costs what the first does. `page_size=None` gives every row (CSV export).
    """
    people = _people(scope)
    if after is not None:
        people = people.where(User.username > after)
    if page_size:
        people = people.limit(page_size + 1)
    found = db.session.execute(people).all()
    next_after = None
    if page_size and len(found) > page_size:
        found = found[:page_size]
        next_after = found[-1].username
    user_ids = [row.id for row in found]
    query = (
        sa.select(Enrollment, User, Organization.name)
        .join(User, User.id == Enrollment.user_id)
        .join(Organization, Organization.id == User.organization_id)
        .where(Enrollment.user_id.in_(user_ids), Enrollment.course_id.in_(scope.course_ids))
        .order_by(User.username, Enrollment.course_id)
    )
    enrollments = db.session.execute(query).all() if user_ids else []
    pairs = [(enrollment.user_id, enrollment.course_id) for enrollment, _u, _o in enrollments]
    certified = _certified(pairs)
    courses = {c.id: c for c in scope.courses}
    # The same progress the learners see: one statement for lessons, one per step source.
    found = paths(list(courses.values()), sorted({user_id for user_id, _c in pairs}))
    rows = []
    for enrollment, user, org_name in enrollments:
        course = courses[enrollment.course_id]
        key = (user.id, course.id)
        walked = found.get(key)
        rows.append(
            LearnerRow(
                user.username,
                user.display_name,
                org_name,
                course,
                enrollment.enrolled_at,
                walked.done_count if walked else 0,
                walked.total if walked else 0,
                certified.get(key),
            )
        )
    return LearnerPage(rows, after, next_after)


def _people(scope: Scope) -> sa.Select:
    """Ids and usernames of the subtree's learners enrolled in the scope's courses, by name."""
    enrolled = (
        sa.select(Enrollment.user_id)
        .where(Enrollment.user_id == User.id, Enrollment.course_id.in_(scope.course_ids))
        .exists()
    )
    people = sa.select(User.id, User.username).where(enrolled).order_by(User.username)
    root_id = scope.org.lineage_ids[0]
    counts = learner_counts([root_id, scope.org.id])
    if counts.get(scope.org.id, 0) < SMALL_SHARE * counts.get(root_id, 0):
        orgs = sa.select(Organization.id).where(subtree_filter(scope.org))
        return people.where(User.organization_id.in_(orgs))
    return people.join(Organization, Organization.id == User.organization_id).where(
        subtree_filter(scope.org)
    )


def _certified(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], datetime]:
    """When each (learner, course) of the page was first certified, if it was."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = db.session.execute(
        sa.select(Certificate.user_id, Certificate.course_id, sa.func.min(Certificate.issued_at))
        .where(
            Certificate.user_id.in_({user_id for user_id, _c in wanted}),
            Certificate.revoked_at.is_(None),
        )
        .group_by(Certificate.user_id, Certificate.course_id)
    )
    return {
        (user_id, course_id): issued
        for user_id, course_id, issued in rows
        if (user_id, course_id) in wanted
    }
