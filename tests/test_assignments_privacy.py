"""Assignment work in the own-data export and on account deletion."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from assignments import reviewing, submitting
from assignments.files import check_uploads
from assignments.models import Draft, Review, Submission, SubmissionFile
from courses import learning
from courses.models import CourseEditor
from tests.assignment_helpers import PDF, build_assignment
from tests.conftest import PASSWORD, login, post
from tests.privacy_helpers import where_found
from training.accounts.models import Role
from training.extensions import db


@pytest.fixture(autouse=True)
def stored_files(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SUBMISSIONS_ROOT", str(tmp_path / "submissions"))
    return tmp_path / "submissions"


@pytest.fixture
def work(app, users, make_user):
    """Ada sent two versions (a file in the first, her name in the text), got a review from a
    co-author, keeps a draft elsewhere, and reviewed nothing; the co-author reviewed Ada."""
    with app.test_request_context():
        course, assignment = build_assignment(users["trainer"], hand_in="both")
        _c, other = build_assignment(users["trainer"], slug="second", hand_in="text")
        ada = make_user("ada", display_name="Ада Лавлейс")
        reviewer = make_user("coauthor", Role.TRAINER, org="north")
        db.session.add(CourseEditor(course_id=course.id, user_id=reviewer.id))
        learning.enroll(ada.id, course)
        first = submitting.submit(
            assignment, ada.id, "Меня зовут Ада Лавлейс", check_uploads([("a.pdf", PDF)]), 0
        )
        grade = reviewing.Grade({0: 1, 1: 0}, "Ада, добавьте цифры", "revise")
        reviewing.review(first, db.session.merge(reviewer), grade)
        submitting.submit(assignment, ada.id, "Вторая версия", check_uploads([("b.pdf", PDF)]), 1)
        submitting.save_draft(other, ada.id, "Черновик Ады Лавлейс")
        db.session.commit()
        return {"ada": ada.id, "reviewer": reviewer.id}


def test_the_export_holds_versions_reviews_received_and_drafts(app, work):
    client = app.test_client()
    login(client, "ada")
    r = post(client, "/account/data/export")
    with zipfile.ZipFile(io.BytesIO(r.get_data())) as archive:
        data = json.loads(archive.read("assignments.json"))
    versions = data["submissions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["files"] == [{"name": "a.pdf", "bytes": len(PDF)}]
    (received,) = versions[0]["reviews_received"]
    assert (received["decision"], received["points"], received["rubric_version"]) == (
        "revise",
        2,
        1,
    )
    assert "reviewer" not in json.dumps(received)  # who reviewed is not the learner's to know
    assert data["drafts"][0]["text"] == "Черновик Ады Лавлейс"
    assert data["reviews_given"] == []


def test_the_reviewers_export_lists_reviews_they_gave(app, work):
    client = app.test_client()
    login(client, "coauthor")
    r = post(client, "/account/data/export")
    with zipfile.ZipFile(io.BytesIO(r.get_data())) as archive:
        data = json.loads(archive.read("assignments.json"))
    assert [g["feedback"] for g in data["reviews_given"]] == ["Ада, добавьте цифры"]


def test_deleting_the_learner_removes_versions_files_and_drafts(app, work, stored_files):
    assert len([p for p in stored_files.rglob("*") if p.is_file()]) == 2
    client = app.test_client()
    login(client, "ada")
    r = post(client, "/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    for model in (Submission, SubmissionFile, Review, Draft):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
    assert where_found("Ада Лавлейс", "Ады Лавлейс") == set()
    assert not [p for p in stored_files.rglob("*") if p.is_file()]


def test_deleting_a_reviewer_keeps_the_review_without_them(app, work):
    client = app.test_client()
    login(client, "coauthor")
    r = post(client, "/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    review = db.session.scalar(sa.select(Review))
    assert review.reviewer_id is None and review.feedback == "Ада, добавьте цифры"


def test_a_peers_reviews_stay_anonymous_in_exports_and_after_deletion(app, users, make_user):
    """Pia reviewed Ada's work as a peer: her export lists it without Ada, Ada's without Pia;
    when Pia deletes her account the review stays, without her, and her allocation goes."""
    from assignments import peers
    from assignments.models import PeerAllocation

    with app.test_request_context():
        course, assignment = build_assignment(
            users["trainer"], hand_in="text", review_mode="peer", peer_reviews=1
        )
        ada = make_user("ada", display_name="Ада Лавлейс")
        pia = make_user("pia", display_name="Пия Пирова")
        for person, text in ((ada, "Работа Ады"), (pia, "Работа Пии")):
            learning.enroll(person.id, course)
            submitting.submit(assignment, person.id, text, [], 0)
        pia = db.session.merge(pia)
        given = peers.allocate(assignment, pia)
        assert given.author_id == ada.id
        peers.peer_review(given.submission, pia, {0: 2, 1: 1}, "Пия: хорошо")
        db.session.commit()

    def export(name):
        client = app.test_client()
        login(client, name)
        r = post(client, "/account/data/export")
        with zipfile.ZipFile(io.BytesIO(r.get_data())) as archive:
            return client, json.loads(archive.read("assignments.json"))

    _client, ada_data = export("ada")
    (received,) = ada_data["submissions"][0]["reviews_received"]
    assert received["kind"] == "peer" and "Пия" in received["feedback"]
    assert "pia" not in json.dumps(ada_data).lower()
    pia_client, pia_data = export("pia")
    (gave,) = pia_data["reviews_given"]
    assert gave["kind"] == "peer" and "Ада" not in json.dumps(pia_data, ensure_ascii=False)
    r = post(pia_client, "/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    review = db.session.scalar(sa.select(Review))
    assert (review.reviewer_id, review.kind, review.feedback) == (None, "peer", "Пия: хорошо")
    assert db.session.scalar(sa.select(sa.func.count(PeerAllocation.id))) == 0
    assert where_found("Пия Пирова", "Работа Пии") == set()
