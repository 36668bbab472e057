"""The organization tree, invite codes, and who may manage them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import post
from training.accounts.models import User
from training.errors import ServiceError
from training.extensions import db
from training.organizations import services
from training.organizations.models import (
    InviteCode,
    Organization,
    OrgKind,
    path_below,
    path_ids,
)


def fresh(org: Organization) -> Organization:
    db.session.expire_all()
    return db.session.get(Organization, org.id)


# ---- tree rules (services) ------------------------------------------------------------------


def test_paths_and_subtrees(ctx, org_tree):
    top, north, school = (fresh(org_tree[k]) for k in ("top", "north", "school"))
    assert top.path == f"/{top.id}/"
    assert school.path == f"/{top.id}/{north.id}/{org_tree['north_local'].id}/{school.id}/"
    assert school.is_within(north) and school.is_within(top)
    assert not north.is_within(school)
    below_north = db.session.scalars(
        sa.select(Organization.name).where(services.subtree_filter(north))
    ).all()
    assert sorted(below_north) == ["Приморская", "Северная", "Школа № 1"]
    assert [o.name for o in services.tree(north)] == ["Северная", "Приморская", "Школа № 1"]


def test_a_path_reads_as_ids_from_the_root_down():
    assert path_ids("/1/7/42/") == [1, 7, 42]
    assert path_ids("/3/") == [3]
    assert path_ids("") == []
    assert path_below(None, 3) == "/3/"
    assert path_below("/1/7/", 42) == "/1/7/42/"
    assert path_ids(path_below("/1/7/", 42)) == [1, 7, 42]


def test_lineage_and_depth_follow_the_tree(ctx, org_tree):
    top, north, local, school = (
        fresh(org_tree[k]) for k in ("top", "north", "north_local", "school")
    )
    assert school.lineage_ids == [top.id, north.id, local.id, school.id]
    assert top.lineage_ids == [top.id]
    assert (top.depth, north.depth, school.depth) == (0, 1, 3)
    services.update_organization(fresh(local), local.name, OrgKind.LOCAL, fresh(org_tree["south"]))
    assert fresh(school).lineage_ids == [top.id, org_tree["south"].id, local.id, school.id]


def test_placement_rules(ctx, org_tree):
    top, school, north = (fresh(org_tree[k]) for k in ("top", "school", "north"))
    with pytest.raises(ServiceError):  # a second top
        services.create_organization("Другая", OrgKind.FEDERAL, None)
    with pytest.raises(ServiceError):  # nothing below a primary organization
        services.create_organization("Ниже", OrgKind.PRIMARY, school)
    with pytest.raises(ServiceError):  # a region under a region
        services.create_organization("Регион", OrgKind.REGIONAL, north)
    with pytest.raises(ServiceError):  # same name among siblings
        services.create_organization("Северная", OrgKind.REGIONAL, top)
    # a primary organization straight under a region is allowed (it happens)
    services.create_organization("Вуз", OrgKind.PRIMARY, north)


def test_moving_an_organization_moves_its_subtree(ctx, org_tree):
    south, north_local, school = (fresh(org_tree[k]) for k in ("south", "north_local", "school"))
    services.update_organization(north_local, "Приморская", OrgKind.LOCAL, south)
    school = fresh(school)
    assert school.is_within(fresh(south))
    assert not school.is_within(fresh(org_tree["north"]))
    with pytest.raises(ServiceError):  # not inside itself
        services.update_organization(fresh(south), "Южная", OrgKind.REGIONAL, fresh(school))


def test_level_change_must_stay_above_children(ctx, org_tree):
    with pytest.raises(ServiceError):
        services.update_organization(
            fresh(org_tree["north_local"]), "Приморская", OrgKind.PRIMARY, fresh(org_tree["north"])
        )


def test_delete_only_empty_leaves(ctx, org_tree, make_user):
    make_user("member", org="college")
    with pytest.raises(ServiceError):
        services.delete_organization(fresh(org_tree["south"]))  # has children
    with pytest.raises(ServiceError):
        services.delete_organization(fresh(org_tree["college"]))  # has a member
    services.delete_organization(fresh(org_tree["school"]))
    assert db.session.get(Organization, org_tree["school"].id) is None


def test_invite_codes_are_random_readable_and_forgiving(ctx, org_tree):
    codes = {services.create_invite(fresh(org_tree["school"]), None).code for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert len(code) == 10 and set(code) <= set(services.CODE_ALPHABET)
    assert services.normalise_code(" abcde-0lio1 ") == "ABCDE01101"
    assert services.normalise_code("ab cd-eo il") == "ABCDE0" + "11"
    assert services.format_code("ABCDE12345") == "ABCDE-12345"


def test_last_use_of_an_invite_cannot_be_taken_twice(ctx, org_tree):
    invite = services.create_invite(fresh(org_tree["school"]), None, max_uses=1)
    assert services.consume_invite(invite.code).id == org_tree["school"].id
    with pytest.raises(ServiceError):
        services.consume_invite(invite.code)
    assert fresh_invite(invite).uses == 1


def fresh_invite(invite: InviteCode) -> InviteCode:
    db.session.expire_all()
    return db.session.get(InviteCode, invite.id)


# ---- pages and permissions ------------------------------------------------------------------


def test_admin_builds_the_tree_through_pages(login_as, org_tree):
    client = login_as("admin")
    r = post(
        client,
        "/organizations/new",
        {"name": "Новая первичка", "kind": "primary", "parent": org_tree["north_local"].id},
    )
    assert r.status_code == 302
    new = db.session.scalar(sa.select(Organization).where(Organization.name == "Новая первичка"))
    assert new.is_within(fresh(org_tree["north"]))
    r = post(
        client,
        f"/organizations/{new.id}/edit",
        {"name": "Переименованная", "kind": "primary", "parent": org_tree["south_local"].id},
    )
    assert r.status_code == 302
    assert fresh(new).name == "Переименованная" and fresh(new).is_within(fresh(org_tree["south"]))
    assert post(client, f"/organizations/{new.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(Organization.id).where(Organization.id == new.id)) is None
    page = client.get("/organizations/").get_data(as_text=True)
    assert "Школа № 1" in page and "Колледж" in page


def test_bad_tree_edits_rerender_with_a_message_and_change_nothing(login_as, org_tree, make_user):
    make_user("member", org="college")
    client = login_as("admin")
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Organization))
    for data in (
        {"name": "", "kind": "primary", "parent": org_tree["north"].id},
        {"name": "Ниже школы", "kind": "primary", "parent": org_tree["school"].id},
        {"name": "Северная", "kind": "regional", "parent": org_tree["top"].id},
        {"name": "Чужой уровень", "kind": "planet", "parent": org_tree["top"].id},
        {"name": "Нет родителя", "kind": "primary", "parent": "99999"},
    ):
        r = post(client, "/organizations/new", data)
        assert r.status_code == 422, data
        assert 'class="errors"' in r.get_data(as_text=True), data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == count
    r = post(client, f"/organizations/{org_tree['college'].id}/delete", follow_redirects=True)
    assert 'class="alert alert--error"' in r.get_data(as_text=True)  # it has a member
    assert db.session.get(Organization, org_tree["college"].id) is not None


def test_tree_pages_are_for_admins_only(login_as, org_tree):
    client = login_as("organizer")
    for path in (
        "/organizations/new",
        f"/organizations/{org_tree['school'].id}/edit",
        f"/organizations/{org_tree['school'].id}/delete",
    ):
        assert client.get(path).status_code == 403, path
    assert post(client, f"/organizations/{org_tree['school'].id}/delete").status_code == 403
    assert db.session.get(Organization, org_tree["school"].id) is not None


def test_missing_organization_is_404(login_as):
    client = login_as("admin")
    assert client.get("/organizations/99999/edit").status_code == 404
    assert client.get("/organizations/99999/invites").status_code == 404


def test_organizer_sees_and_invites_only_within_their_subtree(login_as, org_tree):
    client = login_as("organizer")  # organizer of "Северная"
    page = client.get("/organizations/").get_data(as_text=True)
    assert "Школа № 1" in page and "Колледж" not in page
    r = post(client, f"/organizations/{org_tree['school'].id}/invites", {"max_uses": "3"})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(InviteCode.max_uses)) == 3
    # The list of codes: on a phone each stacked cell names its column.
    codes = client.get(r.headers["Location"]).get_data(as_text=True)
    for label in ("Код", "Статус", "Действует до", "Использовано"):
        assert f'data-label="{label}"' in codes, label
    # another region: refused however the URL is written
    assert client.get(f"/organizations/{org_tree['college'].id}/invites").status_code == 403
    r = post(client, f"/organizations/{org_tree['south'].id}/invites", {})
    assert r.status_code == 403
    assert client.get(f"/organizations/{org_tree['top'].id}/invites").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InviteCode)) == 1


def test_learner_and_anonymous_cannot_see_the_tree(client, login_as, org_tree):
    assert client.get("/organizations/").status_code == 302  # to the login page
    login_as("learner")
    assert client.get("/organizations/").status_code == 403
    assert client.get(f"/organizations/{org_tree['school'].id}/invites").status_code == 403


def test_invite_form_refuses_bad_values(login_as, org_tree):
    client = login_as("admin")
    url = f"/organizations/{org_tree['school'].id}/invites"
    for data in (
        {"max_uses": "0"},
        {"max_uses": "-3"},
        {"max_uses": "many"},
        {"expires_on": "not-a-date"},
        {"expires_on": (date.today() - timedelta(days=2)).isoformat()},
    ):
        r = post(client, url, data)
        assert r.status_code == 422, data
        assert 'class="errors"' in r.get_data(as_text=True), data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InviteCode)) == 0


def test_withdrawn_invite_stops_registration(client, login_as, org_tree):
    admin = login_as("admin")
    post(admin, f"/organizations/{org_tree['school'].id}/invites", {"max_uses": "5"})
    invite = db.session.scalar(sa.select(InviteCode))
    assert post(admin, f"/organizations/invites/{invite.id}/revoke").status_code == 302
    assert fresh_invite(invite).revoked_at is not None
    post(admin, "/account/logout")
    r = post(
        client,
        "/account/register",
        {
            "invite": invite.code,
            "username": "newbie",
            "password": "long-enough-pw",
            "confirm": "long-enough-pw",
        },
    )
    assert r.status_code == 422
    assert db.session.scalar(sa.select(User.id).where(User.username == "newbie")) is None


def test_organizer_cannot_withdraw_another_regions_code(login_as, org_tree):
    with_code = services.create_invite(fresh(org_tree["college"]), None)
    db.session.commit()
    client = login_as("organizer")
    assert post(client, f"/organizations/invites/{with_code.id}/revoke").status_code == 403
    assert fresh_invite(with_code).revoked_at is None
