"""Two-factor authentication: enrolment, the code step of a login, replays, recovery codes,
rate limits, and staff confined to the enrolment page until they enrol.

Clients ask for English pages (the `lang` cookie), so the assertions read the messages as
written in the code whatever the Russian catalog says.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from tests.conftest import (
    PASSWORD,
    RECOVERY_RE,
    SECRET_RE,
    csrf_token,
    enrol_on_page,
    login,
    post,
    post_on,
)
from tests.two_factor_state import RECOVERY_CODES
from training.accounts import two_factor
from training.accounts.models import RecoveryCode, Role, User, UserSession
from training.audit import AuditEvent
from training.config import Defaults
from training.db import utcnow
from training.errors import ServiceError
from training.extensions import db
from training.organizations.models import Organization

SETUP = "/account/two-factor/setup"
CODE_STEP = "/account/login/code"


def english(client):
    client.set_cookie("lang", "en")
    return client


def fresh(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def logged_in(client) -> bool:
    return client.get("/account/").status_code == 200


def password_step(client, username: str, **extra):
    r = post(client, "/account/login", {"username": username, "password": PASSWORD, **extra})
    assert r.status_code == 302
    return r


def code_step(client, code: str, **kwargs):
    return post(client, CODE_STEP, {"code": code}, **kwargs)


def secret_of(username: str) -> str:
    sealed = db.session.scalar(sa.select(User.totp_secret).where(User.username == username))
    return two_factor.open_secret(sealed)


def recovery_rows(user_id: int) -> list[RecoveryCode]:
    return list(db.session.scalars(sa.select(RecoveryCode).where(RecoveryCode.user_id == user_id)))


# ---- enrolment ------------------------------------------------------------------------------


def test_learner_enrols_with_a_code_from_the_key_shown(app, client, users):
    english(client)
    login(client, "learner")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Set up two-factor authentication" in page
    page = client.get(SETUP).get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    # The QR code is drawn by the app, inline, from the otpauth address with issuer and user.
    with app.test_request_context():
        uri = two_factor.provisioning_uri(secret, "learner")
        expected_svg = two_factor.qr_svg(uri, "QR code for your authenticator app")
    assert uri.startswith("otpauth://totp/") and "issuer=" in uri and "learner" in uri
    assert pyotp.parse_uri(uri).issuer == app.config["PLATFORM_NAME"]
    assert pyotp.parse_uri(uri).name == "learner"
    assert str(expected_svg) in page
    assert 'class="qr-code"' in page and "<img" not in page and "<script" not in page
    reloaded = SECRET_RE.search(client.get(SETUP).get_data(as_text=True)).group(1)
    assert reloaded.replace(" ", "") == secret  # the same key until it is confirmed

    r = post_on(client, SETUP, {"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Two-factor authentication is on." in page
    codes = RECOVERY_RE.findall(page)
    assert len(codes) == 10 and len(set(codes)) == 10
    user = fresh(users["learner"].id)
    assert user.two_factor_enabled and two_factor.open_secret(user.totp_secret) == secret
    assert secret not in user.totp_secret  # stored sealed (tests/test_two_factor_sealing.py)
    # Recovery codes are stored hashed only.
    rows = recovery_rows(user.id)
    assert len(rows) == 10
    stored = {row.code_hash for row in rows}
    assert not stored & set(codes)
    assert hashlib.sha256(codes[0].replace("-", "").encode()).hexdigest() in stored
    overview = client.get("/account/two-factor").get_data(as_text=True)
    assert "Recovery codes left</dt><dd>10</dd>" in overview
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(
            AuditEvent.target_type == "user", AuditEvent.target_id == str(user.id)
        )
    ).all()
    assert actions == ["two_factor.enable"]


def test_wrong_or_malformed_enrolment_code_changes_nothing(client, users):
    english(client)
    login(client, "learner")
    secret = SECRET_RE.search(client.get(SETUP).get_data(as_text=True)).group(1).replace(" ", "")
    right = pyotp.TOTP(secret).now()
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    for code, message in (
        (wrong, "This code is not correct."),
        ("12345", "Enter the 6-digit code your app shows."),
        ("abcdef", "Enter the 6-digit code your app shows."),
        ("", "This field is required."),
    ):
        r = post_on(client, SETUP, {"code": code})
        assert r.status_code == 422, code
        page = r.get_data(as_text=True)
        assert message in page, code
        assert 'aria-invalid="true"' in page
        assert secret[:4] in page  # the same key is offered again
    user = fresh(users["learner"].id)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert recovery_rows(user.id) == []


def test_enrolment_code_from_another_key_is_refused(client, users):
    english(client)
    login(client, "learner")
    client.get(SETUP)
    r = post_on(client, SETUP, {"code": pyotp.TOTP(pyotp.random_base32()).now()})
    assert "This code is not correct." in r.get_data(as_text=True)
    assert not fresh(users["learner"].id).two_factor_enabled


def test_enabling_two_factor_ends_the_other_sessions(app, client, users):
    other = english(app.test_client())
    login(other, "learner")
    english(client)
    login(client, "learner")
    enrol_on_page(client, "learner")
    assert logged_in(client)
    assert not logged_in(other)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(UserSession)
            .where(UserSession.user_id == users["learner"].id)
        )
        == 1
    )


def test_enrolment_page_sends_enrolled_users_to_the_overview(client, users):
    login(client, "trainer")
    r = client.get(SETUP)
    assert r.status_code == 302 and r.headers["Location"] == "/account/two-factor"


# ---- the code step of a login ---------------------------------------------------------------


def test_login_needs_the_code_and_a_wrong_code_is_refused(client, users):
    english(client)
    password_step(client, "trainer")
    assert not logged_in(client)  # the password alone logs nobody in
    page = client.get(CODE_STEP).get_data(as_text=True)
    assert "Enter the code" in page
    right = pyotp.TOTP(secret_of("trainer")).now()
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    for bad in (wrong, "000000x", "1234-5678-9ABC-DEFG", ""):
        r = code_step(client, bad)
        assert r.status_code == 422, bad
        assert 'aria-invalid="true"' in r.get_data(as_text=True), bad
        assert not logged_in(client)
    assert "This code is not correct." in code_step(client, wrong).get_data(as_text=True)
    assert fresh(users["trainer"].id).last_login_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0

    r = code_step(client, right)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert logged_in(client)
    assert fresh(users["trainer"].id).last_login_at is not None


def test_login_code_step_keeps_next_and_remember(client, users):
    r = post(
        client,
        "/account/login",
        {"username": "trainer", "password": PASSWORD, "next": "/account/sessions", "remember": "y"},
    )
    assert r.headers["Location"] == CODE_STEP
    r = code_step(client, pyotp.TOTP(secret_of("trainer")).now())
    assert r.headers["Location"] == "/account/sessions"
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("training_session="))
    assert "Expires=" in cookie  # kept after the browser closes (up to the absolute timeout)


def test_a_used_code_cannot_be_used_again(client, users):
    english(client)
    code = pyotp.TOTP(secret_of("trainer")).now()
    password_step(client, "trainer")
    assert code_step(client, code).status_code == 302
    post(client, "/account/logout")
    password_step(client, "trainer")
    r = code_step(client, code)
    assert r.status_code == 422
    assert "This code has already been used." in r.get_data(as_text=True)
    assert not logged_in(client)


def test_drift_window_and_replay_rules(ctx, users):
    with force_locale("en"):  # the messages are matched in English
        user = db.session.get(User, users["trainer"].id)
        totp = pyotp.TOTP(two_factor.open_secret(user.totp_secret))
        later = utcnow() + timedelta(hours=1)  # past every step used while enrolling
        step = totp.timecode(later)
        for offset in (-2, 2, 3):
            with pytest.raises(ServiceError, match="not correct"):
                two_factor.verify_second_factor(user, totp.generate_otp(step + offset), now=later)
        assert (
            two_factor.verify_second_factor(user, totp.generate_otp(step - 1), now=later) == "totp"
        )
        assert user.totp_last_step == step - 1
        # the next step (phone clock a little ahead) is accepted, and then nothing before it
        assert (
            two_factor.verify_second_factor(user, totp.generate_otp(step + 1), now=later) == "totp"
        )
        for earlier in (step - 1, step, step + 1):
            with pytest.raises(ServiceError, match="already been used"):
                two_factor.verify_second_factor(user, totp.generate_otp(earlier), now=later)
        assert user.totp_last_step == step + 1
        # spaces and dashes typed with the code do not matter
        code = totp.generate_otp(step + 2)
        spaced = f"{code[:3]} {code[3:]}"
        assert two_factor.verify_second_factor(user, spaced, now=later + timedelta(seconds=30))


def test_recovery_code_logs_in_once(client, users):
    english(client)
    user_id = users["trainer"].id
    code = RECOVERY_CODES["trainer"][0]
    password_step(client, "trainer")
    typed = code.lower().replace("-", " ")  # any case, spaces instead of dashes
    r = code_step(client, typed)
    assert r.status_code == 302
    assert "9 are left" in client.get("/").get_data(as_text=True)
    assert len(recovery_rows(user_id)) == 9
    post(client, "/account/logout")
    password_step(client, "trainer")
    r = code_step(client, code)
    assert r.status_code == 422
    assert "This code is not correct." in r.get_data(as_text=True)
    assert not logged_in(client)
    assert len(recovery_rows(user_id)) == 9


def test_recovery_codes_of_another_account_do_not_work(client, users):
    password_step(client, "trainer")
    r = code_step(client, RECOVERY_CODES["organizer"][0])
    assert r.status_code == 422 and not logged_in(client)
    assert len(recovery_rows(users["organizer"].id)) == 10


def test_pending_login_expires(app, client, users):
    english(client)
    password_step(client, "trainer")
    with client.session_transaction() as session:
        session["two_factor_pending"]["at"] -= app.config["TWO_FACTOR_PENDING_SECONDS"] + 1
        session.modified = True
    r = code_step(client, pyotp.TOTP(secret_of("trainer")).now())
    assert r.status_code == 302 and r.headers["Location"] == "/account/login"
    assert "The time to enter the code has run out." in client.get(r.headers["Location"]).get_data(
        as_text=True
    )
    assert not logged_in(client)
    assert client.get(CODE_STEP).headers["Location"] == "/account/login"


def test_pending_login_ends_when_the_password_changes_meanwhile(client, users):
    password_step(client, "trainer")
    user = db.session.get(User, users["trainer"].id)
    user.auth_version += 1
    db.session.commit()
    r = code_step(client, pyotp.TOTP(secret_of("trainer")).now())
    assert r.status_code == 302 and r.headers["Location"] == "/account/login"
    assert not logged_in(client)


def test_forged_pending_state_logs_nobody_in(client, users):
    for forged in ({"user": "x"}, {"user": users["trainer"].id}, "junk"):
        with client.session_transaction() as session:
            session["two_factor_pending"] = forged
        r = code_step(client, pyotp.TOTP(secret_of("trainer")).now())
        assert r.status_code == 302 and r.headers["Location"] == "/account/login"
        assert not logged_in(client)


def test_code_step_needs_csrf(client, users):
    password_step(client, "trainer")
    r = client.post(CODE_STEP, data={"code": pyotp.TOTP(secret_of("trainer")).now()})
    assert r.status_code == 400
    assert not logged_in(client)


def test_learner_without_two_factor_logs_in_with_the_password_alone(client, users):
    r = post(client, "/account/login", {"username": "learner", "password": PASSWORD})
    assert r.headers["Location"] == "/"
    assert logged_in(client)
    assert client.get("/courses/").status_code == 200


def test_learner_with_two_factor_is_asked_for_the_code(client, make_user):
    make_user("careful", two_factor=True)
    r = post(client, "/account/login", {"username": "careful", "password": PASSWORD})
    assert r.headers["Location"] == CODE_STEP
    assert not logged_in(client)
    assert code_step(client, pyotp.TOTP(secret_of("careful")).now()).status_code == 302
    assert logged_in(client)


# ---- rate limits on the code step -----------------------------------------------------------


@pytest.fixture
def shipped_code_limits(app, monkeypatch):
    """The code step's limits as a real installation ships them, for one test."""
    for name in ("TWO_FACTOR_LIMIT_PER_IP", "TWO_FACTOR_LIMIT_PER_ACCOUNT"):
        monkeypatch.setitem(app.config, name, getattr(Defaults, name))


def test_wrong_codes_on_one_account_are_limited(client, users, shipped_code_limits):
    english(client)
    last_step = db.session.get(User, users["trainer"].id).totp_last_step
    password_step(client, "trainer")
    for attempt in range(5):
        r = code_step(client, "000000", environ_base={"REMOTE_ADDR": f"198.51.100.{attempt}"})
        assert r.status_code == 422
    right = pyotp.TOTP(secret_of("trainer")).now()
    r = code_step(client, right, environ_base={"REMOTE_ADDR": "198.51.100.99"})
    assert r.status_code == 429
    assert "Retry-After" in r.headers
    assert "Too many wrong codes." in r.get_data(as_text=True)
    assert not logged_in(client)
    assert fresh(users["trainer"].id).totp_last_step == last_step  # the right code was not used
    # another account is not affected
    other = english(client.application.test_client())
    password_step(other, "organizer")
    assert code_step(other, pyotp.TOTP(secret_of("organizer")).now()).status_code == 302


def test_right_codes_do_not_count_against_the_account(client, users, shipped_code_limits):
    for _ in range(7):
        password_step(client, "trainer")
        assert code_step(client, RECOVERY_CODES["trainer"].pop()).status_code == 302
        post(client, "/account/logout")


def test_one_address_trying_codes_for_many_accounts_is_limited(
    client, make_user, shipped_code_limits
):
    for n in range(5):
        make_user(f"member{n}", two_factor=True)
    for n in range(5):
        password_step(client, f"member{n}")
        for _ in range(4):
            assert code_step(client, "000000").status_code == 422
    password_step(client, "member0")
    r = code_step(client, pyotp.TOTP(secret_of("member0")).now())
    assert r.status_code == 429
    assert not logged_in(client)


# ---- staff must enrol -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "staff_page"),
    [
        (Role.TRAINER, "/author/"),
        (Role.ORGANIZER, "/organizations/"),
        (Role.ADMIN, "/admin/users"),
    ],
)
def test_staff_without_two_factor_reach_nothing_but_enrolment(client, make_user, role, staff_page):
    make_user("newstaff", role, org="north", two_factor=False)
    english(client)
    r = post(client, "/account/login", {"username": "newstaff", "password": PASSWORD})
    assert r.headers["Location"] == SETUP  # straight to enrolment after the password
    for path in (staff_page, "/", "/account/", "/account/sessions", "/courses/", "/certificates/"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith(SETUP), path
    page = client.get(SETUP).get_data(as_text=True)
    assert "Your role on the platform requires two-factor authentication." in page
    with client.get("/static/css/app.css") as r:
        assert r.status_code == 200

    enrol_on_page(client, "newstaff")
    for path in (staff_page, "/", "/account/", "/account/sessions"):
        assert client.get(path).status_code == 200, path


def test_staff_without_two_factor_cannot_post_elsewhere(client, make_user, org_tree):
    make_user("newadmin", Role.ADMIN, org="top", two_factor=False)
    r = post(client, "/account/login", {"username": "newadmin", "password": PASSWORD})
    assert r.headers["Location"] == SETUP
    token = csrf_token(client, SETUP)
    r = client.post(
        "/organizations/new",
        data={
            "csrf_token": token,
            "name": "Новая",
            "kind": "regional",
            "parent": org_tree["top"].id,
        },
    )
    assert r.status_code == 302 and r.headers["Location"] == SETUP  # a POST has nowhere to return
    assert db.session.scalar(sa.select(Organization.id).where(Organization.name == "Новая")) is None


def test_staff_without_two_factor_may_switch_language_and_log_out(client, make_user):
    make_user("newtrainer", Role.TRAINER, org="north", two_factor=False)
    post(client, "/account/login", {"username": "newtrainer", "password": PASSWORD})
    token = csrf_token(client, SETUP)
    r = client.post("/language", data={"csrf_token": token, "lang": "en", "next": SETUP})
    assert r.status_code == 302 and r.headers["Location"] == SETUP
    assert "Set up two-factor authentication" in client.get(SETUP).get_data(as_text=True)
    r = client.post("/account/logout", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert client.get("/").status_code == 200  # an anonymous visitor again
    assert client.get("/account/").headers["Location"].startswith("/account/login")


def test_a_learner_made_staff_must_enrol_at_the_next_request(app, client, login_as, users):
    learner_client = app.test_client()
    login(learner_client, "learner")
    assert learner_client.get("/courses/").status_code == 200
    admin = login_as("admin")
    post(
        admin,
        f"/admin/users/{users['learner'].id}",
        {
            "roles": ["learner", "trainer"],
            "organization": users["learner"].organization_id,
            "active": "y",
        },
    )
    r = learner_client.get("/courses/")
    assert r.status_code == 302 and r.headers["Location"] == SETUP + "?next=/courses/"


def test_required_roles_come_from_the_configuration(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", ["admin"])
    make_user("plaintrainer", Role.TRAINER, org="north", two_factor=False)
    r = post(client, "/account/login", {"username": "plaintrainer", "password": PASSWORD})
    assert r.headers["Location"] == "/"
    assert client.get("/author/").status_code == 200


# ---- turning it off, new recovery codes, reset ----------------------------------------------


def test_learner_turns_two_factor_off_with_password_and_code(client, make_user):
    user = make_user("careful", two_factor=True)
    english(client)
    login(client, "careful")
    totp = pyotp.TOTP(secret_of("careful"))
    for data, message in (
        ({"password": "wrong-password-1", "code": totp.now()}, "The password is not correct."),
        ({"password": PASSWORD, "code": "000000"}, "This code is not correct."),
        ({"password": PASSWORD, "code": ""}, "This field is required."),
    ):
        r = post(client, "/account/two-factor/disable", data)
        assert r.status_code == 422
        assert message in r.get_data(as_text=True)
        assert fresh(user.id).two_factor_enabled
    assert len(recovery_rows(user.id)) == 10
    r = post(
        client,
        "/account/two-factor/disable",
        {"password": PASSWORD, "code": RECOVERY_CODES["careful"][0]},
    )
    assert r.status_code == 302 and r.headers["Location"] == "/account/two-factor"
    user = fresh(user.id)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert recovery_rows(user.id) == []
    post(client, "/account/logout")
    assert (
        post(client, "/account/login", {"username": "careful", "password": PASSWORD}).headers[
            "Location"
        ]
        == "/"
    )


def test_staff_turning_it_off_must_set_up_a_new_authenticator(client, users):
    english(client)
    login(client, "organizer")
    r = client.get("/account/two-factor/disable")
    assert "Move to a new phone" in r.get_data(as_text=True)
    r = post(
        client,
        "/account/two-factor/disable",
        {"password": PASSWORD, "code": RECOVERY_CODES["organizer"][0]},
    )
    assert r.headers["Location"] == SETUP
    assert client.get("/organizations/").headers["Location"] == SETUP + "?next=/organizations/"
    enrol_on_page(client, "organizer")
    assert client.get("/organizations/").status_code == 200


def test_new_recovery_codes_replace_the_old_ones(client, users):
    english(client)
    login(client, "trainer")
    old = list(RECOVERY_CODES["trainer"])
    r = post(client, "/account/two-factor/recovery-codes", {"password": "wrong-password-1"})
    assert r.status_code == 422
    assert "The password is not correct." in r.get_data(as_text=True)
    assert {row.code_hash for row in recovery_rows(users["trainer"].id)} == {
        hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in old
    }
    r = post(client, "/account/two-factor/recovery-codes", {"password": PASSWORD})
    page = r.get_data(as_text=True)
    new = RECOVERY_RE.findall(page)
    assert len(new) == 10 and not set(new) & set(old)
    post(client, "/account/logout")
    password_step(client, "trainer")
    assert code_step(client, old[0]).status_code == 422  # the old ones no longer work
    assert code_step(client, new[0]).status_code == 302


def test_cli_resets_a_lost_second_factor(app, client, users):
    login(client, "trainer")
    result = app.test_cli_runner().invoke(args=["users", "reset-two-factor", "trainer"])
    assert result.exit_code == 0, result.output
    user = fresh(users["trainer"].id)
    assert not user.two_factor_enabled and recovery_rows(user.id) == []
    assert not logged_in(client)  # its sessions ended
    r = post(client, "/account/login", {"username": "trainer", "password": PASSWORD})
    assert r.headers["Location"] == SETUP
    result = app.test_cli_runner().invoke(args=["users", "reset-two-factor", "ghost"])
    assert result.exit_code != 0 and "No user" in result.output


# ---- configuration --------------------------------------------------------------------------


def test_required_roles_setting_is_checked_at_start(tmp_path, monkeypatch):
    from flask import Flask

    from training.config import load_config

    def loaded(**overrides):
        app = Flask("roles", instance_path=str(tmp_path), instance_relative_config=True)
        load_config(app, {"ENVIRONMENT": "testing", **overrides})
        return app.config["TWO_FACTOR_REQUIRED_ROLES"]

    monkeypatch.delenv("TRAINING_TWO_FACTOR_REQUIRED_ROLES", raising=False)
    assert loaded() == ("trainer", "organizer", "admin")
    assert loaded(TWO_FACTOR_REQUIRED_ROLES="admin, organizer") == ("admin", "organizer")
    assert loaded(TWO_FACTOR_REQUIRED_ROLES=[]) == ()
    monkeypatch.setenv("TRAINING_TWO_FACTOR_REQUIRED_ROLES", '["admin"]')
    assert loaded() == ("admin",)
    monkeypatch.setenv("TRAINING_TWO_FACTOR_REQUIRED_ROLES", '["admins"]')
    with pytest.raises(SystemExit) as exc:
        from tests.conftest import extra_app

        extra_app(tmp_path)
    assert str(exc.value.code).startswith("Configuration error: TWO_FACTOR_REQUIRED_ROLES")


def test_enrolment_shows_only_itself_offers_the_app_link_and_leads_on(client, make_user):
    make_user("onward", Role.TRAINER, org="north", two_factor=False)
    english(client)
    post(client, "/account/login", {"username": "onward", "password": PASSWORD})
    r = client.get("/author/")
    assert r.headers["Location"] == SETUP + "?next=/author/"
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    menu = page.split('aria-label="Main menu"')[1].split("</nav>")[0]
    assert "/author/" not in menu and "/notifications/" not in menu  # links that would bounce
    assert 'href="otpauth://totp/' in page
    assert 'action="/account/two-factor/setup?next=/author/"' in page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    code = pyotp.TOTP(secret).now()
    done = post_on(client, SETUP + "?next=/author/", {"code": code}).get_data(as_text=True)
    assert 'href="/author/">I have saved them, continue' in done
