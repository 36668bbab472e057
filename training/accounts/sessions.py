"""Server-side login sessions: one row per logged-in browser, with idle and absolute timeouts.

The Flask session cookie (signed) holds a random token; the table keeps only its SHA-256,
so a copy of the database does not let anyone take over a session. Services flush; the
request commits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g
from flask_login import current_user
from sqlalchemy.orm.attributes import set_committed_value

from training.accounts.models import User, UserRole, UserSession
from training.db import attach_row, utcnow
from training.extensions import db

#: Key of the session token in the Flask session cookie.
TOKEN_KEY = "sid"  # noqa: S105 - a dictionary key, not a secret

# Checked in order: many browsers also call themselves Chrome and Safari, so the more
# specific names come first. Coarse on purpose: a hint to recognise one's own device.
_BROWSERS = (
    (re.compile(r"YaBrowser/"), "Yandex Browser"),
    (re.compile(r"SamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"Edg(e|A|iOS)?/"), "Edge"),
    (re.compile(r"OPR/|Opera"), "Opera"),
    (re.compile(r"Firefox/|FxiOS/"), "Firefox"),
    (re.compile(r"Chrome/|CriOS/|Chromium/"), "Chrome"),
    (re.compile(r"Safari/"), "Safari"),
)
_SYSTEMS = (
    (re.compile(r"Android"), "Android"),
    (re.compile(r"iPhone|iPad|iPod"), "iOS"),
    (re.compile(r"CrOS"), "ChromeOS"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"Macintosh|Mac OS X"), "macOS"),
    (re.compile(r"Linux|X11"), "Linux"),
)


def device_hint(user_agent: str) -> tuple[str, str]:
    """Browser and system names from a User-Agent, e.g. ("Firefox", "Android"); "" if unknown."""
    ua = (user_agent or "")[:512]
    browser = next((name for pattern, name in _BROWSERS if pattern.search(ua)), "")
    system = next((name for pattern, name in _SYSTEMS if pattern.search(ua)), "")
    return browser, system


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _timeouts() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (
        timedelta(seconds=int(config["SESSION_IDLE_TIMEOUT"])),
        timedelta(seconds=int(config["SESSION_ABSOLUTE_TIMEOUT"])),
    )


def is_expired(row: UserSession, now: datetime | None = None) -> bool:
    """True when the session was idle too long or is older than the absolute timeout."""
    now = now or utcnow()
    idle, absolute = _timeouts()
    return now - row.last_seen_at > idle or now - row.created_at > absolute


def _expired_clause(now: datetime) -> sa.ColumnElement[bool]:
    idle, absolute = _timeouts()
    return sa.or_(UserSession.last_seen_at < now - idle, UserSession.created_at < now - absolute)


def start_session(user: User, user_agent: str) -> tuple[UserSession, str]:
    """Open a session for a user who has just proved who they are; returns it and its token."""
    now = utcnow()
    # Expired rows of this account go now, so the table holds only live sessions.
    db.session.execute(
        sa.delete(UserSession).where(UserSession.user_id == user.id, _expired_clause(now))
    )
    token = secrets.token_urlsafe(32)
    browser, system = device_hint(user_agent)
    row = UserSession(
        id=secrets.token_urlsafe(16),
        token_hash=_hash(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        browser=browser,
        system=system,
    )
    db.session.add(row)
    user.last_login_at = now
    db.session.flush()
    return row, token


# One Core statement for every request of a logged-in person: the session row, its account and
# the account's roles (one result row per role). Built once per process, so SQLAlchemy finds its
# compiled form in the cache and no ORM loading machinery runs; attach_row puts the objects in the
# session as if an ORM query had loaded them.
_SESSIONS = UserSession.__table__
_USERS = User.__table__
_ROLES = UserRole.__table__
# The header's unread count rides along (a table clause: the core's notifications package
# sits beside accounts, and this module must not import it).
_NOTES = sa.table("notifications", sa.column("user_id"), sa.column("read_at"))
_UNREAD = (
    sa.select(sa.func.count())
    .select_from(_NOTES)
    .where(_NOTES.c.user_id == _USERS.c.id, _NOTES.c.read_at.is_(None))
    .scalar_subquery()
    .label("unread_notifications")
)
_LOAD_SESSION = (
    sa.select(_SESSIONS, _USERS, _ROLES.c.role, _UNREAD)
    .join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
    .outerjoin(_ROLES, _ROLES.c.user_id == _USERS.c.id)
    .where(_SESSIONS.c.token_hash == sa.bindparam("token_hash"))
    .set_label_style(sa.LABEL_STYLE_TABLENAME_PLUS_COL)
)


def _load_row(token: str) -> UserSession | None:
    """The session row for this token with its user and roles attached, or None (one query)."""
    # On the session's connection (its transaction): a Core statement gains nothing from the
    # ORM's execute step (no autoflush either way), which cost a third again of running it.
    connection = db.session.connection()
    rows = connection.execute(_LOAD_SESSION, {"token_hash": _hash(token)}).mappings().all()
    if not rows:
        return None
    user, fresh = attach_row(db.session, User, rows[0])
    # Read by the header (training.notifications.views.unread_notifications) instead of a
    # statement of its own; marking notifications read drops it.
    user.unread_loaded = rows[0]["unread_notifications"]
    if fresh:
        roles = [
            attach_row(db.session, UserRole, {_ROLES.c.user_id: user.id, _ROLES.c.role: role})[0]
            for role in (r[_ROLES.c.role] for r in rows)
            if role is not None
        ]
        set_committed_value(user, "role_rows", roles)
    row, fresh = attach_row(db.session, UserSession, rows[0])
    if fresh:
        set_committed_value(row, "user", user)
    return row


def load_session(token: str) -> UserSession | None:
    """The live session this token opens, with its user and roles (one query), or None.

    An expired session is deleted. last_seen_at is moved on only when it is older than
    SESSION_TOUCH_INTERVAL, so most requests write nothing.
    """
    row = _load_row(token)
    if row is None:
        return None
    now = utcnow()
    if is_expired(row, now):
        db.session.delete(row)
        db.session.flush()
        return None
    touch_interval = timedelta(seconds=int(current_app.config["SESSION_TOUCH_INTERVAL"]))
    if now - row.last_seen_at >= touch_interval:
        row.last_seen_at = now
    return row


def current_session() -> UserSession | None:
    """The session row of the logged-in user making this request, if any."""
    if not current_user.is_authenticated:  # loading the user loads the session row too
        return None
    return g.get("user_session")


def active_sessions(user: User) -> list[UserSession]:
    """The account's live sessions, most recently used first."""
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(UserSession.user_id == user.id, sa.not_(_expired_clause(utcnow())))
            .order_by(UserSession.last_seen_at.desc(), UserSession.created_at.desc())
        )
    )


def end_session(row: UserSession) -> None:
    """Log one session out: its browser is asked to log in again on its next request."""
    db.session.delete(row)
    db.session.flush()


def end_sessions(user: User, keep: UserSession | None = None) -> int:
    """End every session of the account except `keep`; returns how many ended."""
    query = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(query.execution_options(synchronize_session="fetch"))
    db.session.flush()
    return result.rowcount or 0


def purge_expired_sessions() -> int:
    """Delete every expired session row (for a periodic job); returns how many."""
    result = db.session.execute(sa.delete(UserSession).where(_expired_clause(utcnow())))
    db.session.flush()
    return result.rowcount or 0
