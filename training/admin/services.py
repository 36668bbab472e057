"""Administrative changes to accounts: roles, organization, blocking."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from training.accounts.models import Role, User, UserRole
from training.accounts.passwords import verify_password
from training.accounts.services import set_roles
from training.accounts.sessions import end_sessions
from training.accounts.two_factor import (
    reset_two_factor,
    two_factor_required,
    verify_second_factor,
)
from training.audit import audit
from training.errors import ServiceError
from training.extensions import db
from training.notifications.services import notify
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
) -> bool:
    """Apply an admin's edit; the last active administrator cannot be demoted or blocked.

    True when a role given now needs a second factor the person has not set up yet (they are
    notified; the admin's page says so)."""
    loses_admin = user.is_admin and user.active and (Role.ADMIN not in roles or not active)
    if loses_admin and active_admin_count() <= 1:
        raise ServiceError(_("This is the last active administrator; appoint another one first."))
    roles_before = sorted(str(r) for r in user.roles)
    set_roles(user, roles)
    roles_after = sorted(str(r) for r in user.roles)
    if roles_after != roles_before:
        audit(actor_id, "user.roles", "user", user.id, before=roles_before, after=roles_after)
    must_enrol = _notify_new_roles(user, set(roles_after) - set(roles_before))
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
    return must_enrol


def _notify_new_roles(user: User, granted: set[str]) -> bool:
    """Tell the person about each new role, and that a staff role needs two-factor next login;
    True when it does."""
    needs_code = bool(granted) and not user.two_factor_enabled and two_factor_required(user)
    for role in sorted(granted):
        notify(user, "role_granted", role=role, two_factor=needs_code)
    return needs_code


def roles_needing_two_factor() -> list[Role]:
    """The roles whose holders must set up a second factor (TWO_FACTOR_REQUIRED_ROLES)."""
    return [Role(name) for name in current_app.config["TWO_FACTOR_REQUIRED_ROLES"]]


def reset_second_factor(actor: User, target: User, password: str, code: str) -> None:
    """An administrator removes `target`'s lost second factor after giving their own password
    and code; the target's sessions end and they enrol again at the next login (audited)."""
    if actor.id == target.id:
        raise ServiceError(_("Use your own two-factor settings for your account."))
    if not verify_password(actor.password_hash, password):
        raise ServiceError(_("The password is not correct."), "password")
    verify_second_factor(actor, code)
    if not target.two_factor_enabled:
        raise ServiceError(_("This account has no two-factor authentication to reset."))
    reset_two_factor(target, actor_id=actor.id)
