"""Sensitive changes ask for the password (and a code) again once 10 minutes have passed, so a
copied session cookie alone cannot enrol another authenticator or take the account."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.conftest import PASSWORD, login, post, post_on, second_factor_code
from training.accounts.models import AccountToken, Role, User
from training.extensions import db

LATER = timedelta(minutes=11)


def test_enrolling_two_factor_asks_again_after_ten_minutes(client, users, clock):
    login(client, "learner")
    assert client.get("/account/two-factor/setup").status_code == 200  # fresh from the login
    clock.advance(LATER)
    r = client.get("/account/two-factor/setup")
    assert r.status_code == 302
    assert r.headers["Location"] == "/account/confirm?next=/account/two-factor/setup"
    r = post(client, "/account/two-factor/setup", {"code": "123456"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/account/confirm")
    page = client.get("/account/confirm?next=/account/two-factor/setup").get_data(as_text=True)
    assert "Подтвердите, что это вы" in page and 'name="code"' not in page  # no 2FA yet
    wrong = post(
        client, "/account/confirm", {"password": "not-it", "next": "/account/two-factor/setup"}
    )
    assert wrong.status_code == 422 and "Неверный пароль" in wrong.get_data(as_text=True)
    assert client.get("/account/two-factor/setup").status_code == 302  # still stale
    r = post(
        client, "/account/confirm", {"password": PASSWORD, "next": "/account/two-factor/setup"}
    )
    assert r.status_code == 302 and r.headers["Location"] == "/account/two-factor/setup"
    assert client.get("/account/two-factor/setup").status_code == 200
    clock.advance(LATER)
    assert client.get("/account/two-factor/setup").status_code == 302  # and stale again


def test_with_two_factor_the_code_is_asked_too(client, users, clock):
    login(client, "trainer")
    clock.advance(LATER)
    assert client.get("/account/two-factor/recovery-codes").status_code == 302
    r = post(
        client,
        "/account/confirm",
        {"password": PASSWORD, "next": "/account/two-factor/recovery-codes"},
    )
    assert r.status_code == 422 and "Введите код" in r.get_data(as_text=True)
    assert client.get("/account/two-factor/recovery-codes").status_code == 302
    r = post(
        client,
        "/account/confirm",
        {
            "password": PASSWORD,
            "code": second_factor_code("trainer"),
            "next": "/account/two-factor/recovery-codes",
        },
    )
    assert r.status_code == 302
    assert client.get("/account/two-factor/recovery-codes").status_code == 200


def test_deleting_the_account_and_issuing_codes_ask_again(client, users, clock):
    login(client, "learner")
    clock.advance(LATER)
    r = post(client, "/account/delete", {"password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].startswith("/account/confirm")
    assert db.session.get(User, users["learner"].id) is not None
    post(client, "/account/logout")
    login(client, "organizer")
    clock.advance(LATER)
    r = post(client, f"/people/{users['learner'].id}/reset-code")
    assert r.status_code == 302 and r.headers["Location"].startswith("/account/confirm")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken)) == 0


def test_staff_enrolling_late_can_confirm_without_a_loop(client, make_user, clock):
    make_user("newtrainer", Role.TRAINER, two_factor=False)
    r = post(client, "/account/login", {"username": "newtrainer", "password": PASSWORD})
    assert r.headers["Location"] == "/account/two-factor/setup"
    clock.advance(LATER)
    assert client.get("/courses/").headers["Location"] == "/account/two-factor/setup?next=/courses/"
    r = client.get("/account/two-factor/setup")
    assert r.headers["Location"].startswith("/account/confirm")
    assert client.get(r.headers["Location"]).status_code == 200  # allowed before enrolment
    r = post_on(
        client,
        "/account/confirm?next=/account/two-factor/setup",
        {"password": PASSWORD, "next": "/account/two-factor/setup"},
    )
    assert r.status_code == 302 and r.headers["Location"] == "/account/two-factor/setup"
