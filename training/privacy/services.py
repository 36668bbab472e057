"""A person's data: export it all, delete the account, anonymise the record of inactive accounts.

Services flush and never commit: the request (or the CLI command) commits once, so a deletion
lands whole or not at all.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from training import hooks
from training.accounts.models import User
from training.accounts.passwords import verify_password
from training.admin.services import active_admin_count
from training.audit import AuditEvent, audit
from training.db import utcnow
from training.errors import ServiceError
from training.events import LearningEvent, anonymise_actor
from training.extensions import db
from training.organizations.models import InviteCode, Organization
from training.privacy.messages import messages_personal_data
from training.progress import Reporter, silent

# ---- export ---------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json_bytes(value: Any) -> bytes:
    """Readable UTF-8 JSON (Cyrillic as letters, dates as ISO 8601)."""
    return json.dumps(value, ensure_ascii=False, indent=2, default=_json_default).encode("utf-8")


def core_personal_data(user: User) -> dict[str, Any]:
    """What the core holds about one person: account, organization, roles, logs, invites."""
    return {
        "profile.json": {
            "account_id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "language": user.locale,
            "active": user.active,
            "registered_at": user.created_at,
            "last_login_at": user.last_login_at,
        },
        "organization.json": _organization_data(user.organization),
        "roles.json": sorted(str(role) for role in user.roles),
        "learning_events.json": _learning_events_data(user),
        "audit_events.json": _audit_data(user),
        "invite_codes_created.json": _invites_data(user),
        **messages_personal_data(user),
    }


def _organization_data(org: Organization) -> dict[str, Any]:
    ancestor_ids = org.lineage_ids
    names = dict(
        db.session.execute(
            sa.select(Organization.id, Organization.name).where(Organization.id.in_(ancestor_ids))
        ).all()
    )
    return {
        "id": org.id,
        "name": org.name,
        "level": org.kind,
        "within": [names[i] for i in ancestor_ids if i in names],
    }


def _learning_events_data(user: User) -> list[dict[str, Any]]:
    events = db.session.scalars(
        sa.select(LearningEvent)
        .where(LearningEvent.actor_id == user.id)
        .order_by(LearningEvent.timestamp, LearningEvent.id)
    )
    return [
        {
            "statement_id": e.statement_id,
            "timestamp": e.timestamp,
            "verb": e.verb,
            "object_type": e.object_type,
            "object": e.object_path,
            "object_name": e.object_name,
            "result": e.result,
            "context": e.context,
        }
        for e in events
    ]


def _audit_data(user: User) -> list[dict[str, Any]]:
    """Events by the person, and events about their account.

    Who acted on the account is left out: other people's account numbers are theirs, not
    this person's.
    """
    rows = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            sa.or_(
                AuditEvent.actor_id == user.id,
                sa.and_(AuditEvent.target_type == "user", AuditEvent.target_id == str(user.id)),
            )
        )
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    return [
        {
            "created_at": row.created_at,
            "action": row.action,
            "by_you": row.actor_id == user.id,
            "target_type": row.target_type,
            "target_id": row.target_id,
            "details": row.details,
        }
        for row in rows
    ]


def _invites_data(user: User) -> list[dict[str, Any]]:
    invites = db.session.scalars(
        sa.select(InviteCode).where(InviteCode.created_by_id == user.id).order_by(InviteCode.id)
    )
    return [
        {
            "code": invite.code,
            "organization_id": invite.organization_id,
            "created_at": invite.created_at,
            "expires_at": invite.expires_at,
            "max_uses": invite.max_uses,
            "uses": invite.uses,
            "revoked_at": invite.revoked_at,
        }
        for invite in invites
    ]


def personal_data_files(user: User) -> dict[str, Any]:
    """Every file of a person's export: the core's, then each feature package's."""
    files = core_personal_data(user)
    for exporter in hooks.personal_data_exporters:
        for name, content in exporter(user).items():
            if name in files:  # two packages claiming one file is a bug, never a silent merge
                raise RuntimeError(f"two exporters wrote {name}")
            files[name] = content
    return files


def export_personal_data(user: User) -> bytes:
    """A zip of everything the platform holds about `user`, for that user; audited."""
    audit(user.id, "account.export", "user", user.id)
    db.session.flush()  # the export lists its own audit event too
    files = personal_data_files(user)
    readme = _(
        "Everything the platform stores about your account on %(date)s. Each .json file is "
        "one kind of record (UTF-8 JSON, times in UTC); certificates/ holds your certificates "
        "as PDF files.",
        date=utcnow().date().isoformat(),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme + "\n")
        for name in sorted(files):
            content = files[name]
            if not isinstance(content, bytes):
                content = to_json_bytes(content)
            archive.writestr(name, content)
    return buffer.getvalue()


# ---- deletion -------------------------------------------------------------------------------


def deletion_problem(user: User) -> str | None:
    """Why this account may not be deleted now (translated), or None."""
    if user.is_admin and user.active and active_admin_count() <= 1:
        return _(
            "You are the last active administrator. Appoint another administrator "
            "before deleting your account."
        )
    return None


def delete_account(user: User, password: str) -> int:
    """Erase a person at their own request, after their password; returns the old account id.

    In the request's one transaction: each feature package erases or detaches its rows
    (highest layer first), the learning record is anonymised under one random reference,
    the account row goes (audit rows keep their facts, their link becomes NULL), and the
    deletion itself is audited by account number only.
    """
    if not verify_password(user.password_hash, password):
        raise ServiceError(_("The password is not correct. Nothing was deleted."), "password")
    if problem := deletion_problem(user):
        raise ServiceError(problem)
    account_id = user.id
    for eraser in reversed(hooks.personal_data_erasers.items()):
        eraser(user)
    events = anonymise_actor(account_id)
    db.session.delete(user)  # roles go with it; audit and invite links become NULL
    db.session.flush()
    audit(None, "account.delete", "user", account_id, learning_events_anonymised=events)
    db.session.flush()
    return account_id


# ---- retention ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeReport:
    """What a retention run did (or, in a dry run, would do)."""

    cutoff: datetime
    inactive_accounts: int
    accounts_anonymised: int
    events_anonymised: int


def _inactive_condition(cutoff: datetime) -> sa.ColumnElement[bool]:
    return sa.func.coalesce(User.last_login_at, User.created_at) < cutoff


def purge_other_parts(cutoff: datetime, *, dry_run: bool) -> list[tuple[str, int]]:
    """The packages' own retention parts (hooks.retention_purgers) for the same inactive
    accounts; what each did, with its count."""
    inactive = sa.select(User.id).where(_inactive_condition(cutoff))
    return [purge(inactive, dry_run) for purge in hooks.retention_purgers]


def purge_inactive(
    days: int, *, now: datetime | None = None, dry_run: bool = False, report: Reporter = silent
) -> PurgeReport:
    """Anonymise the learning events of accounts without a login for more than `days` days.

    Accounts that never logged in count from their registration. Each person's events get
    one random reference (as on deletion). Running it again finds nothing more to do.
    """
    if days < 1:
        raise ServiceError(_("The retention period must be at least one day."))
    cutoff = (now or utcnow()) - timedelta(days=days)
    inactive = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(_inactive_condition(cutoff))
        )
        or 0
    )
    counts = db.session.execute(
        sa.select(LearningEvent.actor_id, sa.func.count())
        .join(User, User.id == LearningEvent.actor_id)
        .where(_inactive_condition(cutoff))
        .group_by(LearningEvent.actor_id)
        .order_by(LearningEvent.actor_id)
    ).all()
    events = 0
    with report("Anonymising inactive accounts' events", len(counts), "accounts") as advance:
        for actor_id, count in counts:
            events += count if dry_run else anonymise_actor(actor_id)
            advance(1)
    if events and not dry_run:
        audit(
            None,
            "privacy.purge",
            "learning_events",
            "inactive",
            days=days,
            accounts=len(counts),
            events=events,
        )
        db.session.flush()
    return PurgeReport(cutoff, inactive, len(counts), events)
