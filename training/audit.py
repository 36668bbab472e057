"""The audit trail: who did what to whom, when. Append-only from the application."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from training.db import UTCDateTime, utcnow
from training.extensions import db


class AuditEvent(db.Model):
    """One recorded action (role change, revocation, export…); rows are never updated."""

    __tablename__ = "audit_events"
    __table_args__ = (
        # A person's data export lists the events about them (target) as well as by them.
        sa.Index("ix_audit_events_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # SET NULL when the account is deleted: the fact stays, the link to the person goes.
    # Indexed for the admin page's actor filter and for that SET NULL.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[str] = mapped_column(sa.String(64))
    # Ids and facts only, never a person's name or e-mail: rows outlive accounts.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


def audit(
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: object,
    **details: Any,
) -> AuditEvent:
    """Append one event to the audit trail (committed with the request)."""
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details,
    )
    db.session.add(event)
    return event


# What each action means, for the admin page. Actions added later (by other packages) are
# shown by their code until they get a label here.
ACTION_LABELS = {
    "user.roles": _l("Roles changed"),
    "user.organization": _l("Moved to another organization"),
    "user.block": _l("Account blocked"),
    "user.unblock": _l("Account unblocked"),
    "organization.create": _l("Organization created"),
    "organization.rename": _l("Organization renamed"),
    "organization.move": _l("Organization moved"),
    "organization.relevel": _l("Organization level changed"),
    "organization.delete": _l("Organization deleted"),
    "invite.create": _l("Invite code created"),
    "invite.revoke": _l("Invite code withdrawn"),
    "quiz.essay_grade": _l("Essay answer graded"),
    "assignment.review_discard": _l("Peer review discarded"),
    "certificate.revoke": _l("Certificate revoked"),
    "certificate.unrevoke": _l("Certificate revocation undone"),
    "certificate.public_name": _l("Certificate's public name changed"),
    "account.export": _l("Personal data downloaded"),
    "account.delete": _l("Account deleted"),
    "cohort.create": _l("Cohort created"),
    "cohort.update": _l("Cohort settings changed"),
    "cohort.code": _l("Cohort invite link renewed"),
    "cohort.join": _l("Learner joined a cohort"),
    "cohort.learner_view": _l("Learner's page in a cohort viewed"),
    "privacy.purge": _l("Learning records of inactive accounts anonymised"),
    "account.email": _l("E-mail address changed"),
    "account.email_verified": _l("E-mail address confirmed"),
    "password.reset_requested": _l("Password reset asked for"),
    "password.reset_link": _l("Password reset by an e-mailed link"),
    "password.reset_code_issued": _l("Password reset code issued"),
    "password.reset_code_used": _l("Password reset with a code"),
    "two_factor.enable": _l("Two-factor authentication turned on"),
    "two_factor.disable": _l("Two-factor authentication turned off"),
    "two_factor.recovery_codes": _l("New recovery codes made"),
    "two_factor.reset": _l("Second factor reset by an administrator"),
    "stats.learners.view": _l("Learner list viewed"),
    "stats.learners.export": _l("Learner list downloaded"),
}

# What the details of an entry are called on the page; unknown keys show as they are.
DETAIL_LABELS = {
    "before": _l("before"),
    "after": _l("after"),
    "old": _l("before"),
    "new": _l("after"),
    "reason": _l("reason"),
    "previous_reason": _l("earlier reason"),
    "removed": _l("removed"),
    "issued_by": _l("issued by"),
    "mode": _l("shown as"),
    "name": _l("name"),
    "kind": _l("kind"),
    "days": _l("days"),
    "rows": _l("rows"),
    "events": _l("events"),
    "accounts": _l("accounts"),
    "courses": _l("courses"),
    "language": _l("language"),
    "period": _l("period"),
    "whole_list": _l("whole list"),
    "file_format": _l("file"),
    "expires_at": _l("valid until"),
    "max_uses": _l("uses allowed"),
    "organization_id": _l("organization"),
    "old_organization_id": _l("from organization"),
    "new_organization_id": _l("to organization"),
    "parent_id": _l("parent organization"),
    "old_parent_id": _l("from parent"),
    "new_parent_id": _l("to parent"),
    "learning_events_anonymised": _l("learning events anonymised"),
    "page_after": _l("list from"),
    "course_id": _l("course"),
    "cohort_id": _l("cohort"),
    "user_id": _l("account"),
}


TARGET_LABELS = {
    "user": _l("account"),
    "organization": _l("organization"),
    "certificate": _l("certificate"),
    "invite": _l("invite code"),
    "learning_events": _l("learning record"),
    "cohort": _l("cohort"),
}


def target_label(target_type: str) -> str:
    """What kind of thing an entry is about, as words."""
    label = TARGET_LABELS.get(target_type)
    return str(label) if label is not None else target_type


def detail_text(key: str, value: object) -> str:
    """One detail of an audit entry as words: "roles: learner, trainer", "whole list: yes"."""
    label = str(DETAIL_LABELS.get(key, key))
    if value is None or value == []:
        shown = "—"
    elif isinstance(value, bool):
        shown = str(_l("yes") if value else _l("no"))
    elif isinstance(value, list | tuple):
        from training.accounts.models import ROLE_LABELS  # roles are what lists hold here

        names = {str(role): label for role, label in ROLE_LABELS.items()}
        shown = ", ".join(str(names.get(str(item), item)) for item in value)
    elif value == "all":
        shown = str(_l("all"))
    elif isinstance(value, str) and (period := _PERIOD.fullmatch(value)):
        start, end = (date.fromisoformat(day) for day in period.groups())
        shown = f"{format_date(start, 'short')} – {format_date(end, 'short')}"
    else:
        shown = str(value)
    return f"{label}: {shown}"


_PERIOD = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")


def action_label(action: str) -> str:
    """The translated description of an action code (the code itself when unknown)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


@dataclass(frozen=True)
class AuditFilter:
    """What the admin page narrows the trail to; None means "any"."""

    action: str | None = None
    actor_ids: list[int] | None = None  # the accounts matching a username search
    since: datetime | None = None
    before: datetime | None = None


def audit_query(where: AuditFilter) -> sa.Select[tuple[AuditEvent]]:
    """Events matching the filter, newest first."""
    query = sa.select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if where.action:
        query = query.where(AuditEvent.action == where.action)
    if where.actor_ids is not None:
        query = query.where(AuditEvent.actor_id.in_(where.actor_ids))
    if where.since is not None:
        query = query.where(AuditEvent.created_at >= where.since)
    if where.before is not None:
        query = query.where(AuditEvent.created_at < where.before)
    return query


def known_actions() -> list[str]:
    """Every action code with a label plus any other code already in the trail."""
    recorded = db.session.scalars(sa.select(AuditEvent.action).distinct())
    return sorted(set(ACTION_LABELS) | set(recorded))


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit row through the ORM."""


@sa.event.listens_for(Session, "before_flush")
def _refuse_changes_to_audit_rows(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AuditTrailIsAppendOnly("audit events cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj, include_collections=False):
            raise AuditTrailIsAppendOnly("audit events cannot be changed")


@sa.event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes_to_audit_rows(state: ORMExecuteState) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ is AuditEvent:
        raise AuditTrailIsAppendOnly("audit events cannot be changed or deleted")
