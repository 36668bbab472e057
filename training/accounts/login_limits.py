"""Login limits that slow attackers without locking the owner out.

- Wrong passwords are limited per (account, address), not per account: a stranger failing
  on someone's account from elsewhere uses up only their own allowance.
- Per account, after LOGIN_DELAY_FREE_FAILURES wrong passwords each further try must wait a
  growing delay (1, 2, 4… seconds, at most LOGIN_DELAY_MAX_SECONDS) after the last failure:
  a guesser spread over many addresses gets at most one try per delay.
- A browser where the account logged in before carries a signed long-lived cookie
  (KNOWN_DEVICE_COOKIE). There the account's delay does not apply and the per-account limit
  counts for that device alone, so the owner gets in while the account is under attack.

The counters live in the rate-limit storage (memory, or Redis shared by every node).
Waiting times compare with `training.db.utcnow()`, so tests move the clock instead of sleeping.
"""

from __future__ import annotations

import secrets

from flask import Response, after_this_request, current_app, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits.storage import Storage

from training.accounts.models import User, normalise_username
from training.db import utcnow
from training.extensions import limiter


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _known_device(username: str) -> str | None:
    """The id of this browser's known-device cookie when it was set for `username`."""
    raw = request.cookies.get(current_app.config["KNOWN_DEVICE_COOKIE"], "")
    if not raw:
        return None
    max_age = int(current_app.config["KNOWN_DEVICE_DAYS"]) * 24 * 3600
    try:
        data = _serializer().loads(raw[:500], max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("n") != username:
        return None
    device = data.get("d")
    return device if isinstance(device, str) else None


def login_account_key() -> str:
    """Rate-limit key for wrong passwords: the account with this device, else with the address."""
    username = normalise_username(request.form.get("username", ""))
    device = _known_device(username)
    if device is not None:
        return f"login:device:{device}:account:{username}"
    return f"login:account:{username}:address:{get_remote_address()}"


def _counters() -> Storage | None:
    """The rate-limit storage, or None where rate limits are switched off (RATELIMIT_ENABLED):
    the account's delay is one of them, and Flask-Limiter then sets up no storage at all."""
    return limiter.storage if current_app.config.get("RATELIMIT_ENABLED", True) else None


def _keys(username: str) -> tuple[str, str]:
    return f"login-failures:account:{username}", f"login-wait:account:{username}"


def _now() -> int:
    return int(utcnow().timestamp())


def waiting_seconds(username: str) -> int:
    """How long this browser must wait before trying a password on `username` (0: go ahead)."""
    username = normalise_username(username)
    if _known_device(username) is not None:
        return 0
    counters = _counters()
    if counters is None:
        return 0
    return max(0, counters.get(_keys(username)[1]) - _now())


def record_failure(username: str) -> None:
    """Count a wrong password on the account and, past the free ones, start its delay."""
    username = normalise_username(username)
    counters = _counters()
    if counters is None:
        return
    if _known_device(username) is not None:
        return  # the owner's own typos are the device's limit's business
    config = current_app.config
    failures_key, wait_key = _keys(username)
    failures = counters.incr(failures_key, int(config["LOGIN_FAILURE_WINDOW"]))
    over = failures - int(config["LOGIN_DELAY_FREE_FAILURES"])
    if over <= 0:
        return
    delay = min(2 ** min(over - 1, 30), int(config["LOGIN_DELAY_MAX_SECONDS"]))
    counters.clear(wait_key)
    # The value is the moment the wait ends; the storage's own expiry only tidies up.
    counters.incr(wait_key, delay + 60, amount=_now() + delay)


def record_success(username: str) -> None:
    """A right password: the account's count of failures starts again."""
    counters = _counters()
    if counters is None:
        return
    for key in _keys(normalise_username(username)):
        counters.clear(key)


def remember_device(user: User) -> None:
    """Give this browser a signed cookie saying the account logged in here."""
    value = _serializer().dumps({"n": user.username, "d": secrets.token_urlsafe(12)})
    config = current_app.config

    @after_this_request
    def _set(response: Response) -> Response:
        response.set_cookie(
            config["KNOWN_DEVICE_COOKIE"],
            value,
            max_age=int(config["KNOWN_DEVICE_DAYS"]) * 24 * 3600,
            secure=config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response
