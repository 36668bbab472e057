"""Administrative changes to accounts: roles, organization, blocking."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from training.accounts.models import Role, User, UserRole
from training.accounts.services import set_roles
from training.accounts.sessions import end_sessions
from training.audit import audit
from training.errors import ServiceError
from training.extensions import db
from training.organizations.models import Organization


def active_admin_count() -> int:
    """How many active accounts hold the admin role."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(UserRole)
            .join(User)
            .where(UserRole.role == str(Role.ADMIN), User.active.is_(True))
        )
        or 0
    )


def update_user(
    user: User,
    roles: set[Role],
    organization: Organization,
    *,
    active: bool,
    actor_id: int | None = None,
) -> None:
    """Apply an admin's edit; the last active administrator cannot be demoted or blocked."""
    loses_admin = user.is_admin and user.active and (Role.ADMIN not in roles or not active)
    if loses_admin and active_admin_count() <= 1:
        raise ServiceError(_("This is the last active administrator; appoint another one first."))
    roles_before = sorted(str(r) for r in user.roles)
    set_roles(user, roles)
    roles_after = sorted(str(r) for r in user.roles)
    if roles_after != roles_before:
        audit(actor_id, "user.roles", "user", user.id, before=roles_before, after=roles_after)
    if organization.id != user.organization_id:
        audit(
            actor_id,
            "user.organization",
            "user",
            user.id,
            old_organization_id=user.organization_id,
            new_organization_id=organization.id,
        )
    user.organization = organization
    if user.active and not active:
        user.auth_version += 1  # a blocked user's sessions end now
        end_sessions(user)
        audit(actor_id, "user.block", "user", user.id)
    elif active and not user.active:
        audit(actor_id, "user.unblock", "user", user.id)
    user.active = active
    db.session.flush()
