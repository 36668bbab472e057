"""Organization tree (federal → regional → local → primary) and invite codes."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.db import UTCDateTime, utcnow
from training.extensions import db


class OrgKind(enum.StrEnum):
    """Level of an organization in the union's tree, from the top down."""

    FEDERAL = "federal"
    REGIONAL = "regional"
    LOCAL = "local"
    PRIMARY = "primary"

    @property
    def level(self) -> int:
        return list(OrgKind).index(self)

    @property
    def label(self) -> str:
        return str(ORG_KIND_LABELS[self])


ORG_KIND_LABELS = {
    OrgKind.FEDERAL: _l("Federal organization"),
    OrgKind.REGIONAL: _l("Regional organization"),
    OrgKind.LOCAL: _l("Local organization"),
    OrgKind.PRIMARY: _l("Primary organization"),
}


def path_ids(path: str) -> list[int]:
    """The ids a materialized path names, from the root down: "/1/7/42/" -> [1, 7, 42]."""
    return [int(part) for part in path.strip("/").split("/") if part]


def path_below(parent_path: str | None, org_id: int) -> str:
    """The path of organization `org_id` placed under the one at `parent_path` (None: the top)."""
    return f"{parent_path or '/'}{org_id}/"


class Organization(db.Model):
    """A node of the union's tree; `path` lists the ids from the root so subtrees are one LIKE."""

    __tablename__ = "organizations"
    __table_args__ = (
        sa.UniqueConstraint("parent_id", "name"),
        sa.CheckConstraint(
            "kind IN ('federal', 'regional', 'local', 'primary')", name="kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(16))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    # "/1/7/42/": ids from the root down to and including this node.
    path: Mapped[str] = mapped_column(sa.String(400), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Organization | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organization]] = relationship(
        back_populates="parent", order_by="Organization.name"
    )

    @property
    def org_kind(self) -> OrgKind:
        return OrgKind(self.kind)

    @property
    def lineage_ids(self) -> list[int]:
        """Ids from the root down to and including this organization."""
        return path_ids(self.path)

    @property
    def depth(self) -> int:
        return len(self.lineage_ids) - 1

    def is_within(self, other: Organization) -> bool:
        """True when this organization is `other` or lies below it."""
        return self.path.startswith(other.path)

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r}>"


class InviteCode(db.Model):
    """A code that lets a new user register straight into an organization."""

    __tablename__ = "invite_codes"
    __table_args__ = (
        sa.CheckConstraint("max_uses IS NULL OR max_uses > 0", name="max_uses_positive"),
        sa.CheckConstraint("uses >= 0", name="uses_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_uses: Mapped[int | None]
    uses: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship()

    def problem(self, now: datetime) -> str | None:
        """Why this code cannot be used now (a translated message), or None when it can."""
        if self.revoked_at is not None:
            return str(_l("This invite code has been withdrawn."))
        if self.expires_at is not None and self.expires_at <= now:
            return str(_l("This invite code has expired."))
        if self.max_uses is not None and self.uses >= self.max_uses:
            return str(_l("This invite code has been used up."))
        return None
