"""Administrators reset a lost second factor from the web, after their own password and code;
audited, the person's sessions end and they enrol again at the next login."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import PASSWORD, login, post, second_factor_code
from training.accounts.models import User
from training.audit import AuditEvent
from training.extensions import db


def secret_of(user_id: int) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user_id).totp_secret


def reset(client, user_id: int, password: str = PASSWORD, code: str | None = None):
    return post(
        client,
        f"/people/{user_id}/two-factor-reset",
        {"password": password, "code": code or second_factor_code("admin")},
    )


def test_an_admin_resets_a_trainers_second_factor(app, login_as, users):
    trainer = users["trainer"]
    phone = app.test_client()
    login(phone, "trainer")
    admin = login_as("admin")
    person = admin.get(f"/people/{trainer.id}").get_data(as_text=True)
    assert "Сбросить утерянный второй фактор" in person
    r = reset(admin, trainer.id)
    assert r.status_code == 302
    assert secret_of(trainer.id) is None
    assert phone.get("/account/").status_code == 302  # the trainer's sessions ended
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "two_factor.reset"))
    assert event.actor_id == users["admin"].id and event.target_id == str(trainer.id)
    r = post(app.test_client(), "/account/login", {"username": "trainer", "password": PASSWORD})
    assert r.headers["Location"] == "/account/two-factor/setup"  # enrols again


def test_a_wrong_password_or_code_changes_nothing(login_as, users):
    trainer = users["trainer"]
    admin = login_as("admin")
    before = secret_of(trainer.id)
    r = reset(admin, trainer.id, password="wrong-password")
    assert r.status_code == 422 and "Неверный пароль" in r.get_data(as_text=True)
    r = reset(admin, trainer.id, code="000000")
    assert r.status_code == 422
    assert secret_of(trainer.id) == before
    assert not db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "two_factor.reset")
    )


def test_only_administrators_and_never_for_oneself(login_as, users):
    organizer = login_as("organizer")
    assert organizer.get(f"/people/{users['trainer'].id}/two-factor-reset").status_code == 403
    post(organizer, "/account/logout")
    admin = login_as("admin")
    r = reset(admin, users["admin"].id)
    assert r.status_code == 422 and "собственные настройки" in r.get_data(as_text=True)
    assert secret_of(users["admin"].id) is not None


def test_an_account_without_two_factor_is_refused(login_as, users):
    admin = login_as("admin")
    r = reset(admin, users["learner"].id)
    assert r.status_code == 422 and "сбрасывать нечего" in r.get_data(as_text=True)
    assert admin.get("/people/999999/two-factor-reset").status_code == 404
