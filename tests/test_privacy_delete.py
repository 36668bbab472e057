"""Deleting one's own account: everything personal goes, in one transaction; certificates stay."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from certificates import documents
from certificates.badges import verify_credential
from certificates.models import Certificate
from certificates.services import format_certificate_code
from courses.models import Enrollment, LessonProgress
from quizzes.models import Attempt, AttemptItem
from tests.conftest import PASSWORD, enrol_on_page, login, post
from tests.privacy_helpers import HOLDER, earn_certificate, where_found
from tests.quiz_helpers import build_quiz
from tests.test_certificate_pdf import text_of
from training.accounts.models import Role, User
from training.audit import AuditEvent
from training.events import LearningEvent
from training.extensions import db


@pytest.fixture(autouse=True)
def keys_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))


@pytest.fixture
def holder(app, client, users, make_user):
    """A learner with progress, answers (their own name typed in one), a certificate, a signed
    credential, a data export and an admin's role change on record; logged in on `client`."""
    _course, quiz = build_quiz(users["trainer"], questions_per_page=0)
    user = make_user(HOLDER["username"], display_name=HOLDER["display_name"], email=HOLDER["email"])
    login(client, HOLDER["username"])
    certificate = earn_certificate(client, quiz, own_words=HOLDER["display_name"])
    credential = client.get(f"/certificates/{certificate.id}/credential.jwt").get_data(as_text=True)
    post(client, "/account/data/export")
    admin = app.test_client()
    login(admin, "admin")
    post(
        admin,
        f"/admin/users/{user.id}",
        {"roles": ["organizer"], "organization": user.organization_id, "active": "y"},
    )
    enrol_on_page(client, HOLDER["username"])  # staff now: the second factor comes first
    client.set_cookie("lang", "en")
    return {
        "user": user,
        "user_id": user.id,
        "quiz": quiz,
        "certificate": certificate,
        "credential": credential,
    }


def snapshot() -> dict[str, object]:
    """Counts and facts that a refused deletion must leave exactly as they were."""
    db.session.expire_all()

    def count(model) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    return {
        "users": count(User),
        "enrollments": count(Enrollment),
        "progress": count(LessonProgress),
        "attempts": count(Attempt),
        "items": count(AttemptItem),
        "linked_events": db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LearningEvent)
            .where(LearningEvent.actor_id.is_not(None))
        ),
        "anonymous_refs": db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LearningEvent)
            .where(LearningEvent.actor_ref.is_not(None))
        ),
        "audit": count(AuditEvent),
        "certificates": sorted(
            (c.code, c.user_id, c.holder_name) for c in db.session.scalars(sa.select(Certificate))
        ),
    }


def delete(client, password: str = PASSWORD, **extra):
    return post(client, "/account/delete", {"password": password, **extra})


def test_deleting_erases_every_trace_of_the_name_username_and_email(client, holder):
    needles = (HOLDER["username"], HOLDER["display_name"], HOLDER["email"])
    # Before: the person is all over the database, in plain text and in JSON.
    before = where_found(*needles)
    assert {
        ("users", "username"),
        ("users", "display_name"),
        ("users", "email"),
        ("certificates", "holder_name"),
        ("attempt_items", "response"),
    } <= before
    r = delete(client)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    # After: every text and JSON column of every table, searched in full.
    assert where_found(*needles) == set()
    db.session.expire_all()
    assert db.session.get(User, holder["user_id"]) is None


def test_deletion_keeps_facts_but_not_the_person(client, holder, users):
    user_id = holder["user_id"]
    events_before = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LearningEvent)
        .where(LearningEvent.actor_id == user_id)
    )
    others_before = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LearningEvent)
        .where(LearningEvent.actor_id != user_id)
    )
    assert events_before >= 10
    delete(client)
    db.session.expire_all()

    # The learning record: same number of events, none linked, one shared random reference.
    rows = db.session.execute(
        sa.select(LearningEvent.actor_id, LearningEvent.actor_ref).where(
            LearningEvent.actor_ref.is_not(None)
        )
    ).all()
    assert len(rows) == events_before
    assert {actor for actor, _ref in rows} == {None}
    [(ref,)] = {(ref,) for _actor, ref in rows}
    assert len(ref) == 32 and int(ref, 16) >= 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LearningEvent)
            .where(LearningEvent.actor_id.is_not(None))
        )
        == others_before
    )

    # Enrollments, progress and attempts with every answer are gone.
    for model in (Enrollment, LessonProgress, Attempt, AttemptItem):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model

    # Audit rows keep what happened, but no longer point at the account.
    audit_rows = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert all(row.actor_id != user_id for row in audit_rows)
    export = next(row for row in audit_rows if row.action == "account.export")
    assert export.actor_id is None and export.target_id == str(user_id)
    roles = next(row for row in audit_rows if row.action == "user.roles")
    assert roles.actor_id == users["admin"].id  # the admin's part is theirs, not the person's
    deletion = audit_rows[-1]
    assert (deletion.action, deletion.actor_id, deletion.target_type, deletion.target_id) == (
        "account.delete",
        None,
        "user",
        str(user_id),
    )
    assert deletion.details == {"learning_events_anonymised": events_before}

    # Other people are untouched.
    assert db.session.get(User, users["learner"].id).username == "learner"


def test_the_certificate_stays_verifiable_with_the_holder_withheld(app, client, holder, tmp_path):
    certificate = holder["certificate"]
    code = format_certificate_code(certificate.code)
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "И. П. У." in page
    delete(client)

    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Valid certificate" in page and "holder withheld" in page
    assert "И. П. У." not in page and "Информационная работа" in page
    status = client.get(f"/verify/{code}/status").get_json()
    assert status["status"] == "valid" and status["revoked"] is False

    # The credential the holder downloaded before still verifies with the published keys.
    keys = documents.key_store().public_keyset()
    checked = verify_credential(holder["credential"], keys)
    assert checked.is_valid, checked.reason
    assert checked.credential["id"].endswith(f"/verify/{code}")

    # Rendered again (an admin re-issuing the document), the PDF withholds the holder too.
    db.session.expire_all()
    kept = db.session.get(Certificate, certificate.id)
    assert (kept.user_id, kept.holder_name, kept.pseudonym, kept.public_name) == (None, "", "", "")
    with app.test_request_context():
        text = text_of(documents.certificate_pdf(kept), tmp_path)
    assert "владелец скрыт" in text and code in text  # the course is in Russian
    assert HOLDER["display_name"] not in text


def test_the_person_is_logged_out_and_cannot_log_in_again(app, client, holder):
    r = delete(client)
    assert r.status_code == 302
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Your account has been deleted." in page
    assert client.get("/account/").status_code == 302  # to the login page
    again = post(
        app.test_client(), "/account/login", {"username": HOLDER["username"], "password": PASSWORD}
    )
    assert again.status_code == 422  # refused: "Wrong username or password"


def test_a_wrong_password_changes_nothing(client, holder):
    before = snapshot()
    r = delete(client, password="not-my-password")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "The password is not correct. Nothing was deleted." in page
    assert 'aria-invalid="true"' in page
    assert snapshot() == before
    assert client.get("/account/").status_code == 200  # still logged in


def test_an_empty_password_or_missing_csrf_changes_nothing(app, client, holder):
    before = snapshot()
    assert "This field is required." in delete(client, password="").get_data(as_text=True)
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 400
    assert snapshot() == before
    anonymous = post(app.test_client(), "/account/delete", {"password": PASSWORD})
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    assert snapshot() == before


def test_another_accounts_id_is_ignored(client, holder, users):
    other = users["learner"]
    r = post(
        client,
        f"/account/delete?user_id={other.id}&id={other.id}",
        {"password": PASSWORD, "user_id": other.id, "id": other.id, "account_id": other.id},
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, holder["user_id"]) is None  # only the logged-in person went
    kept = db.session.get(User, other.id)
    assert kept is not None and kept.username == "learner" and kept.active


def test_the_last_active_administrator_cannot_leave(client, users):
    login(client, "admin")
    client.set_cookie("lang", "en")
    page = client.get("/account/delete").get_data(as_text=True)
    assert "You are the last active administrator." in page
    before = snapshot()
    r = delete(client)
    assert r.status_code == 422
    assert "You are the last active administrator." in r.get_data(as_text=True)
    assert snapshot() == before
    assert db.session.get(User, users["admin"].id).is_admin


def test_an_administrator_may_leave_when_another_remains(client, users, make_user):
    make_user("second-admin", Role.ADMIN, org="top")
    login(client, "admin")
    assert delete(client).status_code == 302
    assert db.session.scalar(sa.select(User.id).where(User.username == "admin")) is None


def test_a_blocked_administrator_does_not_count(client, users, make_user, app):
    blocked = make_user("blocked-admin", Role.ADMIN, org="top")
    blocked.active = False
    db.session.merge(blocked)
    db.session.commit()
    login(client, "admin")
    client.set_cookie("lang", "en")
    r = delete(client)
    assert r.status_code == 422 and "last active administrator" in r.get_data(as_text=True)
    assert db.session.get(User, users["admin"].id) is not None


def test_a_course_owner_is_asked_to_hand_the_courses_over_first(client, users):
    build_quiz(users["trainer"], questions_per_page=0)
    login(client, "trainer")
    client.set_cookie("lang", "en")
    before = snapshot()
    r = delete(client)
    assert r.status_code == 422
    assert "You own courses" in r.get_data(as_text=True)
    assert snapshot() == before


def test_wrong_passwords_are_rate_limited_per_account(app, client, holder, monkeypatch):
    monkeypatch.setitem(app.config, "DELETE_LIMIT_PER_ACCOUNT", "3 per minute")
    for _ in range(3):
        assert delete(client, password="guess-guess-guess").status_code == 422
    assert delete(client).status_code == 429  # even the right password waits now
    assert db.session.get(User, holder["user_id"]) is not None


def test_the_form_explains_what_happens(client, holder):
    page = client.get("/account/delete").get_data(as_text=True)
    assert "This cannot be undone." in page and "holder withheld" in page
    assert 'autocomplete="current-password"' in page


def test_deleting_an_account_writes_nothing_personal_into_the_audit_log(client, holder):
    delete(client)
    details = db.session.scalars(sa.select(AuditEvent.details)).all()
    dumped = json.dumps(details, ensure_ascii=False).casefold()
    for needle in HOLDER.values():
        assert needle.casefold() not in dumped
