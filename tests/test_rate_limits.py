"""Login and registration are rate-limited per IP and per account, with a clear 429 page."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, post
from training.accounts.models import User
from training.config import Defaults
from training.extensions import db


@pytest.fixture
def shipped_limits(app, monkeypatch):
    """Put the limits a real installation ships with back in place for one test."""
    for name in ("LOGIN_LIMIT_PER_IP", "LOGIN_LIMIT_PER_ACCOUNT", "REGISTER_LIMIT_PER_IP"):
        monkeypatch.setitem(app.config, name, getattr(Defaults, name))


def try_login(client, username, password="wrong-password-1", ip="203.0.113.7"):
    return post(
        client,
        "/account/login",
        {"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_failed_logins_are_limited_per_account_and_address(client, users, shipped_limits):
    # 5 per minute per (account, address): the sixth try from that address is refused...
    for _attempt in range(5):
        assert try_login(client, "learner", ip="198.51.100.7").status_code == 422
    r = try_login(client, "learner", password=PASSWORD, ip="198.51.100.7")
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "60"  # the limit's window: the longest the wait can be
    assert not any(name.startswith("X-RateLimit") for name, _value in r.headers)
    assert "Слишком много попыток" in r.get_data(as_text=True)
    # ...but the owner elsewhere is not locked out (tests/test_login_limits.py has the rest),
    assert try_login(client, "learner", password=PASSWORD, ip="198.51.100.99").status_code == 302
    post(client, "/account/logout")
    # and other accounts are not affected.
    assert try_login(client, "trainer", password=PASSWORD, ip="198.51.100.7").status_code == 302


def test_successful_logins_do_not_count_against_the_account(client, users, shipped_limits):
    for attempt in range(8):
        r = try_login(client, "learner", password=PASSWORD, ip=f"198.51.100.{attempt}")
        assert r.status_code == 302
        post(client, "/account/logout")


def test_one_address_trying_many_accounts_is_limited(client, users, shipped_limits):
    for n in range(20):
        assert try_login(client, f"guess{n}").status_code == 422
    assert try_login(client, "someone-else").status_code == 429


def test_registration_is_limited_per_address(client, org_tree, shipped_limits):
    for n in range(5):
        r = post(
            client,
            "/account/register",
            {"username": f"bot{n}", "password": "long-enough-pw", "confirm": "long-enough-pw"},
        )
        assert r.status_code == 302
        post(client, "/account/logout")
    r = post(
        client,
        "/account/register",
        {"username": "bot-extra", "password": "long-enough-pw", "confirm": "long-enough-pw"},
    )
    assert r.status_code == 429
    assert db.session.scalar(sa.select(User.id).where(User.username == "bot-extra")) is None


def test_pages_themselves_are_not_limited(client, shipped_limits):
    for _ in range(30):
        assert client.get("/account/login").status_code == 200


def test_behind_a_trusted_proxy_limits_key_on_the_forwarded_address(tmp_path):
    from flask_limiter.util import get_remote_address

    from tests.conftest import extra_app

    app = extra_app(tmp_path, TRUSTED_PROXIES=1)
    seen = []

    @app.get("/_addr")
    def _addr():
        from flask import request

        seen.append((request.remote_addr, get_remote_address()))
        return "ok"

    app.test_client().get(
        "/_addr",
        headers={"X-Forwarded-For": "192.0.2.44"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert seen == [("192.0.2.44", "192.0.2.44")]


# A worker of its own: Flask-Limiter keeps one state for the process (its `enabled` flag and
# storage), which an app made here with limits off would change for every later test.
LIMITS_OFF = """
import json, sys
from app import create_app
from training.accounts.services import create_user
from training.extensions import db
from training.organizations.models import OrgKind
from training.organizations.services import create_organization

app = create_app({"ENVIRONMENT": "testing", "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
                  "SQLALCHEMY_DATABASE_URI": sys.argv[1], "RATELIMIT_ENABLED": False,
                  "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"})
with app.app_context():
    db.create_all()
    create_user("learner", "right-password-1", create_organization("P", OrgKind.FEDERAL, None))
    db.session.commit()
client = app.test_client()
tries = [("learner", "wrong-password-1")] * 12 + [("learner", "right-password-1")]
print(json.dumps([client.post("/account/login", data={"username": name, "password": word})
                  .status_code for name, word in tries]))
"""


def test_with_rate_limits_switched_off_logins_are_neither_limited_nor_broken(tmp_path):
    url = f"sqlite:///{tmp_path / 'limits-off.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", LIMITS_OFF, url],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    statuses = json.loads(done.stdout.strip().splitlines()[-1])
    # No 429 from the per-address limit, no wait from the account's delay (past its five free
    # failures), and no 500 from the delay's counters, which have no storage then.
    assert statuses == [422] * 12 + [302], done.stderr[-2000:]
