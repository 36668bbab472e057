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
