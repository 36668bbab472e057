"""The audit trail: what is recorded, the admin page, and that it cannot be rewritten."""

from __future__ import annotations

import inspect
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.conftest import post
from training.accounts.models import User
from training.audit import AuditEvent, AuditTrailIsAppendOnly, audit
from training.db import utcnow
from training.extensions import db
from training.organizations.models import InviteCode, Organization


def events(*, since_id: int = 0) -> list[tuple[str, int | None, str, str, dict]]:
    """(action, actor_id, target_type, target_id, details) of the trail, oldest first."""
    db.session.expire_all()
    return [
        (e.action, e.actor_id, e.target_type, e.target_id, e.details)
        for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id > since_id).order_by(AuditEvent.id)
        )
    ]


def last_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0


# ---- what is recorded -----------------------------------------------------------------------


def test_role_organization_and_blocking_changes_are_recorded(login_as, users, org_tree):
    client = login_as("admin")
    admin, learner = users["admin"], users["learner"]
    start = last_id()
    url = f"/admin/users/{learner.id}"
    south = org_tree["south"].id
    post(client, url, {"roles": ["trainer"], "organization": south, "active": "y"})
    post(client, url, {"roles": ["trainer"], "organization": south})  # blocked
    post(client, url, {"roles": ["trainer"], "organization": south, "active": "y"})
    post(client, url, {"roles": ["trainer"], "organization": south, "active": "y"})  # no change
    assert events(since_id=start) == [
        (
            "user.roles",
            admin.id,
            "user",
            str(learner.id),
            {"before": ["learner"], "after": ["learner", "trainer"]},
        ),
        (
            "user.organization",
            admin.id,
            "user",
            str(learner.id),
            {"old_organization_id": org_tree["school"].id, "new_organization_id": south},
        ),
        ("user.block", admin.id, "user", str(learner.id), {}),
        ("user.unblock", admin.id, "user", str(learner.id), {}),
    ]


def test_a_refused_admin_edit_records_nothing(login_as, users, org_tree):
    client = login_as("admin")
    start = last_id()
    r = post(client, f"/admin/users/{users['admin'].id}", {"organization": org_tree["top"].id})
    assert r.status_code == 422 and "alert--error" in r.get_data(as_text=True)
    assert events(since_id=start) == []


def test_organization_changes_are_recorded(login_as, users, org_tree):
    client = login_as("admin")
    admin = users["admin"].id
    start = last_id()
    post(
        client,
        "/organizations/new",
        {"name": "Новая", "kind": "primary", "parent": org_tree["north_local"].id},
    )
    new = db.session.scalar(sa.select(Organization).where(Organization.name == "Новая"))
    post(
        client,
        f"/organizations/{new.id}/edit",
        {"name": "Другая", "kind": "primary", "parent": org_tree["north_local"].id},
    )
    post(
        client,
        f"/organizations/{new.id}/edit",
        {"name": "Другая", "kind": "local", "parent": org_tree["south"].id},
    )
    post(client, f"/organizations/{new.id}/delete")
    target = str(new.id)
    assert events(since_id=start) == [
        (
            "organization.create",
            admin,
            "organization",
            target,
            {"name": "Новая", "kind": "primary", "parent_id": org_tree["north_local"].id},
        ),
        ("organization.rename", admin, "organization", target, {"old": "Новая", "new": "Другая"}),
        ("organization.relevel", admin, "organization", target, {"old": "primary", "new": "local"}),
        (
            "organization.move",
            admin,
            "organization",
            target,
            {"old_parent_id": org_tree["north_local"].id, "new_parent_id": org_tree["south"].id},
        ),
        (
            "organization.delete",
            admin,
            "organization",
            target,
            {"name": "Другая", "kind": "local", "parent_id": org_tree["south"].id},
        ),
    ]


def test_refused_organization_changes_record_nothing(login_as, users, org_tree, make_user):
    make_user("member", org="college")
    client = login_as("admin")
    start = last_id()
    empty_name = {"name": "", "kind": "primary", "parent": org_tree["top"].id}
    post(client, "/organizations/new", empty_name)
    post(client, f"/organizations/{org_tree['college'].id}/delete")  # it has a member
    assert events(since_id=start) == []


def test_invite_codes_created_and_withdrawn_are_recorded(login_as, users, org_tree):
    client = login_as("organizer")
    start = last_id()
    post(client, f"/organizations/{org_tree['school'].id}/invites", {"max_uses": "3"})
    invite = db.session.scalar(sa.select(InviteCode))
    post(client, f"/organizations/invites/{invite.id}/revoke")
    post(client, f"/organizations/invites/{invite.id}/revoke")  # again: nothing new
    organizer = users["organizer"].id
    school = org_tree["school"].id
    assert events(since_id=start) == [
        (
            "invite.create",
            organizer,
            "invite",
            str(invite.id),
            {"organization_id": school, "expires_at": None, "max_uses": 3},
        ),
        ("invite.revoke", organizer, "invite", str(invite.id), {"organization_id": school}),
    ]


def test_audit_keeps_its_signature_for_other_packages(ctx, users):
    # Another package (per-learner statistics) will call audit() with these arguments.
    params = list(inspect.signature(audit).parameters)
    assert params == ["actor_id", "action", "target_type", "target_id", "details"]
    event = audit(users["admin"].id, "stats.learner_view", "user", users["learner"].id, page=1)
    db.session.flush()
    assert (event.target_id, event.details) == (str(users["learner"].id), {"page": 1})


# ---- append-only ----------------------------------------------------------------------------


@pytest.fixture
def recorded(ctx, users) -> AuditEvent:
    event = audit(users["admin"].id, "user.block", "user", users["learner"].id)
    db.session.commit()
    return event


def test_orm_refuses_to_change_an_audit_row(recorded):
    recorded.action = "user.unblock"
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, recorded.id).action == "user.block"


def test_orm_refuses_to_delete_an_audit_row(recorded):
    db.session.delete(recorded)
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, recorded.id) is not None


@pytest.mark.parametrize(
    "statement",
    [
        sa.update(AuditEvent).values(action="x"),
        sa.delete(AuditEvent),
        sa.delete(AuditEvent).where(AuditEvent.action == "user.block"),
    ],
    ids=["bulk-update", "bulk-delete", "bulk-delete-where"],
)
def test_orm_refuses_bulk_changes_to_audit_rows(recorded, statement):
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.execute(statement)
    db.session.rollback()
    assert db.session.get(AuditEvent, recorded.id).action == "user.block"


def test_reading_and_appending_still_work(recorded):
    db.session.expire_all()
    assert db.session.get(AuditEvent, recorded.id).action == "user.block"
    audit(None, "user.unblock", "user", "1")
    db.session.flush()  # a new row next to an untouched loaded one
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) >= 2


def test_no_route_writes_to_the_audit_log(app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


# ---- the admin page -------------------------------------------------------------------------


@pytest.fixture
def trail(ctx, users):
    """70 events by the admin over 70 days, plus a few by the organizer today."""
    now = utcnow()
    admin, organizer, learner = users["admin"].id, users["organizer"].id, users["learner"].id
    for n in range(70):
        event = audit(admin, "user.roles", "user", learner, n=n)
        event.created_at = now - timedelta(days=70 - n)
    for n in range(3):
        audit(organizer, "invite.create", "invite", 900 + n)
    db.session.commit()


def rows_of(page: str) -> int:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr>")


def admin_in_english(login_as):
    client = login_as("admin")
    client.set_cookie("lang", "en")
    return client


def test_admin_page_is_paginated_newest_first_and_without_script(login_as, trail):
    client = admin_in_english(login_as)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "<script" not in page
    assert rows_of(page) == 50
    assert page.index("invite code 902") < page.index("invite code 900")  # newest first
    assert "n: 69" in page and "n: 19" not in page
    assert "Page 1 of 2" in page
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "n: 19" in second
    assert client.get("/admin/audit?page=99").status_code == 200


def test_admin_page_filters_by_action_actor_and_dates(app, login_as, trail, users):
    client = admin_in_english(login_as)
    page = client.get("/admin/audit?action=invite.create").get_data(as_text=True)
    assert rows_of(page) == 3 and "user.roles" not in page.split("<tbody>")[1]
    page = client.get("/admin/audit?actor=ORGAN").get_data(as_text=True)
    assert rows_of(page) == 4  # the trail's three, and enrolling their second factor
    assert "Two-factor authentication turned on" in page
    page = client.get("/admin/audit?actor=nobody-like-this").get_data(as_text=True)
    assert rows_of(page) == 1 and "Nothing found." in page
    # dates are days of the platform's time zone, as the admin typing them means them
    today = utcnow().astimezone(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date()
    since = (today - timedelta(days=5)).isoformat()
    until = (today - timedelta(days=2)).isoformat()
    page = client.get(f"/admin/audit?action=user.roles&since={since}&until={until}")
    body = page.get_data(as_text=True)
    assert rows_of(body) == 4  # the admin's events 5, 4, 3 and 2 days ago
    # the pager keeps the filters
    page = client.get("/admin/audit?action=user.roles").get_data(as_text=True)
    assert "action=user.roles" in page and "page=2" in page


def test_admin_page_reports_a_bad_date_instead_of_failing(login_as, trail):
    client = login_as("admin")
    r = client.get("/admin/audit?since=yesterday")
    assert r.status_code == 200
    assert 'class="errors"' in r.get_data(as_text=True)


def test_admin_page_is_for_admins_only(client, login_as, users):
    assert client.get("/admin/audit").status_code == 302  # to the login page
    for name in ("learner", "trainer", "organizer"):
        login_as(name)
        assert client.get("/admin/audit").status_code == 403, name
        post(client, "/account/logout")


def test_events_of_a_deleted_actor_show_no_link(login_as, ctx, users):
    audit(None, "account.delete", "user", 12345)
    db.session.commit()
    client = login_as("admin")
    page = client.get("/admin/audit?action=account.delete").get_data(as_text=True)
    assert "учётная запись 12345" in page
    assert db.session.scalar(sa.select(User.id).where(User.id == 12345)) is None


def test_details_read_as_words(app):
    from training.audit import detail_text

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert detail_text("courses", "all") == "courses: all"
        assert detail_text("whole_list", True) == "whole list: yes"
        assert detail_text("period", "2026-09-14..2026-12-06") == "period: 9/14/26 – 12/6/26"
        assert detail_text("before", ["learner"]) == "before: Learner"
        assert detail_text("page_after", None) == "list from: —"
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert detail_text("courses", "all") == "курсы: все"
        assert detail_text("period", "2026-09-14..2026-12-06") == "период: 14.09.2026 – 06.12.2026"
