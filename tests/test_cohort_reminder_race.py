"""Two nodes run `flask cohorts remind` at the same moment, against an app on its own database
(no shared test connection): each learner is reminded once. On PostgreSQL the claim row's
primary key decides (INSERT … ON CONFLICT DO NOTHING waits for the other transaction, then
takes nothing); on SQLite the write lock orders the two runs."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cohorts.models import CohortMember, CohortModuleDates, DueReminder
from cohorts.reminders import send_reminders
from courses import learning
from tests.cohort_helpers import cohort_from_scratch
from tests.conftest import PASSWORD, app_on_own_database
from training.accounts.services import create_user
from training.db import utcnow
from training.extensions import db
from training.notifications.models import Notification


@pytest.fixture
def race_app(tmp_path, smtp):
    with app_on_own_database(tmp_path, smtp.port, "remind") as app:
        with app.app_context(), app.test_request_context():
            org, course, cohort, _code = cohort_from_scratch()
            now = utcnow()
            for n in range(5):
                person = create_user(f"learner{n}", PASSWORD, org)
                learning.enroll(person.id, course)
                db.session.add(
                    CohortMember(cohort_id=cohort.id, user_id=person.id, course_id=course.id)
                )
            db.session.add(
                CohortModuleDates(
                    cohort_id=cohort.id, module_key="osnovy", due_at=now + timedelta(hours=20)
                )
            )
            db.session.commit()
            db.session.remove()
        yield app


def test_two_nodes_reminding_at_once_send_each_reminder_once(race_app):
    barrier = threading.Barrier(2)
    sent: list[int] = []
    errors: list[BaseException] = []

    def node() -> None:
        with race_app.app_context(), race_app.test_request_context():
            try:
                barrier.wait()
                sent.append(send_reminders())
                db.session.commit()
            except BaseException as error:  # reported below, not lost in the thread
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=node) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(sent) in ([0, 5], [1, 4], [2, 3])  # split any way, never twice
    assert sum(sent) == 5
    with race_app.app_context():
        kinds = db.session.scalars(sa.select(Notification.kind)).all()
        assert kinds.count("cohort_due_soon") == 5
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DueReminder)) == 5
