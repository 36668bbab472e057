"""User accounts and their roles."""

from __future__ import annotations

import enum
import functools
import unicodedata
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.db import UTCDateTime, utcnow
from training.extensions import db
from training.organizations.models import Organization


class Role(enum.StrEnum):
    """What a user may do; a user can hold several."""

    LEARNER = "learner"
    TRAINER = "trainer"
    ORGANIZER = "organizer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.TRAINER: _l("Trainer"),
    Role.ORGANIZER: _l("Organizer"),
    Role.ADMIN: _l("Administrator"),
}


#: Roles in order of power: staff may not act on accounts holding a higher one.
ROLE_RANKS = {Role.LEARNER: 0, Role.TRAINER: 1, Role.ORGANIZER: 2, Role.ADMIN: 3}


@functools.cache
def _roles_of(names: tuple[str, ...]) -> frozenset[Role]:
    return frozenset(Role(name) for name in names)


def normalise_username(raw: str) -> str:
    """Canonical form of a username: NFKC, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", raw).strip().casefold()


class User(UserMixin, db.Model):
    """A person with an account; belongs to exactly one organization."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    # Set when a link sent to `email` was opened; only verified addresses receive mail
    # other than the verification itself. Cleared whenever the address changes.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change: every session holding the old value is logged out.
    auth_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Two-factor authentication (TOTP, RFC 6238): the shared secret, set only once a code
    # proved the authenticator app has it, and the last accepted time step, so that a code
    # works once (a step at or before it is refused as a replay).
    # Sealed (training.accounts.two_factor.seal_secret): never the plain secret.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger())

    organization: Mapped[Organization] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: blocked users cannot log in
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.auth_version}"

    @property
    def roles(self) -> frozenset[Role]:
        # Asked a dozen times a request (header, permissions, two-factor): the set of each
        # combination of role names is built once per process.
        return _roles_of(tuple(r.role for r in self.role_rows))

    def has_role(self, *roles: Role) -> bool:
        """True when the user holds any of `roles`."""
        return not self.roles.isdisjoint(roles)

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_secret is not None

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def verified_email(self) -> str | None:
        """The address mail may go to: set and verified, else None."""
        return self.email if self.email and self.email_verified_at else None

    @property
    def rank(self) -> int:
        """The highest of the user's roles, as a number (staff act only on lower or equal)."""
        return max((ROLE_RANKS[role] for role in self.roles), default=0)

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username

    def can_manage_organization(self, org: Organization) -> bool:
        """Admins manage every organization; organizers their own subtree."""
        if self.is_admin:
            return True
        return self.has_role(Role.ORGANIZER) and org.is_within(self.organization)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_roles"
    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('learner', 'trainer', 'organizer', 'admin')", name="role_known"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(16), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class RecoveryCode(db.Model):
    """A one-time code that replaces the authenticator once; stored hashed, deleted when used."""

    __tablename__ = "recovery_codes"
    __table_args__ = (sa.UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the normalised code: codes carry 80 random bits, so a fast hash is enough.
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UserSession(db.Model):
    """One logged-in browser: the session cookie holds a secret token whose hash is stored here.

    No IP address is kept; the device is a coarse hint ("Firefox", "Android") from the
    User-Agent so that people can recognise their own devices on the sessions page.
    """

    __tablename__ = "user_sessions"

    # Public handle used in the sessions page's forms; never the cookie's token.
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Updated at most every SESSION_TOUCH_INTERVAL seconds, not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    browser: Mapped[str] = mapped_column(sa.String(40), default="")
    system: Mapped[str] = mapped_column(sa.String(40), default="")
    # The TOTP secret being enrolled in this browser, sealed, until a code confirms it.
    pending_totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    # When the password (and code) was last given in this session, after the login itself:
    # sensitive changes ask again once REAUTH_SECONDS have passed (training.accounts.reauth).
    reauthenticated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class TokenPurpose(enum.StrEnum):
    """What a one-time account token is for."""

    EMAIL_VERIFY = "email_verify"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose name; a link sent by e-mail
    RESET_CODE = "reset_code"  # a code staff gave the person


class AccountToken(db.Model):
    """A one-time secret for one account: stored as its SHA-256, deleted when used.

    Links carry 256 random bits and reset codes 60 (behind per-account limits), so a fast
    hash is enough: a copy of the database opens nothing.
    """

    __tablename__ = "account_tokens"
    __table_args__ = (
        sa.CheckConstraint(
            "purpose IN ('email_verify', 'password_reset', 'reset_code')", name="purpose_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The address being verified: a link for an address since replaced does nothing.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Staff who issued a reset code (NULL for links, or once that account is deleted).
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
