"""Registration, login, logout, password rules and the account pages."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from tests.conftest import PASSWORD, csrf_token, login, post
from training.accounts.models import Role, User
from training.db import utcnow
from training.extensions import db
from training.organizations.models import InviteCode


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def register(client, **fields):
    data = {
        "username": "aktivist",
        "password": "long-enough-password",
        "confirm": "long-enough-password",
        **fields,
    }
    return post(client, "/account/register", data)


def add_invite(org, **kwargs) -> InviteCode:
    invite = InviteCode(code=kwargs.pop("code", "ABCDE12345"), organization_id=org.id, **kwargs)
    db.session.add(invite)
    db.session.commit()
    return invite


# ---- registration ---------------------------------------------------------------------------


def test_register_with_invite_places_user_in_its_organization(client, org_tree):
    add_invite(org_tree["school"], max_uses=2)
    r = register(client, invite="abcde-12345", display_name="Анна", email="")
    assert r.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "aktivist"))
    assert user.organization_id == org_tree["school"].id
    assert user.roles == {Role.LEARNER}
    assert user.email is None  # e-mail is never required
    assert user.password_hash.startswith("pbkdf2:")  # hashed, never stored in clear
    assert db.session.scalar(sa.select(InviteCode.uses)) == 1
    assert "aktivist" in client.get("/account/").get_data(as_text=True)  # logged in


def test_register_without_invite_goes_to_the_top_organization(client, org_tree):
    assert register(client).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "aktivist"))
    assert user.organization_id == org_tree["top"].id


def test_register_normalises_username_case(client, org_tree):
    assert register(client, username="  АктиВист ").status_code == 302
    assert db.session.scalar(sa.select(User.username)) == "активист"


def test_registration_can_require_an_invite(app, client, org_tree, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRATION_REQUIRES_INVITE", True)
    client.set_cookie("lang", "en")
    r = register(client)
    assert r.status_code == 422
    assert "Registration needs an invite code" in r.get_data(as_text=True)
    assert user_count() == 0


def test_duplicate_username_is_refused_and_nothing_changes(client, users, org_tree):
    add_invite(org_tree["school"], max_uses=5)
    before = user_count()
    r = register(client, username="LEARNER", invite="ABCDE12345")
    assert r.status_code == 422
    assert "уже занято" in r.get_data(as_text=True)
    assert user_count() == before
    # the invite use taken before the failure was rolled back with it
    assert db.session.scalar(sa.select(InviteCode.uses)) == 0


def test_duplicate_email_is_refused(client, make_user):
    make_user("first", email="a@example.org")
    r = register(client, email="A@Example.org")
    assert r.status_code == 422
    assert user_count() == 1


def test_password_rules(client, org_tree):
    cases = {
        "short": "short1",
        "common": "qwerty123",
        "common-ru": "йцукен123",
        "same as username": "aktivist",
        "too long": "x" * 257 + "yz",
        "one character": "aaaaaaaaaaaa",
    }
    for case, password in cases.items():
        r = register(client, password=password, confirm=password)
        assert r.status_code == 422, case
        assert 'aria-invalid="true"' in r.get_data(as_text=True), case
    assert user_count() == 0
    # the longest allowed password works
    long_password = ("correct horse battery staple " * 9)[:256]
    assert register(client, password=long_password, confirm=long_password).status_code == 302


def test_mismatched_confirmation_and_bad_fields(client, org_tree):
    for fields in (
        {"confirm": "something-else-entirely"},
        {"username": "ab"},
        {"username": "has space"},
        {"username": "x" * 65},
        {"email": "not-an-email"},
        {"username": ""},
    ):
        r = register(client, **fields)
        assert r.status_code == 422, fields
        assert "errors" in r.get_data(as_text=True), fields
    assert user_count() == 0


def test_expired_used_up_withdrawn_and_unknown_invites(client, org_tree):
    school = org_tree["school"]
    add_invite(school, code="EXP0000000", expires_at=utcnow() - timedelta(days=1))
    add_invite(school, code="USED000000", max_uses=1, uses=1)
    add_invite(school, code="REV0000000", revoked_at=utcnow())
    messages = {
        "EXP0000000": "истёк",
        "USED000000": "максимальное число раз",
        "REV0000000": "отозван",
        "NOPE000000": "не найден",
    }
    for code, expected in messages.items():
        r = register(client, invite=code)
        assert r.status_code == 422
        assert expected in r.get_data(as_text=True).lower(), code
    assert user_count() == 0
    assert db.session.scalar(sa.select(InviteCode.uses).where(InviteCode.code == "USED000000")) == 1


def test_invite_code_prefilled_from_link(client, org_tree):
    page = client.get("/account/register?invite=ABCDE-12345").get_data(as_text=True)
    assert 'value="ABCDE-12345"' in page


# ---- login and logout -----------------------------------------------------------------------


def test_login_and_logout(client, users):
    login(client, "learner")
    assert client.get("/account/").status_code == 200
    r = post(client, "/account/logout")
    assert r.status_code == 302
    assert client.get("/account/").status_code == 302  # back to the login page


def test_logout_by_get_changes_nothing(client, users):
    login(client, "learner")
    assert client.get("/account/logout").status_code == 405
    assert client.get("/account/").status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_message(client, users):
    for username, password in (("learner", "wrong-password-1"), ("nobody", PASSWORD)):
        r = post(client, "/account/login", {"username": username, "password": password})
        assert r.status_code == 422
        assert "Неверное имя пользователя или пароль" in r.get_data(as_text=True)
    assert client.get("/account/").status_code == 302


def test_login_is_case_insensitive_and_records_time(client, users):
    login(client, "LeArNeR")
    assert db.session.get(User, users["learner"].id).last_login_at is not None


def test_blocked_user_cannot_log_in(client, users):
    user = db.session.get(User, users["learner"].id)
    user.active = False
    db.session.commit()
    r = post(client, "/account/login", {"username": "learner", "password": PASSWORD})
    assert r.status_code == 422


def test_login_redirects_only_to_local_next(client, users):
    for target, expected in (
        ("/account/password", "/account/password"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ):
        client.delete_cookie("training_session")
        r = post(
            client,
            "/account/login",
            {"username": "learner", "password": PASSWORD, "next": target},
        )
        assert r.status_code == 302
        assert r.headers["Location"] == expected, target


def test_protected_page_sends_visitor_to_login_and_back(client, users):
    r = client.get("/account/password")
    assert r.status_code == 302
    assert "/account/login?next=" in r.headers["Location"]


# ---- password change and sessions -----------------------------------------------------------


def test_change_password_logs_out_other_sessions(app, client, users):
    other = app.test_client()
    login(client, "learner")
    login(other, "learner")
    r = post(
        client,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a-new-long-pass",
            "confirm": "a-new-long-pass",
        },
    )
    assert r.status_code == 302
    assert client.get("/account/").status_code == 200  # this session goes on
    assert other.get("/account/").status_code == 302  # the other one has ended
    post(client, "/account/logout")
    login(client, "learner", "a-new-long-pass")


def test_change_password_refusals_change_nothing(client, users):
    login(client, "learner")
    old_hash = db.session.get(User, users["learner"].id).password_hash
    for data in (
        {"current_password": "wrong-password-1", "new_password": "a-new-long-pass"},
        {"current_password": PASSWORD, "new_password": "password"},
        {"current_password": PASSWORD, "new_password": "short"},
    ):
        data["confirm"] = data["new_password"]
        r = post(client, "/account/password", data)
        assert r.status_code == 422
        assert 'aria-invalid="true"' in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, users["learner"].id).password_hash == old_hash


def test_profile_update_and_duplicate_email(client, make_user):
    make_user("other", email="taken@example.org")
    make_user("myself")
    login(client, "myself")
    r = post(client, "/account/", {"display_name": "Мария"})
    assert r.status_code == 302
    # The address has its own page (just logged in, so no password is asked again).
    r = post(client, "/account/email", {"email": "taken@example.org"})
    assert r.status_code == 422
    assert "уже зарегистрирован" in r.get_data(as_text=True)
    me = db.session.scalar(sa.select(User).where(User.username == "myself"))
    assert me.display_name == "Мария"
    assert me.email is None


def test_forged_session_cookie_is_ignored(app, client, users):
    login(client, "learner")
    # An id with the wrong auth version (as after a password change elsewhere) loads nobody.
    with client.session_transaction() as session:
        session["_user_id"] = f"{users['learner'].id}:999"
    assert client.get("/account/").status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = "garbage"
    assert client.get("/account/").status_code == 302


def test_csrf_token_is_required(client, users):
    r = client.post("/account/login", data={"username": "learner", "password": PASSWORD})
    assert r.status_code == 400
    assert client.get("/account/").status_code == 302
    token = csrf_token(client)
    r = client.post(
        "/account/login", data={"username": "learner", "password": PASSWORD, "csrf_token": token}
    )
    assert r.status_code == 302


def test_register_marks_both_passwords_focuses_the_first_error_and_keeps_next(client, org_tree):
    from tests.conftest import csrf_token

    page = client.get("/account/login?next=/courses/").get_data(as_text=True)
    assert "/account/register?next=/courses/" in page
    token = csrf_token(client, "/account/register")
    r = client.post(
        "/account/register?next=/courses/",
        data={
            "csrf_token": token,
            "username": "novaia",
            "password": "odin-dva-tri-chetyre",
            "confirm": "drugoi-parol-sovsem",
        },
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert page.count('aria-invalid="true"') == 2  # both password fields
    assert re.search(
        r'<input[^>]*autofocus[^>]*name="password"|name="password"[^>]*autofocus', page
    )
    assert 'action="/account/register?next=/courses/"' in page
    r = client.post(
        "/account/register?next=/courses/",
        data={
            "csrf_token": token,
            "username": "novaia",
            "password": "odin-dva-tri-chetyre",
            "confirm": "odin-dva-tri-chetyre",
        },
    )
    assert r.status_code == 302 and r.headers["Location"] == "/courses/"
