"""A person's messages in their export and under retention: e-mail address, notifications,
notification preferences and the mail sent to them (subjects and delivery facts).

Deletion needs nothing here: each of these rows belongs to the account (ON DELETE CASCADE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from training.accounts.models import AccountToken, User
from training.db import utcnow
from training.extensions import db
from training.mail.models import OutboxMessage
from training.notifications.models import Notification, NotificationPreference
from training.notifications.services import shown


def messages_personal_data(user: User) -> dict[str, Any]:
    """The export's files about the person's e-mail, notifications and mail."""
    notes = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    preferences = db.session.scalars(
        sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id)
    )
    return {
        "email.json": {"address": user.email, "confirmed_at": user.email_verified_at},
        "notifications.json": [
            {
                "created_at": note.created_at,
                "kind": note.kind,
                "text": shown(note)["text"],
                "facts": note.params,
                "read_at": note.read_at,
            }
            for note in notes
        ],
        "notification_preferences.json": {row.kind: row.channel for row in preferences},
        "mail.json": [
            {
                "created_at": row.created_at,
                "to": row.recipient,
                "subject": row.subject,
                "kind": row.kind,
                "status": row.status,
                "sent_at": row.sent_at,
            }
            for row in mail
        ],
    }


@dataclass(frozen=True)
class MessagesPurge:
    """What a retention run removed."""

    notifications: int
    mail: int
    addresses: int


def purge_messages(cutoff: datetime, now: datetime | None = None) -> MessagesPurge:
    """Delete old notifications and delivered or failed mail; accounts inactive since `cutoff`
    lose their e-mail address, notifications and pending mail too."""
    now = now or utcnow()
    config = current_app.config
    inactive = sa.select(User.id).where(
        sa.func.coalesce(User.last_login_at, User.created_at) < cutoff
    )
    old_notes = now - timedelta(days=int(config["NOTIFICATION_RETENTION_DAYS"]))
    notes = db.session.execute(
        sa.delete(Notification).where(
            sa.or_(Notification.created_at < old_notes, Notification.user_id.in_(inactive))
        )
    ).rowcount
    old_mail = now - timedelta(days=int(config["MAIL_RETENTION_DAYS"]))
    mail = db.session.execute(
        sa.delete(OutboxMessage).where(
            sa.or_(
                sa.and_(OutboxMessage.status != "pending", OutboxMessage.created_at < old_mail),
                OutboxMessage.user_id.in_(inactive),
            )
        )
    ).rowcount
    db.session.execute(sa.delete(AccountToken).where(AccountToken.user_id.in_(inactive)))
    addresses = db.session.execute(
        sa.update(User)
        .where(User.id.in_(inactive), User.email.is_not(None))
        .values(email=None, email_verified_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    return MessagesPurge(notes or 0, mail or 0, addresses or 0)
