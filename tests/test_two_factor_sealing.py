"""TOTP secrets at rest: sealed in the database and in backups, kept server-side while enrolling,
opened with any configured key and re-sealed with the newest by one command."""

from __future__ import annotations

import subprocess
import tarfile

import flask_migrate
import pyotp
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from tests.conftest import PASSWORD, SECRET_RE, login, post_on
from tests.test_backup import installation, run
from training.accounts import two_factor
from training.accounts.models import Role, User, UserSession
from training.accounts.services import create_user
from training.backup import _program
from training.extensions import db
from training.organizations.models import OrgKind
from training.organizations.services import create_organization

SETUP = "/account/two-factor/setup"


def stored(username: str) -> str:
    db.session.expire_all()
    return db.session.scalar(sa.select(User.totp_secret).where(User.username == username))


def cookie_contents(app, client) -> str:
    """The session cookie as sent, and what it decodes to (it is signed, not encrypted)."""
    raw = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    decoded = app.session_interface.get_signing_serializer(app).loads(raw)
    return raw + repr(decoded)


def enrol_through_the_pages(app, client, username: str) -> str:
    login(client, username)
    page = client.get(SETUP).get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    # The secret being enrolled lives on this login's server-side row, sealed; not in the cookie.
    assert secret not in cookie_contents(app, client)
    pending = db.session.scalars(sa.select(UserSession.pending_totp_secret)).all()
    sealed = [p for p in pending if p]
    assert len(sealed) == 1 and secret not in sealed[0]
    assert two_factor.open_secret(sealed[0]) == secret
    response = post_on(client, SETUP, {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    assert secret not in cookie_contents(app, client)
    return secret


def test_the_database_never_holds_the_plain_secret(app, client, users):
    secret = enrol_through_the_pages(app, client, "learner")
    column = stored("learner")
    assert secret not in column and column.startswith("gAAAAA")  # a Fernet token
    assert two_factor.open_secret(column) == secret
    # confirmed: the pending copy is gone from the session row
    assert db.session.scalars(sa.select(UserSession.pending_totp_secret)).all() == [None]
    # and nowhere in the database as text (every text column of every table)
    for table in db.metadata.sorted_tables:
        for column_ in table.columns:
            if isinstance(column_.type, sa.String):
                hits = db.session.scalar(sa.select(sa.func.count()).where(column_.contains(secret)))
                assert hits == 0, f"{table.name}.{column_.name} holds the secret"


def test_login_with_a_code_still_works(app, client, users):
    secret = enrol_through_the_pages(app, client, "learner")
    fresh = app.test_client()
    response = post_on(fresh, "/account/login", {"username": "learner", "password": PASSWORD})
    assert response.status_code == 302 and "/login/code" in response.location
    later = pyotp.TOTP(secret)
    step = later.timecode(two_factor.utcnow()) + 1  # a step the enrolment did not use
    code = later.generate_otp(step)
    response = post_on(fresh, "/account/login/code", {"code": code})
    assert response.status_code == 302
    assert fresh.get("/account/").status_code == 200


def test_a_new_key_first_keeps_old_secrets_readable_and_rotation_reseals(app, users, monkeypatch):
    old_keys = app.config["TWO_FACTOR_ENCRYPTION_KEYS"]
    with app.app_context():
        before = {name: stored(name) for name in ("trainer", "organizer", "admin")}
        secrets_ = {name: two_factor.open_secret(value) for name, value in before.items()}
    new = Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "TWO_FACTOR_ENCRYPTION_KEYS", (new, *old_keys))
    with app.app_context():  # both keys configured: old tokens open
        assert two_factor.open_secret(before["trainer"]) == secrets_["trainer"]
    result = run(app, "users", "rotate-two-factor-key")
    assert result.exit_code == 0, result.output
    assert "3 two-factor secrets sealed" in result.output
    monkeypatch.setitem(app.config, "TWO_FACTOR_ENCRYPTION_KEYS", (new,))  # the old key goes
    with app.app_context():
        for name, secret in secrets_.items():
            after = stored(name)
            assert after != before[name] and secret not in after
            assert two_factor.open_secret(after) == secret
            Fernet(new).decrypt(after.encode())  # sealed with the new key alone
        # a secret sealed with a removed key is a clear operator error, not a wrong code
        monkeypatch.setitem(app.config, "TWO_FACTOR_ENCRYPTION_KEYS", old_keys)
        with pytest.raises(RuntimeError, match="rotate-two-factor-key"):
            two_factor.open_secret(stored("trainer"))


def test_a_backup_holds_no_plain_secret(tmp_path):
    app = installation(tmp_path, "sealed")
    secret = pyotp.random_base32()
    with app.app_context(), app.test_request_context():
        flask_migrate.upgrade()
        top = create_organization("Профсоюз", OrgKind.FEDERAL, None)
        user = create_user("keeper", PASSWORD, top, roles={Role.TRAINER})
        code = pyotp.TOTP(secret).now()
        two_factor.enable_two_factor(user, secret, code)
        db.session.commit()
    archive = tmp_path / "backup.tar.gz"
    made = run(app, "backup", str(archive))
    assert made.exit_code == 0, made.output
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        names = {m.name for m in members}
        assert names & {"database.sqlite3", "database.pgdump"}
        for member in members:
            content = tar.extractfile(member).read()
            if member.name == "database.pgdump":  # compressed: read it back as SQL text
                dump = tmp_path / "database.pgdump"
                dump.write_bytes(content)
                with app.app_context():
                    program = _program("pg_restore")
                content = subprocess.run(
                    [program, "--data-only", "-f", "-", str(dump)],
                    check=True,
                    capture_output=True,
                ).stdout
                assert b"COPY public.users" in content
            assert secret.encode() not in content, member.name
    with app.app_context():
        db.engine.dispose()


def test_the_migration_seals_existing_secrets_and_its_downgrade_opens_them(tmp_path):
    app = installation(tmp_path, "migrated")
    plain = pyotp.random_base32()
    with app.app_context():
        try:
            _migrate_there_and_back(plain)
        finally:
            db.engine.dispose()


def _migrate_there_and_back(plain: str) -> None:
    """Up to the revision before, plain secrets in, up to the head, and back down."""
    flask_migrate.upgrade(revision="b7c4e1a9d2f3")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO organizations (id, name, kind, path, created_at)"
                " VALUES (1, 'Профсоюз', 'federal', '/1/', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO users (id, username, password_hash, display_name, email,"
                " organization_id, active, auth_version, created_at, totp_secret)"
                " VALUES (1, 'old', 'x', '', NULL, 1, TRUE, 1, CURRENT_TIMESTAMP, :s),"
                " (2, 'none', 'x', '', NULL, 1, TRUE, 1, CURRENT_TIMESTAMP, NULL)"
            ),
            {"s": plain},
        )
    flask_migrate.upgrade()
    with db.engine.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT username, totp_secret FROM users")).all())
    assert rows["none"] is None
    assert plain not in rows["old"] and two_factor.open_secret(rows["old"]) == plain
    flask_migrate.downgrade(revision="b7c4e1a9d2f3")
    with db.engine.connect() as conn:
        back = conn.execute(sa.text("SELECT totp_secret FROM users WHERE id = 1")).scalar()
    assert back == plain
