"""Server-side sessions: the sessions page, logging out one or all others, timeouts, and the
ends that password changes, blocking and the shell bring.

Clients ask for English pages so that assertions read the messages as written in the code.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, count_queries, csrf_token, login, post
from training.accounts.models import User, UserSession
from training.accounts.sessions import device_hint
from training.db import utcnow
from training.extensions import db

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


def client_with(app, user_agent: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    client.set_cookie("lang", "en")
    return client


def rows_of(user_id: int) -> list[UserSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(UserSession.user_id == user_id)
            .order_by(UserSession.created_at)
        )
    )


def logged_in(client) -> bool:
    return client.get("/account/").status_code == 200


def move_back(row_id: str, **columns: timedelta) -> None:
    """Pretend time passed: move a session's timestamps into the past."""
    row = db.session.get(UserSession, row_id)
    for name, delta in columns.items():
        setattr(row, name, getattr(row, name) - delta)
    db.session.commit()


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (FIREFOX_ANDROID, ("Firefox", "Android")),
        (CHROME_WINDOWS, ("Chrome", "Windows")),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            ("Safari", "iOS"),
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/126.0.0.0 YaBrowser/24.6.0.0 Safari/537.36",
            ("Yandex Browser", "macOS"),
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            ("Edge", "Windows"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            ("Samsung Internet", "Android"),
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0",
            ("Opera", "Linux"),
        ),
        ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) Chrome/126.0.0.0", ("Chrome", "ChromeOS")),
        ("curl/8.5.0", ("", "")),
        ("", ("", "")),
    ],
)
def test_device_hint_is_coarse(user_agent, expected):
    assert device_hint(user_agent) == expected


def test_sessions_page_lists_both_clients(app, users):
    phone = client_with(app, FIREFOX_ANDROID)
    desktop = client_with(app, CHROME_WINDOWS)
    login(phone, "learner")
    login(desktop, "learner")
    page = desktop.get("/account/sessions").get_data(as_text=True)
    assert "Firefox on Android" in page and "Chrome on Windows" in page
    assert page.count("this device") == 1
    # On a phone the cells stack: the two dates of each row say which is which.
    assert page.count('data-label="Logged in at"') == page.count('data-label="Last used"') == 2
    rows = rows_of(users["learner"].id)
    assert len(rows) == 2
    # No address is kept: the row has only these columns.
    assert set(UserSession.__table__.columns.keys()) == {
        "id",
        "token_hash",
        "user_id",
        "created_at",
        "last_seen_at",
        "browser",
        "system",
        "pending_totp_secret",  # sealed, only while two-factor is being set up
        "reauthenticated_at",
    }


def test_cookie_holds_a_token_the_database_holds_only_its_hash(app, users):
    client = client_with(app, FIREFOX_ANDROID)
    login(client, "learner")
    with client.session_transaction() as session:
        token = session["sid"]
    row = rows_of(users["learner"].id)[0]
    assert len(token) >= 40 and row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.id, row.token_hash}


def test_logging_out_one_session_ends_it(app, users):
    phone = client_with(app, FIREFOX_ANDROID)
    desktop = client_with(app, CHROME_WINDOWS)
    login(phone, "learner")
    login(desktop, "learner")
    phone_row = next(r for r in rows_of(users["learner"].id) if r.browser == "Firefox")
    r = post(desktop, f"/account/sessions/{phone_row.id}/end")
    assert r.status_code == 302 and r.headers["Location"] == "/account/sessions"
    assert "That session has ended" in desktop.get("/account/sessions").get_data(as_text=True)
    r = phone.get("/account/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/account/login")
    assert logged_in(desktop)
    assert [row.browser for row in rows_of(users["learner"].id)] == ["Chrome"]


def test_logging_out_this_session_from_the_list(app, users):
    client = client_with(app, FIREFOX_ANDROID)
    login(client, "learner")
    row = rows_of(users["learner"].id)[0]
    r = post(client, f"/account/sessions/{row.id}/end")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert not logged_in(client)
    assert rows_of(users["learner"].id) == []


def test_another_accounts_session_cannot_be_ended(app, users):
    victim = client_with(app, FIREFOX_ANDROID)
    login(victim, "learner")
    victim_row = rows_of(users["learner"].id)[0]
    attacker = client_with(app, CHROME_WINDOWS)
    login(attacker, "trainer")
    for session_id in (victim_row.id, "no-such-session"):
        assert post(attacker, f"/account/sessions/{session_id}/end").status_code == 404
    assert victim_row.id not in attacker.get("/account/sessions").get_data(as_text=True)
    assert logged_in(victim)
    assert len(rows_of(users["learner"].id)) == 1


def test_ending_sessions_needs_post_and_csrf(app, users):
    client = client_with(app, FIREFOX_ANDROID)
    login(client, "learner")
    row = rows_of(users["learner"].id)[0]
    assert client.get(f"/account/sessions/{row.id}/end").status_code == 405
    assert client.post(f"/account/sessions/{row.id}/end").status_code == 400
    assert client.post("/account/sessions/end-others").status_code == 400
    assert logged_in(client)
    assert len(rows_of(users["learner"].id)) == 1


def test_log_out_all_other_sessions(app, users):
    clients = [client_with(app, ua) for ua in (FIREFOX_ANDROID, CHROME_WINDOWS, "curl/8")]
    for client in clients:
        login(client, "learner")
    keeper = clients[1]
    page = keeper.get("/account/sessions").get_data(as_text=True)
    assert "Unknown device" in page and "Log out all other sessions" in page
    r = post(keeper, "/account/sessions/end-others")
    assert r.status_code == 302
    assert "2 sessions ended" in keeper.get("/account/sessions").get_data(as_text=True)
    assert logged_in(keeper)
    assert not logged_in(clients[0]) and not logged_in(clients[2])
    assert [row.browser for row in rows_of(users["learner"].id)] == ["Chrome"]
    post(keeper, "/account/sessions/end-others")
    assert "There were no other sessions." in keeper.get("/account/sessions").get_data(as_text=True)


def two_sessions(app):
    """The learner logged in on a phone (here) and on a computer (there)."""
    here = client_with(app, FIREFOX_ANDROID)
    there = client_with(app, CHROME_WINDOWS)
    login(here, "learner")
    login(there, "learner")
    return here, there


def test_password_change_ends_the_other_sessions(app, users):
    here, there = two_sessions(app)
    r = post(
        here,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a-new-long-pass",
            "confirm": "a-new-long-pass",
        },
    )
    assert r.status_code == 302
    assert logged_in(here)
    assert not logged_in(there)
    assert [row.browser for row in rows_of(users["learner"].id)] == ["Firefox"]


def test_a_wrong_current_password_ends_nothing(app, users):
    here, there = two_sessions(app)
    r = post(
        here,
        "/account/password",
        {
            "current_password": "wrong-pass-1",
            "new_password": "a-new-long-pass",
            "confirm": "a-new-long-pass",
        },
    )
    assert r.status_code == 422
    assert logged_in(here) and logged_in(there)
    assert len(rows_of(users["learner"].id)) == 2


def test_idle_timeout(app, users):
    client = client_with(app, FIREFOX_ANDROID)
    login(client, "learner")
    row = rows_of(users["learner"].id)[0]
    idle = timedelta(seconds=app.config["SESSION_IDLE_TIMEOUT"])
    move_back(row.id, last_seen_at=idle - timedelta(minutes=1), created_at=idle)
    assert logged_in(client)  # not quite idle long enough; this use starts the clock again
    assert rows_of(users["learner"].id)[0].last_seen_at > utcnow() - timedelta(minutes=1)
    move_back(row.id, last_seen_at=idle + timedelta(minutes=1))
    r = client.get("/account/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/account/login")
    assert rows_of(users["learner"].id) == []  # the dead row is gone
    assert not logged_in(client)


def test_absolute_timeout(app, users):
    client = client_with(app, FIREFOX_ANDROID)
    login(client, "learner")
    row = rows_of(users["learner"].id)[0]
    absolute = timedelta(seconds=app.config["SESSION_ABSOLUTE_TIMEOUT"])
    move_back(row.id, created_at=absolute - timedelta(minutes=1))
    assert logged_in(client)  # in use all along, younger than the limit
    move_back(row.id, created_at=timedelta(minutes=2))
    assert not logged_in(client)
    assert rows_of(users["learner"].id) == []


def test_tiny_timeouts_from_the_configuration(tmp_path):
    """An app configured with a 2-second idle timeout logs a quiet browser out."""
    import flask_migrate

    from tests.conftest import FreshContextClient, extra_app
    from training.accounts.models import Role
    from training.accounts.services import create_user
    from training.organizations.models import OrgKind
    from training.organizations.services import create_organization

    app = extra_app(
        tmp_path,
        SESSION_IDLE_TIMEOUT=2,
        SESSION_ABSOLUTE_TIMEOUT=60,
        SESSION_TOUCH_INTERVAL=0,
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1",
        SECRET_KEY="test-secret-key-not-for-production",
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        flask_migrate.upgrade()
    with app.test_request_context():
        top = create_organization("Top", OrgKind.FEDERAL, None)
        create_user("quiet", PASSWORD, top, roles={Role.LEARNER})
        db.session.commit()
    client = app.test_client()
    with app.app_context():
        login(client, "quiet")
        assert logged_in(client)
        row = db.session.scalar(sa.select(UserSession))
        row.last_seen_at = utcnow() - timedelta(seconds=3)
        db.session.commit()
        assert not logged_in(client)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
        db.session.remove()
        db.engine.dispose()


def test_last_seen_is_written_at_most_every_few_minutes(app, users):
    client = client_with(app, FIREFOX_ANDROID)
    login(client, "learner")
    row = rows_of(users["learner"].id)[0]
    move_back(row.id, last_seen_at=timedelta(minutes=1), created_at=timedelta(minutes=1))
    before = rows_of(users["learner"].id)[0].last_seen_at
    client.get("/account/")
    assert rows_of(users["learner"].id)[0].last_seen_at == before  # read without a write
    move_back(row.id, last_seen_at=timedelta(seconds=app.config["SESSION_TOUCH_INTERVAL"]))
    client.get("/account/")
    assert rows_of(users["learner"].id)[0].last_seen_at > utcnow() - timedelta(minutes=1)


def test_keep_me_logged_in_only_keeps_the_cookie(app, users):
    client = client_with(app, FIREFOX_ANDROID)
    r = post(client, "/account/login", {"username": "learner", "password": PASSWORD})
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("training_session="))
    assert "Expires=" not in cookie  # gone when the browser closes
    post(client, "/account/logout")
    r = post(
        client, "/account/login", {"username": "learner", "password": PASSWORD, "remember": "y"}
    )
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("training_session="))
    assert "Expires=" in cookie
    assert not any(c.startswith("remember_token=") for c in r.headers.getlist("Set-Cookie"))
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(
        seconds=app.config["SESSION_ABSOLUTE_TIMEOUT"]
    )


def test_a_cookie_without_a_session_row_is_logged_out(app, users):
    client = client_with(app, FIREFOX_ANDROID)
    login(client, "learner")
    with client.session_transaction() as session:
        session["sid"] = "forged-token"
    assert not logged_in(client)
    with client.session_transaction() as session:
        assert "sid" not in session and "_user_id" not in session  # the cookie forgets it


def test_a_session_row_of_another_user_does_not_log_in_as_them(app, users):
    mine = client_with(app, FIREFOX_ANDROID)
    login(mine, "learner")
    with mine.session_transaction() as session:
        session["_user_id"] = f"{users['admin'].id}:1"  # someone else's id, my own token
    assert not logged_in(mine)


def test_logout_deletes_the_row(app, users):
    client = client_with(app, FIREFOX_ANDROID)
    login(client, "learner")
    assert len(rows_of(users["learner"].id)) == 1
    post(client, "/account/logout")
    assert rows_of(users["learner"].id) == []


def test_blocking_and_shell_password_reset_end_every_session(app, login_as, users, org_tree):
    learner = client_with(app, FIREFOX_ANDROID)
    login(learner, "learner")
    trainer = client_with(app, CHROME_WINDOWS)
    login(trainer, "trainer")
    admin = login_as("admin")
    post(
        admin,
        f"/admin/users/{users['learner'].id}",
        {"roles": ["learner"], "organization": org_tree["school"].id},
    )
    assert rows_of(users["learner"].id) == [] and not logged_in(learner)
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", "trainer"], input="brand-new-secret\n"
    )
    assert result.exit_code == 0, result.output
    assert rows_of(users["trainer"].id) == [] and not logged_in(trainer)


def test_shell_purges_expired_sessions(app, users):
    fresh_client = client_with(app, FIREFOX_ANDROID)
    stale_client = client_with(app, CHROME_WINDOWS)
    login(fresh_client, "learner")
    login(stale_client, "trainer")
    stale = rows_of(users["trainer"].id)[0]
    move_back(stale.id, last_seen_at=timedelta(days=365), created_at=timedelta(days=365))
    result = app.test_cli_runner().invoke(args=["users", "purge-sessions"])
    assert result.exit_code == 0 and "Deleted 1 expired sessions" in result.output
    assert rows_of(users["trainer"].id) == []
    assert len(rows_of(users["learner"].id)) == 1


def test_a_new_login_clears_the_accounts_expired_sessions(app, users):
    old = client_with(app, FIREFOX_ANDROID)
    login(old, "learner")
    move_back(
        rows_of(users["learner"].id)[0].id,
        last_seen_at=timedelta(days=365),
        created_at=timedelta(days=365),
    )
    login(client_with(app, CHROME_WINDOWS), "learner")
    assert [row.browser for row in rows_of(users["learner"].id)] == ["Chrome"]
    assert db.session.get(User, users["learner"].id).last_login_at is not None


def test_logging_in_gives_a_new_csrf_secret(client, users):
    """A token from before the login, which someone else may have seen, is refused after it."""
    before = csrf_token(client, "/account/login")
    login(client, "learner")
    after = csrf_token(client)
    assert after != before
    stale = client.post("/account/logout", data={"csrf_token": before})
    assert stale.status_code == 400
    assert logged_in(client)
    fresh = client.post("/account/logout", data={"csrf_token": after})
    assert fresh.status_code == 302 and not logged_in(client)


def test_session_account_and_roles_load_in_one_statement(app, login_as, users):
    # A trainer with two-factor: the enforcement hook reads the account on every request and
    # must find it (and its roles) already loaded by the session's statement.
    client = login_as("trainer")
    client.get("/privacy")
    with count_queries() as statements:
        response = client.get("/privacy")
    assert response.status_code == 200
    accounts = [s for s in statements if re.search(r"\b(user_sessions|users|user_roles)\b", s)]
    assert len(accounts) == 1, "\n".join(statements)
    assert "JOIN users" in accounts[0] and "JOIN user_roles" in accounts[0]
    # The roles came with it: the header shows the trainer's own link.
    assert 'href="/author/' in response.get_data(as_text=True)


def test_the_cookie_serializer_is_kept_and_a_rotated_key_takes_effect_at_once(app, users):
    """The session cookie's serializer is built once per key set (training.web.SessionCookie),
    yet a new SECRET_KEY applies on the next request: old cookies then open no session unless
    the old key is among SECRET_KEY_FALLBACKS."""
    client = app.test_client()
    login(client, users["learner"].username)
    interface = app.session_interface
    kept = interface.get_signing_serializer(app)
    assert client.get("/account/sessions").status_code == 200
    assert interface.get_signing_serializer(app) is kept
    old = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-secret-key-for-this-test-only-0123456789"
    assert client.get("/account/sessions").status_code == 302  # to the login page
    login(client, users["learner"].username)
    app.config["SECRET_KEY"] = "a-third-secret-key-for-this-test-only-0123456789"
    app.config["SECRET_KEY_FALLBACKS"] = ["another-secret-key-for-this-test-only-0123456789"]
    assert client.get("/account/sessions").status_code == 200  # signed with a fallback key
    assert interface.get_signing_serializer(app) is not kept
    app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = old, []


def test_a_remembered_cookie_still_expires_and_a_changed_one_is_checked_again(
    app, users, monkeypatch
):
    """Checked session cookies are remembered per worker (training.web.SessionCookie), yet
    a cookie past the session lifetime opens nothing and a tampered one is refused."""
    import time as clock

    client = app.test_client()
    login(client, users["learner"].username)
    assert client.get("/account/sessions").status_code == 200  # the first page adds the CSRF token
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert client.get("/account/sessions").status_code == 200
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value == cookie  # as browsers do
    _keys, _serializer, checked = app.session_interface._kept(app)
    assert cookie in checked  # remembered after its first check
    # The signature's first character changed: checked again, and refused. (Not its last:
    # the last base64 character also carries padding bits, so changing it may decode to the
    # same bytes and leave the signature valid, which made this test fail now and then.)
    head, _dot, signature = cookie.rpartition(".")
    tampered = f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], tampered)
    assert client.get("/account/sessions").status_code == 302
    assert tampered not in checked
    # The remembered cookie, once the lifetime has passed, opens no session either.
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    assert client.get("/account/sessions").status_code == 200
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = clock.time() + lifetime + 5
    monkeypatch.setattr("training.web.time.time", lambda: later)
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    assert client.get("/account/sessions").status_code == 302


def test_cookies_holding_more_than_plain_values_are_not_remembered(app, users):
    """A half-finished two-factor login keeps a dict in the cookie: each request decodes its
    own copy, so nothing one request changes in it can leak into another."""
    from training.web import SessionCookie

    interface = SessionCookie()
    serializer = interface.get_signing_serializer(app)
    plain = serializer.dumps({"sid": "x", "_fresh": True})
    nested = serializer.dumps({"pending": {"user_id": 1}})
    for value in (plain, nested):
        name = app.config["SESSION_COOKIE_NAME"]
        with app.test_request_context(headers={"Cookie": f"{name}={value}"}):
            from flask import request

            opened = interface.open_session(app, request)
            assert opened is not None and dict(opened)
    _keys, _serializer, checked = interface._kept(app)
    assert plain in checked and nested not in checked
