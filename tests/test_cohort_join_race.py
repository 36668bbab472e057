"""Two learners press "Join" for the last place of a cohort at the same moment, against an app
on its own database (no shared test connection): one gets the place, the other is told the
cohort is full, and the cohort never holds more than its capacity. On PostgreSQL the cohort
row's lock orders them (the second counts again after the first committed); on SQLite the
write lock does."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from cohorts import services
from cohorts.models import CohortMember
from courses.models import Enrollment
from tests.cohort_helpers import cohort_from_scratch
from tests.conftest import PASSWORD, app_on_own_database, login
from training.accounts.services import create_user
from training.extensions import db


@pytest.fixture
def race_app(tmp_path, smtp):
    """A cohort of two places, one taken; its invite code in app.config for the test."""
    with app_on_own_database(tmp_path, smtp.port, "join") as app:
        with app.app_context(), app.test_request_context():
            org, _course, cohort, code = cohort_from_scratch(capacity=2)
            services.join(cohort, create_user("first", PASSWORD, org))
            for name in ("anna", "boris"):
                create_user(name, PASSWORD, org)
            db.session.commit()
            db.session.remove()
        app.config["RACE_CODE"] = code
        yield app


def test_two_learners_taking_the_last_place_at_once_get_it_once(race_app):
    url = f"/cohorts/join/{race_app.config['RACE_CODE']}"
    people = []
    for name in ("anna", "boris"):
        client = race_app.test_client()
        login(client, name)
        page = client.get(url).get_data(as_text=True)
        assert "В группе нет мест" not in page
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        people.append((name, client, token))
    barrier = threading.Barrier(2)
    answers: dict[str, tuple[int, str]] = {}

    def press_join(name, client, token):
        barrier.wait()
        response = client.post(url, data={"csrf_token": token})
        answers[name] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=press_join, args=person) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _page in answers.values())
    assert statuses == [302, 422]
    refused = next(page for status, page in answers.values() if status == 422)
    assert "В группе нет мест." in refused
    with race_app.app_context():
        members = db.session.scalars(sa.select(CohortMember.user_id)).all()
        enrolled = db.session.scalars(sa.select(Enrollment.user_id)).all()
        assert len(members) == 2  # the capacity, never more
        assert sorted(enrolled) == sorted(members)  # the refused learner was not enrolled either
        db.session.remove()
