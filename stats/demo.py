"""Demo activity: a few dozen learners across the demo tree, so the dashboards have a story."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from courses import learning
from courses.models import Enrollment
from quizzes import attempts
from quizzes.services import quizzes_of
from quizzes.types import full_marks_response
from stats import queries, store
from training.accounts.models import Role, User, UserRole
from training.accounts.passwords import hash_password
from training.db import utcnow
from training.errors import ServiceError
from training.events import LearningEvent
from training.extensions import db
from training.organizations.models import Organization

# Where the demo learners sit: one small primary organization shows the "<5" rule at work.
DEMO_LEARNERS = {
    "Первичная организация школы № 1": 14,
    "Первичная организация детского сада «Радуга»": 3,
    "Первичная организация педагогического колледжа": 9,
    "Приморская городская организация": 2,
}
PREFIX = "demo-learner-"


def load_demo_activity() -> list[str]:
    """Learners who enroll, read, answer quizzes and finish over the last ten weeks (once)."""
    if not current_app.config["DEMO_ACTIVITY"]:
        return []
    if db.session.scalar(sa.select(User.id).where(User.username.startswith(PREFIX))):
        return []
    courses = queries.published_courses()
    orgs = {
        o.name: o
        for o in db.session.scalars(
            sa.select(Organization).where(Organization.name.in_(DEMO_LEARNERS))
        )
    }
    if not courses or len(orgs) < len(DEMO_LEARNERS):
        return []
    rng = random.Random(2026)  # noqa: S311 - repeatable demo data, not a secret
    # Nobody logs in as these learners: one unguessable password, hashed once for all.
    locked = hash_password(secrets.token_urlsafe(24))
    people = []
    for name, count in DEMO_LEARNERS.items():
        for _i in range(count):
            person = User(username=f"{PREFIX}{len(people) + 1:02d}", password_hash=locked)
            person.organization = orgs[name]
            person.role_rows = [UserRole(role=Role.LEARNER.value)]
            db.session.add(person)
            people.append(person)
    db.session.flush()
    for person in people:
        for course in rng.sample(courses, rng.randint(1, min(3, len(courses)))):
            _study(person, course, rng)
    _spread_over_weeks(people, rng)
    store.rebuild()
    return [f"{len(people)} learners with their progress"]


def _study(person: User, course, rng: random.Random) -> None:
    revision = course.published_revision
    learning.enroll(person.id, course)
    keys = revision.lesson_keys()
    for key in keys[: rng.choice([0, 1, len(keys) // 2, len(keys), len(keys), len(keys)])]:
        learning.mark_done(person.id, course, revision, key)
    for quiz in quizzes_of(course):
        if rng.random() < 0.3:
            continue
        for _try in range(rng.randint(1, 2)):
            try:
                attempt = attempts.start(quiz, person.id)
            except ServiceError:  # a quiz that makes learners wait before another try
                break
            good = rng.random() < 0.75
            responses = {
                item.id: full_marks_response(item.version.spec)
                if good or rng.random() < 0.5
                else None
                for item in attempt.items
            }
            attempts.submit(attempt, person.id, responses)
            if attempt.passed:
                break
    db.session.flush()


def _spread_over_weeks(people: list[User], rng: random.Random) -> None:
    """Move each learner's events back in time, a few hours to days apart, ending before now."""
    now = utcnow()
    for person in people:
        events = db.session.scalars(
            sa.select(LearningEvent)
            .where(LearningEvent.actor_id == person.id)
            .order_by(LearningEvent.id)
        ).all()
        moment = now - timedelta(days=rng.randint(7, 70))
        for event in events:
            moment = min(now, moment + timedelta(hours=rng.uniform(0.05, 40)))
            event.timestamp = moment
        for enrollment in db.session.scalars(
            sa.select(Enrollment).where(Enrollment.user_id == person.id)
        ):
            first = next((e for e in events if e.course_id == enrollment.course_id), None)
            if first is not None:
                enrollment.enrolled_at = first.timestamp
    db.session.flush()
