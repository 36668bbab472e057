"""'My data': a person downloads everything the platform holds about them, and only that."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
import sqlalchemy as sa

from tests.conftest import enrol_on_page, login, post
from tests.download_helpers import download_name
from tests.privacy_helpers import HOLDER, earn_certificate
from tests.quiz_helpers import build_quiz
from training.accounts.models import Role
from training.audit import AuditEvent
from training.config import Defaults
from training.extensions import db


@pytest.fixture(autouse=True)
def keys_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))


@pytest.fixture
def holder(client, users, make_user):
    """A learner with progress, two quiz attempts (their name typed in one) and a certificate."""
    _course, quiz = build_quiz(users["trainer"], questions_per_page=0)
    user = make_user(HOLDER["username"], display_name=HOLDER["display_name"], email=HOLDER["email"])
    login(client, HOLDER["username"])
    certificate = earn_certificate(client, quiz, own_words=HOLDER["display_name"])
    return {"user": user, "quiz": quiz, "certificate": certificate}


def unzip(response) -> dict[str, bytes]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def exports_of(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "account.export", AuditEvent.target_id == str(user_id))
    )


def test_the_zip_holds_every_kind_of_record_with_answers_scores_and_pdfs(client, holder):
    r = post(client, "/account/data/export")
    assert re.fullmatch(r"my-data-\d{4}-\d\d-\d\d\.zip", download_name(r))
    assert r.headers["Cache-Control"] == "no-store"
    files = unzip(r)
    code = holder["certificate"].code
    pdf_name = f"certificates/certificate-{'-'.join(code[i : i + 4] for i in range(0, 20, 4))}.pdf"
    assert set(files) == {
        "README.txt",
        "profile.json",
        "organization.json",
        "roles.json",
        "learning_events.json",
        "audit_events.json",
        "invite_codes_created.json",
        "enrollments.json",
        "lesson_progress.json",
        "courses_authored.json",
        "quiz_attempts.json",
        "assignments.json",
        "certificates.json",
        "cohorts.json",
        "questions.json",
        "email.json",
        "notifications.json",
        "notification_preferences.json",
        "mail.json",
        pdf_name,
    }
    data = {name: json.loads(body) for name, body in files.items() if name.endswith(".json")}
    assert data["profile.json"]["username"] == HOLDER["username"]
    assert data["profile.json"]["display_name"] == HOLDER["display_name"]
    assert data["profile.json"]["email"] == HOLDER["email"]
    assert data["organization.json"]["name"] == "Школа № 1"
    assert data["organization.json"]["within"][0] == "Федеральная"
    assert data["roles.json"] == ["learner"]
    assert [e["course"] for e in data["enrollments.json"]] == ["info-work"]
    assert {p["lesson"] for p in data["lesson_progress.json"]} == {"intro", "plan", "reach"}
    assert all(p["completed_at"] for p in data["lesson_progress.json"])

    attempts = data["quiz_attempts.json"]
    assert [(a["number"], a["passed"]) for a in attempts] == [(1, False), (2, True)]
    assert attempts[1]["score_percent"] == 100
    first = {q["question"]: q for q in attempts[0]["questions"]}
    typed = first["Первый абзац новости — это…"]
    assert typed["your_answer"] == HOLDER["display_name"] and typed["score"] == 0
    pyramid = first["Что ставят в начало новости?"]
    assert pyramid["your_answer"] == "o2" and pyramid["options"]["o2"] == "Предысторию"
    assert pyramid["feedback"]

    [certificate] = data["certificates.json"]
    assert certificate["status"] == "valid" and certificate["pdf"] == pdf_name
    assert certificate["history"] == []
    assert certificate["holder_name"] == HOLDER["display_name"]
    assert certificate["shown_publicly_as"] == "И. П. У."
    assert files[pdf_name].startswith(b"%PDF-")

    verbs = [e["verb"] for e in data["learning_events.json"]]
    assert {"enrolled", "viewed", "completed", "failed", "passed", "certified"} <= set(verbs)
    assert [a["action"] for a in data["audit_events.json"]] == ["account.export"]
    assert data["audit_events.json"][0]["by_you"] is True
    assert "certificates/" in files["README.txt"].decode("utf-8")


def test_each_export_is_audited(client, holder):
    user_id = holder["user"].id
    post(client, "/account/data/export")
    post(client, "/account/data/export")
    assert exports_of(user_id) == 2
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.export"))
    assert (event.actor_id, event.target_type) == (user_id, "user")
    assert HOLDER["username"] not in json.dumps(event.details)


def test_audit_events_about_the_person_are_in_their_export(client, holder, users, app):
    admin = app.test_client()
    login(admin, "admin")
    post(
        admin,
        f"/admin/users/{holder['user'].id}",
        {"roles": ["trainer"], "organization": holder["user"].organization_id, "active": "y"},
    )
    enrol_on_page(client, holder["user"].username)  # a trainer now: the second factor first
    files = unzip(post(client, "/account/data/export"))
    rows = json.loads(files["audit_events.json"])
    assert [(r["action"], r["by_you"]) for r in rows] == [
        ("user.roles", False),
        ("two_factor.enable", True),
        ("account.export", True),
    ]
    assert "actor_id" not in rows[0]  # the admin's account number is not the person's data
    assert json.loads(files["roles.json"]) == ["learner", "trainer"]


def test_another_accounts_id_in_the_query_or_form_is_ignored(client, holder, users):
    other = users["learner"]
    r = post(
        client,
        f"/account/data/export?user_id={other.id}&account_id={other.id}",
        {"user_id": other.id, "id": other.id, "account_id": other.id},
    )
    files = unzip(r)
    profile = json.loads(files["profile.json"])
    assert profile["username"] == HOLDER["username"]
    assert all(b'"learner"' not in body or name == "roles.json" for name, body in files.items())
    assert exports_of(other.id) == 0 and exports_of(holder["user"].id) == 1


def test_export_needs_login_a_post_and_the_csrf_token(app, client, holder):
    assert client.get("/account/data/export").status_code == 405
    assert client.post("/account/data/export").status_code == 400  # no CSRF token
    anonymous = app.test_client()
    r = post(anonymous, "/account/data/export")
    assert r.status_code == 302 and "/account/login" in r.headers["Location"]
    assert exports_of(holder["user"].id) == 0


def test_exports_are_rate_limited_per_account(app, client, holder, users, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_LIMIT_PER_ACCOUNT", "2 per hour")
    assert post(client, "/account/data/export").status_code == 200
    assert post(client, "/account/data/export").status_code == 200
    refused = post(client, "/account/data/export")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert exports_of(holder["user"].id) == 2  # the refused one left no trace
    other = app.test_client()
    login(other, "learner")
    assert post(other, "/account/data/export").status_code == 200  # others are not affected


def test_the_shipped_export_limit_is_a_few_per_hour():
    assert Defaults.EXPORT_LIMIT_PER_ACCOUNT.startswith("3 per hour")


def test_a_trainers_export_lists_the_courses_they_write(client, users):
    build_quiz(users["trainer"])
    login(client, "trainer")
    files = unzip(post(client, "/account/data/export"))
    assert json.loads(files["courses_authored.json"]) == [
        {"course": "info-work", "title": "Информационная работа", "as": "owner"}
    ]
    assert json.loads(files["roles.json"]) == sorted(["learner", str(Role.TRAINER)])


def test_my_data_page_offers_the_download_and_the_deletion(client, holder):
    client.set_cookie("lang", "en")
    page = client.get("/account/data").get_data(as_text=True)
    assert 'action="/account/data/export"' in page and 'method="post"' in page
    assert 'href="/account/delete"' in page and 'href="/privacy"' in page
    assert 'href="/account/data"' in client.get("/account/").get_data(as_text=True)


def test_a_cyrillic_username_exports_too(client, make_user):
    make_user("иван.петров", display_name="Иван Петров")
    login(client, "иван.петров")
    r = post(client, "/account/data/export")
    assert re.fullmatch(r"my-data-\d{4}-\d\d-\d\d\.zip", download_name(r))
    assert json.loads(unzip(r)["profile.json"])["username"] == "иван.петров"


def test_a_revocation_of_their_certificate_is_in_their_export(app, client, holder):
    admin = app.test_client()
    login(admin, "admin")
    certificate_id = holder["certificate"].id
    post(admin, f"/certificates/{certificate_id}/revoke", {"reason": "Выдан по ошибке"})
    post(admin, f"/certificates/{certificate_id}/unrevoke")
    [certificate] = json.loads(unzip(post(client, "/account/data/export"))["certificates.json"])
    assert [(h["action"], h["details"]) for h in certificate["history"]] == [
        ("certificate.revoke", {"reason": "Выдан по ошибке"}),
        ("certificate.unrevoke", {"previous_reason": "Выдан по ошибке"}),
    ]
