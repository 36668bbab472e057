"""Notifying people: a row per notification, and an e-mail when they want one and can get one.

The kinds come from `training.hooks.notification_kinds`; this module never knows who sends.
Services flush; the request commits (and only then is any e-mail delivered).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer

from training import hooks
from training.accounts.models import User
from training.db import utcnow
from training.extensions import db
from training.mail.outbox import external_url, queue_mail, user_locale
from training.notifications.models import Notification, NotificationPreference

CHANNELS = ("app", "email")


def kinds() -> list[hooks.NotificationKind]:
    """The registered kinds, in registration (layer) order."""
    return hooks.notification_kinds.items()


def find_kind(name: str) -> hooks.NotificationKind | None:
    """The registered kind called `name`, or None."""
    return next((kind for kind in kinds() if kind.name == name), None)


def channel(user: User, kind: hooks.NotificationKind) -> str:
    """ "email" when this kind should also be mailed to the person (if verified), else "app"."""
    chosen = db.session.get(NotificationPreference, (user.id, kind.name))
    if chosen is not None:
        return chosen.channel
    return "email" if kind.email_by_default else "app"


def preferences(user: User) -> dict[str, str]:
    """The person's channel for every registered kind."""
    return {kind.name: channel(user, kind) for kind in kinds()}


def set_preference(user: User, kind_name: str, chosen: str) -> None:
    """Keep the person's choice for one kind (an unknown kind or channel is a bug)."""
    if find_kind(kind_name) is None or chosen not in CHANNELS:
        raise ValueError(f"unknown notification kind or channel: {kind_name!r}, {chosen!r}")
    row = db.session.get(NotificationPreference, (user.id, kind_name))
    if row is None:
        db.session.add(NotificationPreference(user_id=user.id, kind=kind_name, channel=chosen))
    else:
        row.channel = chosen
    db.session.flush()


def notify(user: User, kind_name: str, **params: Any) -> Notification:
    """Tell `user` something of a registered kind; mailed too when they chose so and verified.

    `params` are facts (ids, titles, a role), never a body: the text is written in the
    reader's language each time it is shown.
    """
    kind = find_kind(kind_name)
    if kind is None:
        raise ValueError(f"notification kind {kind_name!r} is not registered")
    note = Notification(user_id=user.id, kind=kind.name, params=params, created_at=utcnow())
    db.session.add(note)
    user.__dict__.pop("unread_loaded", None)  # a count read with the session is now behind
    db.session.flush()
    if user.verified_email and channel(user, kind) == "email":
        _mail(user, kind, params)
    return note


def _mail(user: User, kind: hooks.NotificationKind, params: dict[str, Any]) -> None:
    with force_locale(user_locale(user)):
        text = kind.text(params)
    path = kind.link(params)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    queue_mail(
        user,
        "notification",
        text=text,
        link=base + path if path else "",
        list_url=external_url("notifications.index"),
        unsubscribe_url=external_url(
            "notifications.unsubscribe", token=unsubscribe_token(user, kind.name)
        ),
    )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="notifications-unsubscribe")


def unsubscribe_token(user: User, kind_name: str) -> str:
    """A signed token that turns off e-mail of one kind for one person, without logging in."""
    return str(_serializer().dumps({"u": user.id, "k": kind_name}))


def read_unsubscribe_token(token: str) -> tuple[User, hooks.NotificationKind] | None:
    """The person and kind a genuine token names, or None (forged, or gone since)."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    kind = find_kind(str(data.get("k", "")))
    if user is None or kind is None:
        return None
    return user, kind


def unread_count(user: User) -> int:
    """How many of the person's notifications are unread (one indexed count)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def recent(user: User, limit: int = 100) -> list[Notification]:
    """The person's newest notifications."""
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user: User, notes: list[Notification]) -> None:
    """Mark the notifications just shown to their owner as read."""
    user.__dict__.pop("unread_loaded", None)  # the header counts again after this
    ids = [note.id for note in notes if note.read_at is None and note.user_id == user.id]
    if ids:
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id.in_(ids))
            .values(read_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.flush()


def shown(note: Notification) -> dict[str, Any]:
    """What the page shows for a notification: its text and link in the reader's language."""
    kind = find_kind(note.kind)
    if kind is None:  # a package that sent it was removed: say so rather than fail
        return {"note": note, "text": note.kind, "link": None}
    return {"note": note, "text": kind.text(note.params), "link": kind.link(note.params)}
