"""Changes to the organization tree and invite codes. Services flush; requests commit."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from training.audit import audit
from training.db import utcnow
from training.errors import ServiceError
from training.extensions import db
from training.organizations.models import InviteCode, Organization, OrgKind, path_below

# Crockford's base32 alphabet: no I, L, O or U, so codes survive being read aloud and retyped.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def subtree_filter(org: Organization) -> sa.ColumnElement[bool]:
    """SQL condition selecting `org` and every organization below it."""
    return Organization.path.startswith(org.path, autoescape=True)


def tree(root: Organization | None = None) -> list[Organization]:
    """Organizations in depth-first order (the whole tree, or one subtree)."""
    query = sa.select(Organization)
    if root is not None:
        query = query.where(subtree_filter(root))
    orgs = list(db.session.scalars(query))
    by_parent: dict[int | None, list[Organization]] = {}
    for org in orgs:
        by_parent.setdefault(org.parent_id, []).append(org)
    ordered: list[Organization] = []

    def walk(parent_id: int | None) -> None:
        for child in sorted(by_parent.get(parent_id, []), key=lambda o: o.name.casefold()):
            ordered.append(child)
            walk(child.id)

    walk(root.parent_id if root is not None else None)
    if root is not None:
        ordered = [o for o in ordered if o.is_within(root)]
    return ordered


def _check_placement(kind: OrgKind, parent: Organization | None) -> None:
    if parent is None:
        if kind is not OrgKind.FEDERAL:
            raise ServiceError(_("Only a federal organization can stand at the top."), "parent")
        exists = db.session.scalar(
            sa.select(Organization.id).where(Organization.parent_id.is_(None))
        )
        if exists is not None:
            raise ServiceError(_("The tree already has a top organization."), "parent")
    elif kind.level <= parent.org_kind.level:
        raise ServiceError(
            _("An organization must stand below a higher-level organization."), "parent"
        )


def _check_name(name: str, parent: Organization | None, exclude_id: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ServiceError(_("Enter a name."), "name")
    query = sa.select(Organization.id).where(
        Organization.name == name,
        Organization.parent_id.is_(None) if parent is None else Organization.parent_id == parent.id,
    )
    if exclude_id is not None:
        query = query.where(Organization.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise ServiceError(_("There is already an organization with this name here."), "name")
    return name


def create_organization(
    name: str, kind: OrgKind, parent: Organization | None, *, actor_id: int | None = None
) -> Organization:
    """Add an organization under `parent` (or the top federal one when parent is None)."""
    _check_placement(kind, parent)
    org = Organization(name=_check_name(name, parent), kind=str(kind), parent=parent)
    db.session.add(org)
    db.session.flush()  # the id is part of the path
    org.path = path_below(parent.path if parent else None, org.id)
    audit(
        actor_id,
        "organization.create",
        "organization",
        org.id,
        name=org.name,
        kind=org.kind,
        parent_id=org.parent_id,
    )
    db.session.flush()
    return org


def update_organization(
    org: Organization,
    name: str,
    kind: OrgKind,
    parent: Organization | None,
    *,
    actor_id: int | None = None,
) -> None:
    """Rename, re-level or move an organization; its whole subtree moves with it."""
    before = (org.name, org.kind, org.parent_id)
    if parent is not None and parent.is_within(org):
        raise ServiceError(_("An organization cannot be moved inside itself."), "parent")
    if (parent.id if parent else None) != org.parent_id or kind != org.org_kind:
        if parent is None and org.parent_id is None:
            if kind is not OrgKind.FEDERAL:
                raise ServiceError(_("Only a federal organization can stand at the top."), "kind")
        else:
            _check_placement(kind, parent)
        child_kinds = db.session.scalars(
            sa.select(Organization.kind).where(Organization.parent_id == org.id).distinct()
        )
        if any(OrgKind(k).level <= kind.level for k in child_kinds):
            raise ServiceError(
                _("This level is not above the level of the organizations below it."), "kind"
            )
    org.name = _check_name(name, parent, exclude_id=org.id)
    org.kind = str(kind)
    new_parent_id = parent.id if parent else None
    if org.name != before[0]:
        audit(actor_id, "organization.rename", "organization", org.id, old=before[0], new=org.name)
    if org.kind != before[1]:
        audit(actor_id, "organization.relevel", "organization", org.id, old=before[1], new=org.kind)
    if new_parent_id != before[2]:
        audit(
            actor_id,
            "organization.move",
            "organization",
            org.id,
            old_parent_id=before[2],
            new_parent_id=new_parent_id,
        )
    if (parent.id if parent else None) != org.parent_id:
        old_path = org.path
        new_path = path_below(parent.path if parent else None, org.id)
        db.session.execute(
            sa.update(Organization)
            .where(Organization.path.startswith(old_path, autoescape=True))
            .values(path=sa.func.replace(Organization.path, old_path, new_path)),
            execution_options={"synchronize_session": False},
        )
        org.parent = parent
        db.session.flush()
        db.session.expire_all()
    db.session.flush()


def delete_organization(org: Organization, *, actor_id: int | None = None) -> None:
    """Delete an organization that has no sub-organizations and no members."""
    from training.accounts.models import User  # accounts build on organizations, not the reverse

    if db.session.scalar(sa.select(Organization.id).where(Organization.parent_id == org.id)):
        raise ServiceError(_("Remove or move the organizations below it first."))
    if db.session.scalar(sa.select(User.id).where(User.organization_id == org.id).limit(1)):
        raise ServiceError(_("Move its members to another organization first."))
    audit(
        actor_id,
        "organization.delete",
        "organization",
        org.id,
        name=org.name,
        kind=org.kind,
        parent_id=org.parent_id,
    )
    db.session.delete(org)
    db.session.flush()


def normalise_code(raw: str) -> str:
    """Canonical form of a typed code: upper case, no spaces or dashes, look-alikes fixed."""
    return "".join(raw.upper().split()).replace("-", "").translate(_CONFUSABLE)


def format_code(code: str) -> str:
    """A stored code split into groups of five for reading aloud."""
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


def create_invite(
    org: Organization,
    created_by_id: int | None,
    *,
    expires_at: datetime | None = None,
    max_uses: int | None = None,
) -> InviteCode:
    """Issue a new invite code (50 random bits) for `org`."""
    if max_uses is not None and max_uses < 1:
        raise ServiceError(_("The number of uses must be at least 1."), "max_uses")
    if expires_at is not None and expires_at <= utcnow():
        raise ServiceError(_("The expiry date must be in the future."), "expires_on")
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(10))
    invite = InviteCode(
        code=code,
        organization=org,
        created_by_id=created_by_id,
        expires_at=expires_at,
        max_uses=max_uses,
    )
    db.session.add(invite)
    db.session.flush()
    audit(
        created_by_id,
        "invite.create",
        "invite",
        invite.id,
        organization_id=org.id,
        expires_at=expires_at.isoformat() if expires_at else None,
        max_uses=max_uses,
    )
    return invite


def revoke_invite(invite: InviteCode, *, actor_id: int | None = None) -> None:
    """Withdraw an invite code so nobody else can register with it."""
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        audit(
            actor_id, "invite.revoke", "invite", invite.id, organization_id=invite.organization_id
        )
        db.session.flush()


def consume_invite(raw_code: str) -> Organization:
    """Use one registration of an invite code and return its organization.

    The use is counted with one conditional UPDATE, so two people racing for the last
    use of a code cannot both get it.
    """
    invite = db.session.scalar(
        sa.select(InviteCode).where(InviteCode.code == normalise_code(raw_code))
    )
    if invite is None:
        raise ServiceError(_("This invite code is not known. Check it and try again."), "invite")
    now = utcnow()
    if problem := invite.problem(now):
        raise ServiceError(problem, "invite")
    result = db.session.execute(
        sa.update(InviteCode)
        .where(
            InviteCode.id == invite.id,
            InviteCode.revoked_at.is_(None),
            sa.or_(InviteCode.expires_at.is_(None), InviteCode.expires_at > now),
            sa.or_(InviteCode.max_uses.is_(None), InviteCode.uses < InviteCode.max_uses),
        )
        .values(uses=InviteCode.uses + 1),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(_("This invite code has been used up."), "invite")
    db.session.refresh(invite)
    return invite.organization
