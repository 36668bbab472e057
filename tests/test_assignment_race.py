"""Two tabs send the same assignment page at the same moment, against an app on its own
database (no shared test connection): one version is made, the other tab is told. Runs on
SQLite (the write lock orders them) and on PostgreSQL (the unique constraint decides)."""

from __future__ import annotations

import io
import re
import threading

import pytest
import sqlalchemy as sa

from assignments.models import PeerAllocation, Submission
from assignments.submitting import submit
from courses import learning
from tests.assignment_helpers import PDF, build_assignment
from tests.conftest import PASSWORD, app_on_own_database, csrf_token, login
from training.accounts.models import Role
from training.accounts.services import create_user
from training.extensions import db
from training.organizations.models import OrgKind
from training.organizations.services import create_organization


def own_app(tmp_path, smtp, name: str):
    """This file's apps: their own database, instance id and submissions folder."""
    return app_on_own_database(
        tmp_path,
        smtp.port,
        name,
        INSTANCE_ID_FILE=str(tmp_path / "instance-id"),
        SUBMISSIONS_ROOT=str(tmp_path / "submissions"),
    )


@pytest.fixture
def race_app(tmp_path, smtp):
    with own_app(tmp_path, smtp, "race") as app:
        with app.app_context():
            org = create_organization("Профсоюз", OrgKind.FEDERAL, None)
            trainer = create_user("trainer", PASSWORD, org, roles={Role.LEARNER, Role.TRAINER})
            learner = create_user("learner", PASSWORD, org, roles={Role.LEARNER})
            db.session.commit()
            course, _assignment = build_assignment(trainer, hand_in="both")
            learning.enroll(learner.id, course)
            db.session.commit()
            db.session.remove()
        yield app


def test_two_concurrent_sends_make_one_version(race_app):
    url = "/courses/info-work/assignments/zametka-dlia-saita"
    tabs = []
    for _tab in range(2):
        client = race_app.test_client()
        login(client, "learner")
        tabs.append((client, csrf_token(client, url)))
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send(client, token):
        data = {"csrf_token": token, "text": "Текст", "action": "send", "seen": "0"}
        data["files"] = [(io.BytesIO(PDF), "w.pdf")]
        barrier.wait()
        response = client.post(url, data=data, content_type="multipart/form-data")
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=tab) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 422]
    with race_app.app_context():
        rows = db.session.scalars(sa.select(Submission)).all()
        assert [(s.number, len(s.files)) for s in rows] == [(1, 1)]
        db.session.remove()


@pytest.fixture
def peer_race_app(tmp_path, smtp):
    """A peer-reviewed assignment in its own database; three learners have sent work."""
    with own_app(tmp_path, smtp, "peer_race") as app:
        with app.app_context():
            org = create_organization("Профсоюз", OrgKind.FEDERAL, None)
            trainer = create_user("trainer", PASSWORD, org, roles={Role.LEARNER, Role.TRAINER})
            db.session.commit()
            course, assignment = build_assignment(trainer, hand_in="text", review_mode="peer")
            for name in ("anna", "boris", "vera"):
                learner = create_user(name, PASSWORD, org, roles={Role.LEARNER})
                learning.enroll(learner.id, course)
                submit(assignment, learner.id, f"Работа {name}", [], 0)
            db.session.commit()
            db.session.remove()
        yield app


def test_two_concurrent_openings_of_review_peers_make_one_allocation(peer_race_app):
    url = "/courses/info-work/assignments/zametka-dlia-saita/peers"
    tabs = []
    for _tab in range(2):
        client = peer_race_app.test_client()
        login(client, "boris")
        tabs.append(client)
    barrier = threading.Barrier(2)
    given: list[str] = []

    def open_page(client):
        barrier.wait()
        response = client.get(url)
        assert response.status_code == 200
        found = re.search(r"/peers/(\d+)\"", response.get_data(as_text=True))
        given.append(found.group(1) if found else "")

    threads = [threading.Thread(target=open_page, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(given) == 2 and given[0] == given[1] != ""  # both tabs show the same work
    with peer_race_app.app_context():
        rows = db.session.scalars(sa.select(PeerAllocation)).all()
        assert [(r.seq, str(r.submission_id)) for r in rows] == [(1, given[0])]
        db.session.remove()
