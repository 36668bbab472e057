"""Getting back in: e-mail verification, reset links by e-mail, reset codes issued by staff.

Every secret is single-use, stored as its SHA-256 (training.accounts.models.AccountToken)
and deleted by the statement that uses it, so of two requests racing with one secret only
one succeeds. Services flush; the request commits, and only then is any mail delivered.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from training.accounts.models import AccountToken, TokenPurpose, User
from training.accounts.services import find_user, set_password
from training.audit import audit
from training.db import utcnow
from training.errors import ServiceError
from training.extensions import db
from training.mail.outbox import external_url, queue_mail
from training.notifications.services import notify

# Crockford's base32 (no I, L, O, U): 12 characters carry 60 random bits.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LENGTH = 12


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token(
    user: User,
    purpose: TokenPurpose,
    seconds: int,
    secret: str,
    *,
    email: str | None = None,
    created_by: User | None = None,
) -> AccountToken:
    """Store a new secret of this purpose for the account; older ones of it stop working."""
    db.session.execute(
        sa.delete(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.purpose == str(purpose)
        )
    )
    now = utcnow()
    row = AccountToken(
        user_id=user.id,
        purpose=str(purpose),
        token_hash=_hash(secret),
        email=email,
        created_at=now,
        expires_at=now + timedelta(seconds=seconds),
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def find_token(secret: str, purpose: TokenPurpose) -> AccountToken | None:
    """The live token this secret opens for `purpose`, or None (unknown, used or expired)."""
    if not secret or len(secret) > 200:
        return None
    row = db.session.scalar(
        sa.select(AccountToken).where(
            AccountToken.token_hash == _hash(secret), AccountToken.purpose == str(purpose)
        )
    )
    if row is None or row.expires_at <= utcnow():
        return None
    return row


def _use(row: AccountToken) -> None:
    """Spend a token: deleting it is the check (a racing second use deletes nothing)."""
    used = db.session.execute(sa.delete(AccountToken).where(AccountToken.id == row.id))
    if used.rowcount != 1:
        raise ServiceError(_("This link or code has been used already."))


# ---- e-mail addresses -----------------------------------------------------------------------


def change_email(user: User, raw: str | None) -> bool:
    """Set (or remove) the account's address; a new one is sent a verification link.

    Returns whether a link was sent. The address receives nothing else until verified.
    """
    email = (raw or "").strip().lower() or None
    if email == user.email:
        if email and not user.email_verified_at:
            send_verification(user)
            return True
        return False
    if email and db.session.scalar(
        sa.select(User.id).where(User.email == email, User.id != user.id)
    ):
        raise ServiceError(_("This e-mail address is already registered."), "email")
    user.email = email
    user.email_verified_at = None
    audit(user.id, "account.email", "user", user.id, removed=email is None)
    db.session.flush()
    if email is None:
        db.session.execute(
            sa.delete(AccountToken).where(
                AccountToken.user_id == user.id,
                AccountToken.purpose == str(TokenPurpose.EMAIL_VERIFY),
            )
        )
        return False
    send_verification(user)
    return True


def send_verification(user: User) -> None:
    """Queue the link that proves the account's address reaches its owner."""
    if not user.email:
        raise ServiceError(_("There is no e-mail address to confirm."), "email")
    seconds = int(current_app.config["EMAIL_VERIFY_SECONDS"])
    secret = secrets.token_urlsafe(32)
    new_token(user, TokenPurpose.EMAIL_VERIFY, seconds, secret, email=user.email)
    queue_mail(
        user,
        "email_verify",
        address=user.email,
        link=external_url("accounts.email_verify", token=secret),
        hours=seconds // 3600,
    )


def verify_email(secret: str) -> User:
    """Mark the address a verification link was sent to as verified; returns its account."""
    row = find_token(secret, TokenPurpose.EMAIL_VERIFY)
    user = db.session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or row.email != user.email:
        raise ServiceError(
            _(
                "This confirmation link is not valid: it has expired, was used, or the address "
                "has changed since. Ask for a new one under My account → E-mail."
            )
        )
    _use(row)
    user.email_verified_at = utcnow()
    audit(user.id, "account.email_verified", "user", user.id)
    db.session.flush()
    return user


# ---- reset by e-mail link -------------------------------------------------------------------


def request_password_reset(identifier: str) -> None:
    """Send a reset link when `identifier` (username or e-mail) names an active account with a
    verified address; otherwise do nothing. The caller answers the same either way."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        user = db.session.scalar(sa.select(User).where(User.email == identifier.lower()))
    else:
        user = find_user(identifier)
    if user is None or not user.active or not user.verified_email:
        return
    seconds = int(current_app.config["PASSWORD_RESET_LINK_SECONDS"])
    secret = secrets.token_urlsafe(32)
    new_token(user, TokenPurpose.PASSWORD_RESET, seconds, secret)
    queue_mail(
        user,
        "password_reset",
        link=external_url("accounts.reset_with_link", token=secret),
        minutes=seconds // 60,
    )
    audit(None, "password.reset_requested", "user", user.id)


def reset_with_link(secret: str, password: str) -> User:
    """Set a new password through an e-mailed link; ends every session of the account."""
    row = find_token(secret, TokenPurpose.PASSWORD_RESET)
    user = db.session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or not user.active:
        raise ServiceError(_("This reset link is not valid: it has expired or was used already."))
    set_password(user, password)  # checks the password rules first; ends all sessions
    _use(row)
    audit(user.id, "password.reset_link", "user", user.id)
    db.session.flush()
    return user


# ---- reset codes issued by staff ------------------------------------------------------------


def reset_code_problem(actor: User, target: User) -> str | None:
    """Why `actor` may not issue a reset code for `target` (translated), or None."""
    if actor.id == target.id:
        return _("Use “Change password” for your own account.")
    if not actor.can_manage_organization(target.organization):
        return _("This person is outside your part of the union.")
    if target.rank > actor.rank:
        return _("This account holds a higher role than yours; ask an administrator.")
    if not target.active:
        return _("This account is blocked.")
    return None


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


def normalise_code(raw: str) -> str:
    """A typed code in the stored form: no spaces or dashes, upper case, O→0, I/L→1."""
    code = re.sub(r"[\s-]", "", raw or "").upper()
    return code.replace("O", "0").replace("I", "1").replace("L", "1")


def issue_reset_code(actor: User, target: User) -> str:
    """A one-time code (24 hours) for `target` to set a new password; shown once, audited,
    and the person is notified (so a code they did not ask for does not go unnoticed)."""
    if problem := reset_code_problem(actor, target):
        raise ServiceError(problem)
    code = _new_code()
    seconds = int(current_app.config["RESET_CODE_SECONDS"])
    new_token(target, TokenPurpose.RESET_CODE, seconds, normalise_code(code), created_by=actor)
    audit(actor.id, "password.reset_code_issued", "user", target.id)
    notify(target, "reset_code", by=actor.username)
    return code


def reset_with_code(username: str, raw_code: str, password: str) -> User:
    """Set a new password with a staff-issued code; ends every session of the account."""
    wrong = ServiceError(
        _("The username or the code is not correct, or the code has expired or was used."),
        "code",
    )
    user = find_user(username)
    row = find_token(normalise_code(raw_code), TokenPurpose.RESET_CODE)
    if user is None or row is None or row.user_id != user.id or not user.active:
        raise wrong
    set_password(user, password)
    _use(row)
    audit(user.id, "password.reset_code_used", "user", user.id, issued_by=row.created_by_id)
    db.session.flush()
    return user


def purge_expired_tokens() -> int:
    """Delete expired tokens (for the daily job); returns how many."""
    result = db.session.execute(sa.delete(AccountToken).where(AccountToken.expires_at <= utcnow()))
    db.session.flush()
    return result.rowcount or 0
