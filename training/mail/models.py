"""The outbox: every e-mail is a row written in the transaction that decided to send it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from training.db import UTCDateTime, utcnow
from training.extensions import db


class OutboxMessage(db.Model):
    """One e-mail waiting to be delivered, delivered, or given up on.

    The body is blanked once the message is sent: the outbox is a queue, not an archive,
    and administrators see only the delivery facts (address, kind, attempts, last error).
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_known"),
        sa.Index("ix_mail_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The account it is for: deleting the account deletes its mail.
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str] = mapped_column(sa.String(254))
    kind: Mapped[str] = mapped_column(sa.String(40))  # e.g. "email_verify", "notification"
    subject: Mapped[str] = mapped_column(sa.String(200))
    body_text: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    # An unsubscribe address for the List-Unsubscribe header (notification mail only).
    unsubscribe_url: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A node sending it holds it until then; a node that died lets it go when this passes.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(sa.String(200), default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
