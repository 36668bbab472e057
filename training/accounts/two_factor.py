"""Two-factor authentication: TOTP codes (RFC 6238) and one-time recovery codes.

TOTP secrets are stored sealed (Fernet, keys from TWO_FACTOR_ENCRYPTION_KEYS): a copy of the
database or of a backup does not give away anyone's second factor without the key.
Services flush, never commit. A TOTP code is accepted for the current 30-second step and
one step either side (clock drift); the accepted step is stored and that step or an earlier
one is refused afterwards, so an overheard code cannot be used again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from training.accounts.models import RecoveryCode, Role, User, UserSession
from training.accounts.passwords import verify_password
from training.accounts.sessions import end_sessions
from training.audit import audit
from training.db import utcnow
from training.errors import ServiceError
from training.extensions import db

RECOVERY_CODE_COUNT = 10
# Crockford's base32 (no I, L, O, U): 16 characters carry 80 random bits.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RECOVERY_LENGTH = 16
_TOTP_RE = re.compile(r"^\d{6}$")


def two_factor_required(user: User) -> bool:
    """True when one of the user's roles is in TWO_FACTOR_REQUIRED_ROLES."""
    return not user.roles.isdisjoint(map(Role, current_app.config["TWO_FACTOR_REQUIRED_ROLES"]))


def _box() -> MultiFernet:
    keys = current_app.config["TWO_FACTOR_ENCRYPTION_KEYS"]
    return MultiFernet([Fernet(key) for key in keys])


def seal_secret(secret: str) -> str:
    """A TOTP secret as stored: encrypted and authenticated with the first configured key."""
    return _box().encrypt(secret.encode()).decode()


def open_secret(sealed: str) -> str:
    """The TOTP secret in `sealed`, opened with any configured key."""
    try:
        return _box().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise RuntimeError(
            "A two-factor secret cannot be opened with TWO_FACTOR_ENCRYPTION_KEYS: "
            "was a key removed before `users rotate-two-factor-key` ran?"
        ) from None


def rotate_secrets() -> int:
    """Seal every stored secret (enrolled and being enrolled) with the first key; how many."""
    box = _box()
    count = 0
    for user in db.session.scalars(sa.select(User).where(User.totp_secret.is_not(None))):
        user.totp_secret = box.rotate(user.totp_secret.encode()).decode()
        count += 1
    pending = sa.select(UserSession).where(UserSession.pending_totp_secret.is_not(None))
    for row in db.session.scalars(pending):
        row.pending_totp_secret = box.rotate(row.pending_totp_secret.encode()).decode()
        count += 1
    db.session.flush()
    return count


def pending_secret(row: UserSession) -> str:
    """The secret being enrolled in this login session: kept sealed on its server-side row,
    never in the cookie, and made on first use."""
    if row.pending_totp_secret:
        return open_secret(row.pending_totp_secret)
    secret = new_secret()
    row.pending_totp_secret = seal_secret(secret)
    db.session.flush()
    return secret


def new_secret() -> str:
    """A fresh TOTP secret: 160 random bits in base32, as RFC 4226 recommends."""
    return pyotp.random_base32()


def format_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=username, issuer_name=current_app.config["PLATFORM_NAME"]
    )


def qr_svg(uri: str, title: str) -> Markup:
    """The address as an inline SVG QR code, drawn here (no outside service, no script)."""
    import segno  # here: only setting up two-factor draws one, so most workers never load it

    svg = segno.make(uri, error="m").svg_inline(
        scale=4, title=title, svgclass="qr-code", lineclass=None, omitsize=True
    )
    return Markup(svg)  # noqa: S704 - segno's own markup; the title is escaped by segno


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, one before or one after) whose code equals `code`, or None."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normalise_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "").upper()


def _hash_recovery(code: str) -> str:
    # Readers mix up O/0 and I/L/1; Crockford's decoding maps them back.
    code = code.replace("O", "0").replace("I", "1").replace("L", "1")
    return hashlib.sha256(code.encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_hash_recovery(_normalise_code(code)))
        for code in codes
    )
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes the account has."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id)
        )
        or 0
    )


def _wrong_code() -> ServiceError:
    return ServiceError(
        _(
            "This code is not correct. Enter the 6-digit code your app shows now, "
            "or one of your recovery codes."
        ),
        "code",
    )


def _accept_totp(user: User, secret: str, code: str, now: datetime) -> None:
    step = _matching_step(secret, code, now)
    if step is None:
        raise _wrong_code()
    # One conditional UPDATE: of two requests racing with the same code, only one moves
    # the step forward (the database re-checks the condition under the row lock).
    moved = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session="fetch")
    )
    if moved.rowcount != 1:
        raise ServiceError(
            _("This code has already been used. Wait for the next code in your app."), "code"
        )


def verify_second_factor(user: User, raw_code: str, now: datetime | None = None) -> str:
    """Check a login's second factor; returns "totp" or "recovery" (that code is used up)."""
    if not user.two_factor_enabled or user.totp_secret is None:
        raise ServiceError(_("Two-factor authentication is not turned on for this account."))
    code = _normalise_code(raw_code)
    if _TOTP_RE.fullmatch(code):
        _accept_totp(user, open_secret(user.totp_secret), code, now or utcnow())
        db.session.flush()
        return "totp"
    if len(code) != _RECOVERY_LENGTH:
        raise _wrong_code()
    # Deleting is the check: of two requests racing with the same code, only one deletes it.
    used = db.session.execute(
        sa.delete(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_recovery(code)
        )
    )
    if used.rowcount != 1:
        raise _wrong_code()
    db.session.flush()
    return "recovery"


def enable_two_factor(
    user: User, secret: str, raw_code: str, *, keep: UserSession | None = None
) -> list[str]:
    """Turn two-factor on once a code proves the app holds `secret`; returns recovery codes.

    Every other session of the account ends: whoever else was logged in must now pass
    the new second factor.
    """
    if user.two_factor_enabled:
        raise ServiceError(_("Two-factor authentication is already turned on."))
    code = _normalise_code(raw_code)
    if not _TOTP_RE.fullmatch(code):
        raise ServiceError(_("Enter the 6-digit code your app shows."), "code")
    step = _matching_step(secret, code, utcnow())
    if step is None:
        raise ServiceError(
            _(
                "This code is not correct. Check that the time on your phone is set "
                "automatically and enter the newest code."
            ),
            "code",
        )
    user.totp_secret = seal_secret(secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _replace_recovery_codes(user)
    if keep is not None:
        keep.pending_totp_secret = None
    end_sessions(user, keep=keep)
    audit(user.id, "two_factor.enable", "user", user.id)
    db.session.flush()
    return codes


def _check_password(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password):
        raise ServiceError(_("The password is not correct."), "password")


def disable_two_factor(user: User, password: str, raw_code: str) -> None:
    """Turn two-factor off after the password and a current code (or a recovery code)."""
    _check_password(user, password)
    verify_second_factor(user, raw_code)
    _clear(user)
    audit(user.id, "two_factor.disable", "user", user.id)
    db.session.flush()


def regenerate_recovery_codes(user: User, password: str) -> list[str]:
    """Replace all recovery codes with new ones after checking the password."""
    if not user.two_factor_enabled:
        raise ServiceError(_("Two-factor authentication is not turned on for this account."))
    _check_password(user, password)
    codes = _replace_recovery_codes(user)
    audit(user.id, "two_factor.recovery_codes", "user", user.id)
    return codes


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def reset_two_factor(user: User, actor_id: int | None = None) -> None:
    """Remove an account's second factor and end its sessions (lost phone and codes).

    Used from the shell; holders of staff roles are asked to enrol again at their next login.
    """
    _clear(user)
    end_sessions(user)
    audit(actor_id, "two_factor.reset", "user", user.id)
    db.session.flush()
