"""Gradebook cost: SQL statements and median server time of a cohort's gradebook page with
200 learners × 40 steps (the figures the issue asks for; nothing here asserts a time).

    python bench/gradebook.py [--learners 200] [--requests 30]

Runs on a throw-away SQLite database: a published course of ten modules of four lessons, one
cohort, its learners at random places on the path, some idle for weeks (stuck).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import flask_migrate
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from cohorts import services as cohorts
from cohorts.models import CohortMember
from courses import learning, publishing, services
from courses.models import LessonProgress
from training.accounts.models import Role
from training.accounts.services import create_user
from training.db import utcnow
from training.events import record_event
from training.extensions import db
from training.organizations.models import OrgKind
from training.organizations.services import create_organization

MODULES, LESSONS = 10, 4  # 40 steps


def build(learners: int) -> int:
    """The course, the cohort and its learners with random progress; the cohort's id."""
    org = create_organization("Профсоюз", OrgKind.FEDERAL, None)
    trainer = create_user("trainer", "bench-password-1", org, roles={Role.TRAINER})
    course = services.create_course(trainer, slug="bench", meta=services.CourseMeta("Школа"))
    for m in range(MODULES):
        module = services.add_module(course, f"Модуль {m + 1}")
        for n in range(LESSONS):
            services.add_lesson(module, f"Урок {m + 1}.{n + 1}", "Текст урока.")
    publishing.publish(course, trainer)
    now = utcnow()
    cohort, _code = cohorts.create_cohort(
        course,
        cohorts.CohortSettings("Весна", now - timedelta(days=30), now + timedelta(days=30)),
        trainer,
    )
    keys = [lesson.key for lesson in course.lessons()]
    rng = random.Random(17)
    for i in range(learners):
        person = create_user(f"learner{i:03}", "bench-password-1", org)
        learning.enroll(person.id, course)
        db.session.add(
            CohortMember(
                cohort_id=cohort.id,
                user_id=person.id,
                course_id=course.id,
                joined_at=now - timedelta(days=20),
            )
        )
        done = rng.randrange(len(keys) + 1)
        for key in keys[:done]:
            db.session.add(
                LessonProgress(
                    user_id=person.id,
                    course_id=course.id,
                    lesson_key=key,
                    first_viewed_at=now,
                    completed_at=now,
                )
            )
        if rng.random() < 0.8:  # the others have been idle since they joined: stuck
            record_event(
                person.id, "completed", "lesson", f"/courses/bench/{i}", course_id=course.id
            )
    db.session.commit()
    return cohort.id


def main() -> None:
    """Build the data, then print the page's statements and median server time."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-gradebook-"))
    app = create_app(
        {
            "ENVIRONMENT": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
            "WTF_CSRF_ENABLED": False,
            "TWO_FACTOR_REQUIRED_ROLES": [],
        }
    )
    with app.app_context(), app.test_request_context():
        flask_migrate.upgrade()
        cohort_id = build(args.learners)

    client = app.test_client()
    client.post("/account/login", data={"username": "trainer", "password": "bench-password-1"})
    url = f"/cohorts/{cohort_id}"
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    statements: list[str] = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        client.get(url)
    queries = len([s for s in statements if s != "BEGIN"])
    times = []
    for _ in range(args.requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    stuck = first.get_data(as_text=True).count('class="is-stuck"')
    print(f"gradebook: {args.learners} learners × {MODULES * LESSONS} steps, {stuck} stuck")
    print(f"  SQL statements per request: {queries}")
    print(f"  median {statistics.median(times):.1f} ms over {args.requests} requests (test client)")
    print(f"  page weight: {len(first.data) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
