"""Demo data for trying the platform: a small union tree and one account per role."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from training.accounts.models import Role, User
from training.accounts.services import create_user
from training.extensions import db
from training.organizations.models import InviteCode, Organization, OrgKind
from training.organizations.services import create_organization

# name, kind, children
DEMO_TREE = (
    "Профсоюз работников образования (демо)",
    OrgKind.FEDERAL,
    [
        (
            "Северная региональная организация",
            OrgKind.REGIONAL,
            [
                (
                    "Приморская городская организация",
                    OrgKind.LOCAL,
                    [
                        ("Первичная организация школы № 1", OrgKind.PRIMARY, []),
                        ("Первичная организация детского сада «Радуга»", OrgKind.PRIMARY, []),
                    ],
                ),
            ],
        ),
        (
            "Южная региональная организация",
            OrgKind.REGIONAL,
            [
                (
                    "Степная районная организация",
                    OrgKind.LOCAL,
                    [("Первичная организация педагогического колледжа", OrgKind.PRIMARY, [])],
                ),
            ],
        ),
    ],
)

DEMO_INVITE_CODE = "DEM0K0D123"


@dataclass
class DemoAccount:
    """One demo login and where it sits in the tree."""

    username: str
    role: Role
    organization: str
    display_name: str


DEMO_ACCOUNTS = (
    DemoAccount("admin", Role.ADMIN, "Профсоюз работников образования (демо)", "Админ Демо"),
    DemoAccount(
        "organizer", Role.ORGANIZER, "Северная региональная организация", "Ольга Организатор"
    ),
    DemoAccount("trainer", Role.TRAINER, "Северная региональная организация", "Татьяна Тренер"),
    DemoAccount("learner", Role.LEARNER, "Первичная организация школы № 1", "Лев Слушатель"),
)


def _ensure_org(name: str, kind: OrgKind, parent: Organization | None) -> Organization:
    query = sa.select(Organization).where(Organization.name == name)
    query = query.where(
        Organization.parent_id.is_(None) if parent is None else Organization.parent_id == parent.id
    )
    return db.session.scalar(query) or create_organization(name, kind, parent)


def _ensure_tree(node: tuple, parent: Organization | None, found: dict[str, Organization]) -> None:
    name, kind, children = node
    org = _ensure_org(name, kind, parent)
    found[name] = org
    for child in children:
        _ensure_tree(child, org, found)


def load_demo(password: str) -> list[str]:
    """Create what is missing of the demo data; returns what was added (empty on a rerun)."""
    added: list[str] = []
    orgs: dict[str, Organization] = {}
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) or 0
    _ensure_tree(DEMO_TREE, None, orgs)
    after = db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) or 0
    if after > before:
        added.append(f"{after - before} organizations")
    for account in DEMO_ACCOUNTS:
        if db.session.scalar(sa.select(User.id).where(User.username == account.username)):
            continue
        roles = {Role.LEARNER, account.role}
        create_user(
            account.username,
            password,
            orgs[account.organization],
            roles=roles,
            display_name=account.display_name,
        )
        added.append(f"user {account.username}")
    if not db.session.scalar(sa.select(InviteCode.id).where(InviteCode.code == DEMO_INVITE_CODE)):
        db.session.add(
            InviteCode(code=DEMO_INVITE_CODE, organization=orgs["Первичная организация школы № 1"])
        )
        added.append("invite code")
    db.session.flush()
    return added
