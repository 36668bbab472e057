"""Creating and running cohorts: settings, trainers, dates, the invite code and joining.

Services flush; the request commits. Every refusal is a `ServiceError` raised before anything
changes (or inside the caller's savepoint), so a refused join or edit leaves no trace.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from assignments.models import WAITING, Assignment, Submission
from cohorts.models import Cohort, CohortMember, CohortModuleDates, CohortTrainer
from courses import learning
from courses.models import Course
from courses.reviewers import ReviewScope
from quizzes.models import Attempt, Quiz
from training.accounts.models import Role, User
from training.accounts.services import find_user
from training.audit import audit
from training.db import utcnow
from training.errors import ServiceError
from training.extensions import db
from training.organizations.services import CODE_ALPHABET, normalise_code

CODE_LENGTH = 12  # 60 random bits: a link nobody guesses, short enough to dictate


@dataclass
class CohortSettings:
    """What a trainer sets on a cohort's form."""

    name: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None = None
    organization_id: int | None = None
    co_trainers: list[str] = field(default_factory=list)  # usernames besides the creator
    # module key -> (opens at, due at)
    dates: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)


def may_create(course: Course, user: User) -> bool:
    """Who may start a cohort of a course: its editors holding the trainer role, and admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_admin or (user.has_role(Role.TRAINER) and course.can_edit(user)))


def may_manage(cohort: Cohort, user: User) -> bool:
    """Who runs a cohort (its settings, gradebook, learners' pages): its trainers and admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    return db.session.get(CohortTrainer, (cohort.id, user.id)) is not None and user.has_role(
        Role.TRAINER
    )


def trains_course(course: Course, user: User) -> bool:
    """Whether the user runs a cohort of the course as its trainer (hooks.course_teachers)."""
    if not user.has_role(Role.TRAINER):
        return False
    runs = (
        sa.select(CohortTrainer.cohort_id)
        .join(Cohort, Cohort.id == CohortTrainer.cohort_id)
        .where(Cohort.course_id == course.id, CohortTrainer.user_id == user.id)
    )
    return db.session.scalar(sa.select(runs.exists())) or False


def _member_pairs() -> sa.Select:
    """(learner_id, course_id) of cohort members, as courses.reviewers reads them."""
    return sa.select(
        CohortMember.user_id.label("learner_id"), CohortMember.course_id.label("course_id")
    )


def group_learners(user: User) -> sa.Select | None:
    """The (learner_id, course_id) pairs of the cohorts a trainer runs: whose sent work and
    essays they review (hooks.group_learners). None for anyone without the trainer role."""
    if not user.has_role(Role.TRAINER):
        return None
    return (
        _member_pairs()
        .join(CohortTrainer, CohortTrainer.cohort_id == CohortMember.cohort_id)
        .where(CohortTrainer.user_id == user.id)
    )


def members_scope(cohort: Cohort) -> ReviewScope:
    """The cohort's learners' work in its course, as a review scope: what its page lists as
    waiting for the trainers who run it."""
    members = _member_pairs().where(CohortMember.cohort_id == cohort.id).subquery("members")
    return ReviewScope(whole=[], partial=[cohort.course_id], groups=members)


def waiting_by_cohort(cohort_ids: list[int]) -> dict[int, int]:
    """How many sent versions and essay tests of each cohort's learners wait for review (the
    desk's column), in two statements whatever the number of cohorts."""
    counts = dict.fromkeys(cohort_ids, 0)
    if not cohort_ids:
        return counts
    works = (
        sa.select(CohortMember.cohort_id, sa.func.count())
        .join(Submission, Submission.user_id == CohortMember.user_id)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .where(Assignment.course_id == CohortMember.course_id, Submission.status == WAITING)
    )
    essays = (
        sa.select(CohortMember.cohort_id, sa.func.count())
        .join(Attempt, Attempt.user_id == CohortMember.user_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Quiz.course_id == CohortMember.course_id, Attempt.waiting)
    )
    for query in (works, essays):
        grouped = query.where(CohortMember.cohort_id.in_(cohort_ids)).group_by(
            CohortMember.cohort_id
        )
        for cohort_id, number in db.session.execute(grouped):
            counts[cohort_id] += number
    return counts


def cohorts_of_trainer(user: User) -> list[Cohort]:
    """The cohorts a trainer runs (every cohort for an admin), newest start first."""
    query = sa.select(Cohort).order_by(Cohort.starts_at.desc(), Cohort.id.desc())
    if not user.is_admin:
        query = query.join(CohortTrainer, CohortTrainer.cohort_id == Cohort.id).where(
            CohortTrainer.user_id == user.id
        )
    return list(db.session.scalars(query))


def hash_code(raw: str) -> str:
    """The stored form of an invite code: SHA-256 of its normalised text."""
    return hashlib.sha256(normalise_code(raw).encode()).hexdigest()


def new_code(cohort: Cohort, actor_id: int | None) -> str:
    """A fresh invite code for the cohort; the previous one stops working at once."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    cohort.code_hash = hash_code(code)
    audit(actor_id, "cohort.code", "cohort", cohort.id, course_id=cohort.course_id)
    db.session.flush()
    return code


def find_by_code(raw: str) -> Cohort | None:
    """The cohort whose current invite code this is (None for a forged or replaced code)."""
    if not raw or len(raw) > 60:
        return None
    return db.session.scalar(sa.select(Cohort).where(Cohort.code_hash == hash_code(raw)))


def create_cohort(course: Course, settings: CohortSettings, actor: User) -> tuple[Cohort, str]:
    """A new cohort run by `actor` (and the co-trainers named); returns it with its code."""
    if course.published_revision is None:
        raise ServiceError(_("Publish the course before starting a cohort."))
    cohort = Cohort(course=course, name="", starts_at=settings.starts_at, ends_at=settings.ends_at)
    db.session.add(cohort)
    _apply(cohort, settings)
    db.session.flush()
    db.session.add(CohortTrainer(cohort_id=cohort.id, user_id=actor.id))
    _set_co_trainers(cohort, settings.co_trainers, keep=actor.id)
    _set_dates(cohort, settings.dates)
    audit(actor.id, "cohort.create", "cohort", cohort.id, course_id=course.id, name=cohort.name)
    return cohort, new_code(cohort, actor.id)


def is_member(cohort: Cohort, user_id: int) -> bool:
    """Whether the learner is in this cohort."""
    return db.session.get(CohortMember, (cohort.id, user_id)) is not None


def update_cohort(cohort: Cohort, settings: CohortSettings, actor: User) -> None:
    """Change a cohort's settings, co-trainers and dates (a trainer editing stays one; an
    admin who is not a trainer of it does not become one)."""
    _apply(cohort, settings)
    runs_it = db.session.get(CohortTrainer, (cohort.id, actor.id)) is not None
    _set_co_trainers(cohort, settings.co_trainers, keep=actor.id if runs_it else None)
    _set_dates(cohort, settings.dates)
    audit(actor.id, "cohort.update", "cohort", cohort.id, course_id=cohort.course_id)
    db.session.flush()


def _apply(cohort: Cohort, settings: CohortSettings) -> None:
    """Check and copy the plain settings onto the cohort."""
    name = settings.name.strip()
    if not name:
        raise ServiceError(_("Give the cohort a name."), "name")
    if settings.ends_at <= settings.starts_at:
        raise ServiceError(_("The cohort must end after it starts."), "ends_on")
    if settings.capacity is not None and settings.capacity < 1:
        raise ServiceError(_("The number of places must be at least 1."), "capacity")
    too_small = settings.capacity is not None and cohort.id is not None
    if too_small and settings.capacity < member_count(cohort):  # type: ignore[operator]
        raise ServiceError(_("The cohort already has more learners than that."), "capacity")
    cohort.name = name[:120]
    cohort.starts_at, cohort.ends_at = settings.starts_at, settings.ends_at
    cohort.capacity = settings.capacity
    cohort.organization_id = settings.organization_id


def _set_co_trainers(cohort: Cohort, usernames: list[str], *, keep: int | None) -> None:
    """Make the named trainers (and `keep`, the one editing) the cohort's trainers."""
    wanted = {keep} if keep is not None else set()
    for name in usernames:
        user = find_user(name)
        if user is None or not user.active:
            raise ServiceError(_("No account named “%(name)s”.", name=name[:60]), "co_trainers")
        if not (user.is_admin or user.has_role(Role.TRAINER)):
            raise ServiceError(_("“%(name)s” is not a trainer.", name=user.username), "co_trainers")
        wanted.add(user.id)
    if not wanted:
        raise ServiceError(_("Name at least one trainer for the cohort."), "co_trainers")
    current = {
        row.user_id: row
        for row in db.session.scalars(
            sa.select(CohortTrainer).where(CohortTrainer.cohort_id == cohort.id)
        )
    }
    for user_id, row in current.items():
        if user_id not in wanted:
            db.session.delete(row)
    for user_id in wanted - set(current):
        db.session.add(CohortTrainer(cohort_id=cohort.id, user_id=user_id))
    db.session.flush()


def _set_dates(cohort: Cohort, dates: dict[str, tuple[datetime | None, datetime | None]]) -> None:
    """Replace the cohort's module dates with those given (modules without dates dropped)."""
    db.session.execute(sa.delete(CohortModuleDates).where(CohortModuleDates.cohort_id == cohort.id))
    for key, (opens_at, due_at) in dates.items():
        if opens_at is None and due_at is None:
            continue
        if opens_at and due_at and due_at <= opens_at:
            raise ServiceError(_("A module must be due after it opens."), "dates")
        db.session.add(
            CohortModuleDates(cohort_id=cohort.id, module_key=key, opens_at=opens_at, due_at=due_at)
        )
    db.session.flush()


def module_dates(cohort: Cohort) -> dict[str, CohortModuleDates]:
    """The cohort's module dates by module key."""
    rows = db.session.scalars(
        sa.select(CohortModuleDates).where(CohortModuleDates.cohort_id == cohort.id)
    )
    return {row.module_key: row for row in rows}


def member_count(cohort: Cohort) -> int:
    """How many learners the cohort has."""
    return (
        db.session.scalar(sa.select(sa.func.count()).where(CohortMember.cohort_id == cohort.id))
        or 0
    )


def join_problem(cohort: Cohort, user_id: int) -> str | None:
    """Why this learner cannot join this cohort now (None: they can, or already did)."""
    mine = db.session.get(CohortMember, (cohort.id, user_id))
    if mine is not None:
        return None
    if cohort.ends_at <= utcnow():
        return _("This cohort has ended; ask your trainer about the next one.")
    if cohort.course.published_revision is None:
        return _("This course is not published.")
    other = db.session.scalar(
        sa.select(Cohort.name)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user_id, CohortMember.course_id == cohort.course_id)
    )
    if other is not None:
        return _("You already study this course with the cohort “%(name)s”.", name=other)
    if cohort.capacity is not None and member_count(cohort) >= cohort.capacity:
        return _("This cohort is full.")
    return None


def join(cohort: Cohort, user: User, *, actor_id: int | None = None) -> bool:
    """Put a learner in the cohort and enroll them in its course; False when already in it.

    The cohort row is locked first (PostgreSQL), so two people taking the last place one
    after the other cannot both get it.
    """
    db.session.execute(sa.select(Cohort.id).where(Cohort.id == cohort.id).with_for_update()).all()
    if db.session.get(CohortMember, (cohort.id, user.id)) is not None:
        return False
    if problem := join_problem(cohort, user.id):
        raise ServiceError(problem, "code")
    db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, course_id=cohort.course_id))
    learning.enroll(user.id, cohort.course)
    audit(actor_id or user.id, "cohort.join", "cohort", cohort.id, user_id=user.id)
    db.session.flush()
    return True


def add_members(cohort: Cohort, usernames: list[str], actor: User) -> list[tuple[str, bool, str]]:
    """A trainer adds existing accounts by username: (name, added?, what happened) for each."""
    results = []
    for name in dict.fromkeys(n.strip() for n in usernames if n.strip()):
        user = find_user(name)
        if user is None or not user.active:
            results.append((name, False, _("no such account")))
            continue
        mine = db.session.get(CohortMember, (cohort.id, user.id))
        if mine is not None:
            results.append((name, False, _("already in this cohort")))
        elif problem := join_problem(cohort, user.id):
            results.append((name, False, problem))
        else:
            join(cohort, user, actor_id=actor.id)
            results.append((name, True, _("added")))
    return results
