"""Administrators assign roles and organizations; nobody else can."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import login, post
from training.accounts.models import Role, User
from training.extensions import db


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_admin_assigns_roles_and_organization(login_as, users, org_tree):
    client = login_as("admin")
    learner = users["learner"]
    r = post(
        client,
        f"/admin/users/{learner.id}",
        {"roles": ["trainer", "organizer"], "organization": org_tree["south"].id, "active": "y"},
    )
    assert r.status_code == 302
    learner = fresh(learner)
    assert learner.roles == {Role.LEARNER, Role.TRAINER, Role.ORGANIZER}
    assert learner.organization_id == org_tree["south"].id


def test_roles_are_data(ctx, users):
    rows = db.session.execute(sa.text("SELECT role FROM user_roles ORDER BY role")).scalars().all()
    assert set(rows) == {"admin", "learner", "organizer", "trainer"}


def test_user_list_search_and_filter(login_as, users):
    client = login_as("admin")
    page = client.get("/admin/users?q=learn").get_data(as_text=True)
    assert ">learner<" in page and ">trainer<" not in page
    page = client.get("/admin/users?role=organizer").get_data(as_text=True)
    assert ">organizer<" in page and ">learner<" not in page
    page = client.get("/admin/users?q=%25").get_data(as_text=True)  # a literal % matches nobody
    assert ">learner<" not in page


def test_last_admin_cannot_be_demoted_or_blocked(login_as, users, org_tree):
    client = login_as("admin")
    admin = users["admin"]
    for data in (
        {"roles": ["learner"], "organization": org_tree["top"].id, "active": "y"},
        {"roles": ["admin"], "organization": org_tree["top"].id},
    ):
        r = post(client, f"/admin/users/{admin.id}", data)
        assert r.status_code == 422  # refused: the request rolls back
        assert "alert--error" in r.get_data(as_text=True)
    assert fresh(admin).is_admin and fresh(admin).active


def test_blocking_a_user_ends_their_sessions(app, login_as, users, org_tree):
    learner_client = app.test_client()
    login(learner_client, "learner")
    admin = login_as("admin")
    r = post(
        admin,
        f"/admin/users/{users['learner'].id}",
        {"roles": ["learner"], "organization": org_tree["school"].id},
    )
    assert r.status_code == 302
    assert learner_client.get("/account/").status_code == 302
    r = post(learner_client, "/account/login", {"username": "learner", "password": "x" * 12})
    assert r.status_code == 422


def test_bad_admin_input_changes_nothing(login_as, users, org_tree):
    client = login_as("admin")
    learner = users["learner"]
    for data in (
        {"roles": ["emperor"], "organization": org_tree["top"].id},
        {"roles": ["trainer"], "organization": "99999"},
        {"roles": ["trainer"], "organization": "abc"},
    ):
        r = post(client, f"/admin/users/{learner.id}", data)
        assert r.status_code == 422, data
        assert 'class="errors"' in r.get_data(as_text=True), data
        if "emperor" in data["roles"]:
            assert "Выберите только из предложенных вариантов" in r.get_data(as_text=True)
    assert fresh(learner).roles == {Role.LEARNER}
    assert client.get("/admin/users/99999").status_code == 404


def test_non_admins_get_403(client, login_as, users):
    assert client.get("/admin/users").status_code == 302
    for name in ("learner", "trainer", "organizer"):
        c = login_as(name)
        assert c.get("/admin/users").status_code == 403, name
        r = post(c, f"/admin/users/{users[name].id}", {"roles": ["admin"]})
        assert r.status_code == 403, name
        assert not fresh(users[name]).is_admin
        post(c, "/account/logout")


def test_user_search_ignores_case_in_cyrillic_too(login_as, make_user):
    make_user("anna", display_name="Анна Петрова")
    client = login_as("admin")
    page = client.get("/admin/users?q=анна").get_data(as_text=True)
    assert "Анна Петрова" in page
    page = client.get("/admin/users?q=ПЕТРОВА").get_data(as_text=True)
    assert "Анна Петрова" in page


def test_admin_is_told_a_staff_role_needs_a_second_factor(login_as, users, make_user):
    """Before: the edit page of someone without a second factor names the roles that need one.
    After giving such a role: the admin reads that the person will set it up at the next login
    and has been notified (the notification itself: tests/test_notifications.py)."""
    person = make_user("newcomer")
    client = login_as("admin")
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert (
        "Двухфакторная аутентификация нужна для ролей: Тренер, Организатор, Администратор" in page
    )
    assert "У newcomer она не настроена: при следующем входе её придётся настроить" in page
    r = post(
        client,
        f"/admin/users/{person.id}",
        {"roles": ["organizer"], "organization": person.organization_id, "active": "y"},
    )
    shown = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "У newcomer нет двухфакторной аутентификации: при следующем входе её нужно" in shown
    assert "Уведомление отправлено." in shown
    assert fresh(person).roles == {Role.LEARNER, Role.ORGANIZER}


def test_no_second_factor_notice_for_the_enrolled_or_for_learner_roles(login_as, users):
    """The trainer has a second factor: no hint, no notice when made an organizer too; taking
    a role away (or keeping only the learner's) says nothing either."""
    client = login_as("admin")
    trainer = users["trainer"]
    assert "Двухфакторная аутентификация нужна" not in client.get(
        f"/admin/users/{trainer.id}"
    ).get_data(as_text=True)
    data = {"roles": ["trainer", "organizer"], "organization": trainer.organization_id}
    r = post(client, f"/admin/users/{trainer.id}", {**data, "active": "y"})
    assert "нет двухфакторной" not in client.get(r.headers["Location"]).get_data(as_text=True)
    learner = users["learner"]
    data = {"roles": ["learner"], "organization": learner.organization_id, "active": "y"}
    r = post(client, f"/admin/users/{learner.id}", data)
    assert "нет двухфакторной" not in client.get(r.headers["Location"]).get_data(as_text=True)
