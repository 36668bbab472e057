"""Shared fixtures: one app per test session, one rolled-back transaction per test.

Set TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run the suite on
PostgreSQL; each xdist worker then gets its own database next to that one. TEST_REDIS_URL sends
rate limits to Redis, one Redis database per worker.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import flask_migrate
import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import orm

from app import create_app
from tests.mail_helpers import Mailbox, smtp_server
from tests.two_factor_state import RECOVERY_CODES  # for logins that run out of TOTP steps
from training.accounts.models import Role, User, normalise_username
from training.accounts.services import create_user
from training.accounts.two_factor import enable_two_factor, open_secret, two_factor_required
from training.db import Clock, utcnow
from training.db import clock as platform_clock
from training.errors import ServiceError
from training.extensions import db, limiter
from training.organizations.models import Organization, OrgKind
from training.organizations.services import create_organization

PASSWORD = "correct-horse-battery"
FAST_HASH = "pbkdf2:sha256:1"  # tests only: real installs use scrypt


def worker_number(worker_id: str) -> int:
    """0 for a plain run, n for xdist's gw<n>."""
    return int(worker_id[2:]) if worker_id.startswith("gw") else 0


def make_database(name_suffix: str, tmp_dir: Path) -> str:
    """A fresh, empty database for this worker: a SQLite file, or a PostgreSQL database."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_dir / f'{name_suffix}.sqlite3'}"
    from training.config import normalise_database_url

    base = sa.make_url(normalise_database_url(url))
    name = f"{base.database}_{name_suffix}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def rate_limit_storage(worker: int) -> str:
    """memory://, or this worker's own Redis database when TEST_REDIS_URL is set."""
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        return "memory://"
    return f"{redis_url.rstrip('/').rsplit('/', 1)[0]}/{1 + worker % 15}"


def extra_app(tmp_path: Path, **overrides: Any) -> Flask:
    """Another app with other settings (production, proxies...) on its own SQLite file.

    Flask-Limiter keeps a single storage for its one Limiter object, re-bound by every
    create_app, so extra apps must point at the suite's storage to leave it in place.
    """
    worker = worker_number(os.environ.get("PYTEST_XDIST_WORKER", "master"))
    settings = {
        "ENVIRONMENT": "testing",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'extra.sqlite3'}",
        "INSTANCE_ID_FILE": str(tmp_path / "instance-id"),
        "RATELIMIT_STORAGE_URI": rate_limit_storage(worker),
        **overrides,
    }
    return create_app(settings)


def app_config(database_uri: str, worker: int, mail_port: int = 0) -> dict[str, Any]:
    """Settings for a test app; tests never mutate config after creation.

    Mail goes to the suite's own SMTP server (tests/mail_helpers.py) on `mail_port`; tests
    deliver the outbox themselves (`deliver_due`), so nothing is sent from a background thread.
    """
    storage = rate_limit_storage(worker)
    return {
        "ENVIRONMENT": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "RATELIMIT_STORAGE_URI": storage,
        "SESSION_COOKIE_SECURE": False,
        # Generous limits so ordinary tests never trip them; tests/test_rate_limits.py
        # puts the shipped defaults back and proves they hold.
        "LOGIN_LIMIT_PER_IP": "10000 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "10000 per minute",
        "REGISTER_LIMIT_PER_IP": "10000 per minute",
        "TWO_FACTOR_LIMIT_PER_IP": "10000 per minute",
        "TWO_FACTOR_LIMIT_PER_ACCOUNT": "10000 per minute",
        "EXPORT_LIMIT_PER_ACCOUNT": "10000 per minute",
        "DELETE_LIMIT_PER_ACCOUNT": "10000 per minute",
        "RESET_LIMIT_PER_IP": "10000 per minute",
        "RESET_LIMIT_PER_ACCOUNT": "10000 per minute",
        "RESET_CODE_LIMIT_PER_ACCOUNT": "10000 per minute",
        "RESET_CODE_ISSUE_LIMIT": "10000 per minute",
        "EMAIL_CHANGE_LIMIT_PER_ACCOUNT": "10000 per minute",
        "MAIL_BACKEND": "smtp",
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": mail_port,
        "MAIL_SECURITY": "none",
        "MAIL_SENDER": "Профсоюзная школа <school@example.org>",
        "MAIL_TIMEOUT": 5,
        "MAIL_SEND_AFTER_COMMIT": False,
    }


class FreshContextClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Tests keep an app context open to use the database; without this, requests would
    reuse it and share `g` (CSRF token cache, logged-in user) and the database session.
    """

    def open(self, *args: Any, **kwargs: Any):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def worker() -> int:
    return worker_number(os.environ.get("PYTEST_XDIST_WORKER", "master"))


@pytest.fixture(scope="session")
def smtp() -> Iterator[Mailbox]:
    """This test process's local SMTP server (aiosmtpd), for every test that sends mail."""
    with smtp_server() as box:
        yield box


@pytest.fixture
def mailbox(smtp: Mailbox) -> Iterator[Mailbox]:
    """The local SMTP server, emptied and accepting, for one test."""
    smtp.reset()
    yield smtp
    smtp.reset()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory, worker: int, smtp: Mailbox) -> Iterator[Flask]:
    """The app under test, its schema built by the real migrations."""
    folder = tmp_path_factory.mktemp("db")
    uri = make_database(f"w{worker}", folder)
    settings = app_config(uri, worker, smtp.port)
    settings["INSTANCE_ID_FILE"] = str(folder / "instance-id")
    settings["CERTIFICATE_PDF_DIR"] = str(folder / "certificate-pdfs")
    application = create_app(settings)
    application.test_client_class = FreshContextClient
    with application.app_context():
        flask_migrate.upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def database(app: Flask) -> Iterator[None]:
    """Run the test inside one outer transaction that is rolled back afterwards.

    Every session the app opens joins the connection through a SAVEPOINT, so views may
    commit as they do in production and the next test still starts from an empty database.
    """
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        factory = orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        db.session = orm.scoped_session(factory, scopefunc=original.registry.scopefunc)
        limiter.reset()
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def ctx(app: Flask, database: None) -> Iterator[None]:
    """An app and request context for calling services directly."""
    with app.test_request_context():
        yield


@pytest.fixture
def client(app: Flask, database: None) -> FlaskClient:
    return app.test_client()


# ---- factories ------------------------------------------------------------------------------


@pytest.fixture
def org_tree(app: Flask, database: None) -> dict[str, Organization]:
    """A small tree: federal > two regions > a local each > a primary each."""
    with app.test_request_context():
        top = create_organization("Федеральная", OrgKind.FEDERAL, None)
        north = create_organization("Северная", OrgKind.REGIONAL, top)
        south = create_organization("Южная", OrgKind.REGIONAL, top)
        north_local = create_organization("Приморская", OrgKind.LOCAL, north)
        south_local = create_organization("Степная", OrgKind.LOCAL, south)
        school = create_organization("Школа № 1", OrgKind.PRIMARY, north_local)
        college = create_organization("Колледж", OrgKind.PRIMARY, south_local)
        db.session.commit()
        return {
            "top": top,
            "north": north,
            "south": south,
            "north_local": north_local,
            "south_local": south_local,
            "school": school,
            "college": college,
        }


def enrol_two_factor(user: User) -> str:
    """Turn two-factor on for `user` through the real service, as the enrolment page does.

    The confirming code is the previous time step's, so the current and next steps stay
    free for the logins that follow. Returns the secret.
    """
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    for _attempt in range(2):  # a 30-second boundary may pass in between: try once more
        code = totp.generate_otp(totp.timecode(utcnow()) - 1)
        try:
            codes = enable_two_factor(user, secret, code)
        except ServiceError:  # refused before changing anything
            continue
        RECOVERY_CODES[user.username] = codes
        return secret
    raise AssertionError("could not enrol two-factor")


@pytest.fixture
def make_user(app: Flask, org_tree: dict[str, Organization]):
    """Factory: make_user("name", Role.TRAINER, org="north") with the shared test password.

    Staff (roles in TWO_FACTOR_REQUIRED_ROLES) are enrolled in two-factor authentication,
    as the platform requires; pass two_factor=False for one who has not enrolled yet, or
    two_factor=True to enrol a learner.
    """

    def factory(
        username: str,
        *roles: Role,
        org: str = "school",
        two_factor: bool | None = None,
        **kwargs: Any,
    ) -> User:
        with app.test_request_context():
            user = create_user(
                username,
                PASSWORD,
                db.session.merge(org_tree[org]),
                roles={Role.LEARNER, *roles},
                **kwargs,
            )
            if two_factor is None:
                two_factor = two_factor_required(user)
            if two_factor:
                enrol_two_factor(user)
            db.session.commit()
            return user

    return factory


@pytest.fixture
def users(make_user) -> dict[str, User]:
    """One account per role: learner (school), trainer and organizer (north), admin (top)."""
    return {
        "learner": make_user("learner"),
        "trainer": make_user("trainer", Role.TRAINER, org="north"),
        "organizer": make_user("organizer", Role.ORGANIZER, org="north"),
        "admin": make_user("admin", Role.ADMIN, org="top"),
    }


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str | None = None) -> str:
    """The CSRF token of the client's session, read from a page as a browser would: `path`,
    else the home page (a logged-in header's forms), else the login form (a visitor's pages
    carry no token of their own)."""
    for page in [path] if path else ["/", "/account/login"]:
        match = CSRF_RE.search(client.get(page).get_data(as_text=True))
        if match:
            return match.group(1)
    raise AssertionError(f"no CSRF token on {path or 'the home or login page'}")


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any):
    """POST a form with a valid CSRF token, like a browser submitting the page's form."""
    payload = {"csrf_token": csrf_token(client), **(data or {})}
    return client.post(path, data=payload, **kwargs)


SECRET_RE = re.compile(r'<code class="secret" id="totp-secret">([A-Z2-7 ]+)</code>')
RECOVERY_RE = re.compile(r"<li><code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code></li>")


def post_on(client: FlaskClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any):
    """POST to `path` with the CSRF token read from that same page (for pages a user is
    confined to, such as two-factor enrolment)."""
    payload = {"csrf_token": csrf_token(client, path), **(data or {})}
    return client.post(path, data=payload, **kwargs)


def second_factor_code(username: str) -> str:
    """A code the server will accept now: a fresh TOTP step, else an unused recovery code."""
    secret, last_step = db.session.execute(
        sa.select(User.totp_secret, User.totp_last_step).where(User.username == username)
    ).one()
    assert secret, f"{username} has no two-factor secret"
    totp = pyotp.TOTP(open_secret(secret))
    now = totp.timecode(utcnow())
    for step in (now, now + 1):  # the server accepts one step of drift either way
        if last_step is None or step > last_step:
            return totp.generate_otp(step)
    codes = RECOVERY_CODES.get(username)
    assert codes, f"{username}: no fresh time step and no recovery code left"
    return codes.pop()


def enrol_on_page(client: FlaskClient, username: str):
    """Enrol through the enrolment page: read the key shown, answer with its current code."""
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    match = SECRET_RE.search(page)
    assert match, "no key on the enrolment page"
    secret = match.group(1).replace(" ", "")
    response = post_on(client, "/account/two-factor/setup", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.get_data(as_text=True)
    RECOVERY_CODES[username] = RECOVERY_RE.findall(response.get_data(as_text=True))
    assert len(RECOVERY_CODES[username]) == 10
    return response


def login(client: FlaskClient, username: str, password: str = PASSWORD):
    """Log the client in through the real login form, and the code step when the account
    has two-factor (a staff account without it enrols on the enrolment page)."""
    response = post(client, "/account/login", {"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    username = normalise_username(username)
    if response.headers["Location"] == "/account/login/code":
        response = post(client, "/account/login/code", {"code": second_factor_code(username)})
        assert response.status_code == 302, response.get_data(as_text=True)
    if response.headers["Location"] == "/account/two-factor/setup":
        enrol_on_page(client, username)
    return response


@pytest.fixture
def login_as(client: FlaskClient, users: dict[str, User]):
    """login_as("admin") logs the test client in as that demo-like account."""

    def do(name: str) -> FlaskClient:
        login(client, users[name].username)
        return client

    return do


@pytest.fixture
def clock() -> Iterator[Clock]:
    """The platform's clock, for a test to move on instead of sleeping; put back afterwards."""
    try:
        yield platform_clock
    finally:
        platform_clock.reset()


@contextmanager
def count_queries():
    """Count SQL statements sent to the database while the block runs."""
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


@contextmanager
def app_on_own_database(
    tmp_path: Path, mail_port: int, name: str, **config: Any
) -> Iterator[Flask]:
    """An app on a migrated database of its own (no shared test connection), for race tests
    whose threads must each hold a real connection; disposed afterwards."""
    worker = worker_number(os.environ.get("PYTEST_XDIST_WORKER", "master"))
    uri = make_database(f"w{worker}_{name}", tmp_path)
    app = create_app({**app_config(uri, worker, mail_port), **config})
    app.test_client_class = FreshContextClient
    with app.app_context():
        flask_migrate.upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
