"""Certificates: issued once per completion, verifiable by a public code, revocable."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courses.models import Course
from training.accounts.models import User
from training.db import UTCDateTime, utcnow
from training.extensions import db

NAME_MODES = ("full", "initials", "pseudonym")


def certificate_state(
    revoked_at: datetime | None, expires_at: datetime | None, now: datetime
) -> str:
    """valid, expired or revoked: a certificate's state from its two dates."""
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and expires_at <= now:
        return "expired"
    return "valid"


class CertificateSettings(db.Model):
    """What a course's certificate says and how long it is valid (set by its trainers)."""

    __tablename__ = "certificate_settings"

    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(default=True)
    validity_months: Mapped[int | None]
    # Printed hours; by default the course's estimated duration.
    hours: Mapped[float | None]


class Certificate(db.Model):
    """A certificate of one learner for one course; `sequence` counts renewals."""

    __tablename__ = "certificates"
    __table_args__ = (
        # Exactly once: concurrent completions race for the same (user, course, sequence).
        sa.UniqueConstraint("user_id", "course_id", "sequence"),
        sa.CheckConstraint(
            "name_mode IN ('full', 'initials', 'pseudonym')", name="name_mode_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    # NULL once the holder deleted their account: the certificate stays verifiable.
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="RESTRICT"), index=True
    )
    sequence: Mapped[int] = mapped_column(default=1)
    revision_number: Mapped[int]
    course_title: Mapped[str] = mapped_column(sa.String(200))
    hours: Mapped[float]
    issuer_name: Mapped[str] = mapped_column(sa.String(200))
    trainer_name: Mapped[str] = mapped_column(sa.String(200), default="")
    # The holder's name when it was issued, and how they want it shown publicly.
    holder_name: Mapped[str] = mapped_column(sa.String(200), default="")
    name_mode: Mapped[str] = mapped_column(sa.String(16), default="initials")
    pseudonym: Mapped[str] = mapped_column(sa.String(120), default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    revoke_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()

    def status(self, now: datetime) -> str:
        """valid, expired or revoked."""
        return certificate_state(self.revoked_at, self.expires_at, now)

    @property
    def public_name(self) -> str:
        """The holder's name as they chose to show it to strangers."""
        if self.user_id is None and not self.holder_name:
            return ""
        if self.name_mode == "full":
            return self.holder_name
        if self.name_mode == "pseudonym":
            return self.pseudonym
        return initials(self.holder_name)

    @property
    def signed_name(self) -> str:
        """The name a signed credential states: fixed at issue, never a pseudonym.

        The full name or its initials come from the name recorded when the certificate was
        issued; a pseudonym is the holder's own words, so no signature vouches for it.
        """
        return "" if self.name_mode == "pseudonym" else self.public_name


def initials(name: str) -> str:
    """ "Лев Николаевич Толстой" -> "Л. Н. Т." (letters only; empty for an empty name)."""
    return " ".join(part[0].upper() + "." for part in name.split() if part[0].isalpha())
