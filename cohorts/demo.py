"""Demo data: a cohort of the demo trainer in a starter course with the demo learner and three
more, one of them stuck (idle since joining), dates on its modules and an announcement."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa

from cohorts import services
from cohorts.announcements import post_announcement
from cohorts.models import Cohort, CohortMember
from courses import learning
from courses.models import Course, Enrollment
from training.accounts.models import Role, User, UserRole
from training.accounts.passwords import hash_password
from training.accounts.services import find_user
from training.db import utcnow
from training.extensions import db

COURSE = "info-work-basics"
LEARNERS = (("kuznetsova", "Анна Кузнецова", 3), ("kimboris", "Борис Ким", 1))
STUCK = ("solovyova", "Вера Соловьёва")


def load_demo_cohort() -> list[str]:
    """The demo cohort, once; nothing when the course or the demo accounts are missing."""
    course = db.session.scalar(sa.select(Course).where(Course.slug == COURSE))
    trainer, learner = find_user("trainer"), find_user("learner")
    if course is None or course.published_revision is None or not (trainer and learner):
        return []
    if db.session.scalar(sa.select(Cohort.id).where(Cohort.course_id == course.id)):
        return []
    now = utcnow()
    outline = course.published_revision.outline
    dates = {outline[0]["key"]: (None, now + timedelta(days=1))}
    if len(outline) > 1:
        dates[outline[1]["key"]] = (now + timedelta(days=3), now + timedelta(days=14))
    settings = services.CohortSettings(
        name="Школа информационной работы (демо)",
        starts_at=now - timedelta(days=12),
        ends_at=now + timedelta(days=30),
        capacity=25,
        organization_id=learner.organization_id,
        dates=dates,
    )
    cohort, _code = services.create_cohort(course, settings, trainer)
    services.join(cohort, learner, actor_id=trainer.id)
    keys = [item["key"] for item in outline[0]["lessons"]]
    locked = hash_password(secrets.token_urlsafe(24))  # nobody logs in as these learners
    for username, name, done in LEARNERS:
        person = _learner(username, name, learner.organization_id, locked)
        services.join(cohort, person, actor_id=trainer.id)
        for key in keys[:done]:
            learning.mark_done(person.id, course, course.published_revision, key)
    # The stuck one was put in the cohort ten days ago and has done nothing since.
    stuck = _learner(*STUCK, learner.organization_id, locked)
    ago = now - timedelta(days=10)
    db.session.add(Enrollment(user_id=stuck.id, course_id=course.id, enrolled_at=ago))
    db.session.add(
        CohortMember(cohort_id=cohort.id, user_id=stuck.id, course_id=course.id, joined_at=ago)
    )
    post_announcement(
        cohort,
        trainer,
        "Добро пожаловать в группу! Первый модуль нужно пройти **до завтра**, "
        "второй откроется через три дня.",
    )
    return ["1 cohort with 4 learners"]


def _learner(username: str, name: str, organization_id: int | None, locked: str) -> User:
    """A demo learner nobody logs in as."""
    person = User(username=username, display_name=name, password_hash=locked)
    person.organization_id = organization_id
    person.role_rows = [UserRole(role=Role.LEARNER.value)]
    db.session.add(person)
    db.session.flush()
    return person
