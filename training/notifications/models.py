"""In-app notifications and each person's choice of channel per kind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from training.db import UTCDateTime, utcnow
from training.extensions import db


class Notification(db.Model):
    """Something that happened for one person; its text is written in the reader's language
    when shown, from its kind (registered by the package that sends it) and its facts."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    # Facts the kind's text needs (a course title, a role name, a path on this site).
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotificationPreference(db.Model):
    """How one person wants one kind: "app" only, or "email" too (verified addresses only).

    No row means the kind's default.
    """

    __tablename__ = "notification_preferences"
    __table_args__ = (sa.CheckConstraint("channel IN ('app', 'email')", name="channel_known"),)

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(8))
