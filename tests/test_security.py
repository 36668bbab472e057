"""Security baseline: headers, CSRF, no state change on GET, cookies, error pages, limits."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.conftest import PASSWORD, login, post
from training.accounts.models import User
from training.extensions import db
from training.security import BASELINE_HEADERS, CONTENT_SECURITY_POLICY, is_safe_next


def test_every_response_carries_the_security_headers(client):
    for path in ("/", "/account/login", "/no-such-page"):
        headers = client.get(path).headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "camera=()" in headers["Permissions-Policy"]
        for name, _value in BASELINE_HEADERS:
            assert len(headers.getlist(name)) == 1, name
        assert "Strict-Transport-Security" not in headers  # tests run on plain http


def test_csp_allows_no_inline_script_and_no_other_origin():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY


def test_pages_load_nothing_from_elsewhere_and_have_no_inline_script(login_as, client, users):
    paths = ["/", "/account/login", "/account/register"]
    for who in ("admin",):
        login_as(who)
        paths += ["/account/", "/account/password", "/organizations/", "/admin/users"]
    for path in paths:
        page = client.get(path).get_data(as_text=True)
        assert "<script" not in page, path
        assert " style=" not in page, path
        for url in re.findall(r'(?:src|href|action)="([^"]+)"', page):
            assert url.startswith(("/", "#")), (path, url)


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, org_tree):
    r = client.post(
        "/account/register",
        data={"username": "sneaky", "password": "long-enough-pw", "confirm": "long-enough-pw"},
    )
    assert r.status_code == 400
    assert "отправлена не с этого сайта" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.id).where(User.username == "sneaky")) is None


def test_post_with_a_token_from_another_session_is_refused(app, client, users):
    stranger = app.test_client()
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', stranger.get("/account/login").get_data(True)
    )
    login(client, "learner")
    r = client.post("/account/logout", data={"csrf_token": token.group(1)})
    assert r.status_code == 400
    assert client.get("/account/").status_code == 200  # still logged in


def test_state_changing_routes_refuse_get(login_as, users, org_tree):
    client = login_as("admin")
    for path in (
        "/account/logout",
        "/language",
        "/organizations/invites/1/revoke",
    ):
        assert client.get(path).status_code == 405, path


def test_session_cookie_flags(client, users):
    r = post(client, "/account/login", {"username": "learner", "password": PASSWORD})
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("training_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookie_is_secure(tmp_path):
    from cryptography.fernet import Fernet

    from tests.conftest import extra_app

    app = extra_app(
        tmp_path,
        ENVIRONMENT="production",
        SECRET_KEY="p" * 40,
        TWO_FACTOR_ENCRYPTION_KEYS=[Fernet.generate_key().decode()],
    )
    assert app.config["SESSION_COOKIE_SECURE"]
    response = app.test_client().get(
        "/account/login"
    )  # the login form puts a CSRF token in the session
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("training_session=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "Strict-Transport-Security" in response.headers


def test_oversized_request_gets_the_413_page(app, client, org_tree):
    too_big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    r = post(client, "/account/register", {"username": "big", "display_name": too_big})
    assert r.status_code == 413
    assert "Слишком большой объём" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.id).where(User.username == "big")) is None


def test_malformed_posts_give_clear_messages(client, org_tree):
    for data in (
        {"username": ["a", "b"], "password": "x"},  # repeated fields
        {"unexpected": "field"},
        {"username": "\x00\x01", "password": "\ufffd" * 5, "confirm": ""},
    ):
        r = post(client, "/account/register", data)
        assert r.status_code == 422
        assert 'aria-invalid="true"' in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_friendly_error_pages_in_both_languages(client):
    r = client.get("/definitely-missing")
    assert r.status_code == 404
    assert "Страница не найдена" in r.get_data(as_text=True)
    client.set_cookie("lang", "en")
    r = client.get("/definitely-missing")
    assert "Page not found" in r.get_data(as_text=True)
    assert client.post("/").status_code == 405


def test_unexpected_errors_show_the_500_page_and_roll_back(app, client, org_tree, monkeypatch):
    from training.accounts import services

    top_id = org_tree["top"].id  # read here: inside the request only the request's session runs

    def explode(*args, **kwargs):
        user = User(username="half-made", password_hash="x", organization_id=top_id)
        db.session.add(user)
        db.session.flush()
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "create_user", explode)
    r = post(
        client,
        "/account/register",
        {"username": "someone", "password": "long-enough-pw", "confirm": "long-enough-pw"},
    )
    assert r.status_code == 500
    assert "Что-то пошло не так" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.id).where(User.username == "half-made")) is None


def test_safe_next_rules():
    assert is_safe_next("/courses/1?tab=2")
    for bad in ("", None, "http://x.org", "//x.org", "/\\x.org", "\\\\x", "/\x00x", "x/y"):
        assert not is_safe_next(bad), bad
