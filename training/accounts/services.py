"""Account changes: register, authenticate, passwords, roles. Services flush; requests commit."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from training.accounts.models import Role, User, UserRole, UserSession, normalise_username
from training.accounts.passwords import (
    burn_time,
    hash_password,
    password_problem,
    verify_password,
)
from training.accounts.sessions import end_sessions
from training.errors import ServiceError
from training.extensions import db
from training.organizations.models import Organization
from training.organizations.services import consume_invite

USERNAME_RE = re.compile(r"^[\w.-]{3,32}$")


def username_problem(username: str) -> str | None:
    """Why `username` (already normalised) is not acceptable, or None."""
    if not USERNAME_RE.fullmatch(username):
        return _("A username has 3 to 32 characters: letters, digits, dots, dashes or underscores.")
    return None


def find_user(username: str) -> User | None:
    """The user with this username (any case), or None."""
    return db.session.scalar(sa.select(User).where(User.username == normalise_username(username)))


def create_user(
    username: str,
    password: str,
    organization: Organization,
    *,
    roles: set[Role] | None = None,
    display_name: str = "",
    email: str | None = None,
) -> User:
    """Create an account after checking the username, e-mail and password rules."""
    username = normalise_username(username)
    if problem := username_problem(username):
        raise ServiceError(problem, "username")
    if find_user(username) is not None:
        raise ServiceError(_("This username is already taken. Choose another."), "username")
    email = (email or "").strip().lower() or None
    if email and db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise ServiceError(_("This e-mail address is already registered."), "email")
    if problem := password_problem(password, username):
        raise ServiceError(problem, "password")
    user = User(
        username=username,
        password_hash=hash_password(password),
        organization=organization,
        display_name=display_name.strip(),
        email=email,
    )
    user.role_rows = [UserRole(role=str(r)) for r in sorted(roles or {Role.LEARNER})]
    db.session.add(user)
    db.session.flush()
    return user


def register(
    username: str,
    password: str,
    *,
    invite_code: str = "",
    display_name: str = "",
    email: str | None = None,
    invite_required: bool = False,
) -> User:
    """Self-registration of a learner, placed by invite code or in the root organization."""
    if invite_code.strip():
        organization = consume_invite(invite_code)
    elif invite_required:
        raise ServiceError(_("Registration needs an invite code from your organization."), "invite")
    else:
        organization = db.session.scalar(
            sa.select(Organization)
            .where(Organization.parent_id.is_(None))
            .order_by(Organization.id)
        )
        if organization is None:
            raise ServiceError(
                _("Registration is not open yet. Ask your organization for an invite.")
            )
    return create_user(username, password, organization, display_name=display_name, email=email)


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None; takes the same time either way."""
    user = find_user(username)
    if user is None:
        burn_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    # Not logged in yet: a session (and last_login_at) starts only after any second factor.
    return user


def change_password(user: User, current: str, new: str, *, keep: UserSession | None = None) -> None:
    """Replace the password after checking the current one; ends the user's other sessions."""
    if not verify_password(user.password_hash, current):
        raise ServiceError(_("The current password is not correct."), "current_password")
    if problem := password_problem(new, user.username):
        raise ServiceError(problem, "new_password")
    user.password_hash = hash_password(new)
    # The version is part of the login cookie, so even a cookie whose session row somehow
    # survived stops working; the rows themselves are deleted too.
    user.auth_version += 1
    end_sessions(user, keep=keep)
    db.session.flush()


def set_roles(user: User, roles: set[Role]) -> None:
    """Replace the user's roles (every account keeps at least the learner role)."""
    roles = set(roles) | {Role.LEARNER}
    current = {r.role: r for r in user.role_rows}
    for name, row in current.items():
        if Role(name) not in roles:
            user.role_rows.remove(row)
    for role in roles:
        if str(role) not in current:
            user.role_rows.append(UserRole(role=str(role)))
    db.session.flush()


def set_password(user: User, password: str) -> None:
    """Set a password without knowing the old one (administrators and the shell)."""
    if problem := password_problem(password, user.username):
        raise ServiceError(problem, "password")
    user.password_hash = hash_password(password)
    user.auth_version += 1
    end_sessions(user)
    db.session.flush()
