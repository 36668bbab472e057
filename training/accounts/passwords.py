"""Password policy and hashing: slow hashes, length limits, no common passwords."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.security import check_password_hash, generate_password_hash

_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    """Lower-cased passwords that are refused because attackers try them first."""
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().casefold() for line in lines if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, username: str = "") -> str | None:
    """Why `password` is not acceptable (translated), or None when it is."""
    low, high = current_app.config["PASSWORD_MIN_LENGTH"], current_app.config["PASSWORD_MAX_LENGTH"]
    if len(password) < low:
        return ngettext(
            "The password must be at least %(num)d character long.",
            "The password must be at least %(num)d characters long.",
            low,
        )
    if len(password) > high:
        return ngettext(
            "The password must be at most %(num)d character long.",
            "The password must be at most %(num)d characters long.",
            high,
        )
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) < 3:
        return _("This password is too common and easy to guess. Choose another.")
    if username and folded == username.casefold():
        return _("The password must not be the same as the username.")
    return None


def hash_password(password: str) -> str:
    """Slow salted hash (scrypt by default; tests configure a cheap method)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str, password: str) -> bool:
    """Constant-time check of `password` against a stored hash."""
    return check_password_hash(password_hash, password)


# Checked against this when the username does not exist, so both cases take the same time.
_DUMMY_HASH: dict[str, str] = {}


def burn_time(password: str) -> None:
    """Spend the time a real check would, so login timing does not reveal usernames."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash("not-a-real-password", method=method)
    check_password_hash(_DUMMY_HASH[method], password)
