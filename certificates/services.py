"""Completion rules, issuing exactly once, renewal, revocation and the holder's name choice."""

from __future__ import annotations

import functools
import secrets
from calendar import monthrange
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from certificates import pdf_files
from certificates.models import NAME_MODES, Certificate, CertificateSettings
from courses.models import Course, Enrollment
from courses.path import Path, path_for
from training.accounts.models import User
from training.audit import audit
from training.db import from_row, utcnow
from training.errors import ServiceError
from training.events import record_event
from training.extensions import db
from training.notifications.services import notify
from training.organizations.models import Organization
from training.organizations.services import CODE_ALPHABET, normalise_code

CODE_LENGTH = 20  # 100 random bits in Crockford's base32


def new_code() -> str:
    """A fresh certificate code (100 random bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def format_certificate_code(code: str) -> str:
    """Groups of four for reading and typing: XXXX-XXXX-XXXX-XXXX-XXXX."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def valid_code(raw: str) -> str | None:
    """A typed certificate code in its stored form, or None when it cannot be one."""
    code = normalise_code(raw or "")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def find_by_code(raw: str) -> Certificate | None:
    """The certificate with this code, however it was typed; None for anything else."""
    code = valid_code(raw)
    if code is None:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code))


_CERTIFICATES = Certificate.__table__
# Built once per process: the PDF download reads the certificate and its course's language
# in one Core statement (the ORM's loading machinery would cost more than the file send).
_WITH_LANGUAGE = (
    sa.select(_CERTIFICATES, Course.__table__.c.language)
    .join(Course.__table__, Course.__table__.c.id == _CERTIFICATES.c.course_id)
    .where(_CERTIFICATES.c.id == sa.bindparam("certificate_id"))
)


def with_course_language(certificate_id: int) -> tuple[Certificate, str] | None:
    """A certificate (detached, read-only) and its course's language, or None."""
    # Core on the session's connection, as the session's own load (accounts.sessions._load_row).
    row = (
        db.session.connection().execute(_WITH_LANGUAGE, {"certificate_id": certificate_id}).first()
    )
    if row is None:
        return None
    values = row._mapping
    certificate = from_row(Certificate, values)
    return certificate, values[Course.__table__.c.language]


def settings_for(course: Course) -> CertificateSettings:
    """The course's certificate settings (defaults until a trainer saves some)."""
    found = db.session.get(CertificateSettings, course.id)
    return found or CertificateSettings(course_id=course.id, enabled=True)


def completion(user_id: int, course: Course, since: datetime | None = None) -> Path:
    """The rule: every required step of the learning path done (after `since`, for renewals).

    The same path the learner's pages show, so a finished course and a certificate are one
    fact; `Path.remaining` lists what is still missing.
    """
    return path_for(course, user_id, since)


def current_certificate(user_id: int, course_id: int) -> Certificate | None:
    """The learner's latest certificate for the course, if any."""
    return db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.user_id == user_id, Certificate.course_id == course_id)
        .order_by(Certificate.sequence.desc())
        .limit(1)
    )


def _add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


def _new_certificate(
    course: Course,
    settings: CertificateSettings,
    user_id: int,
    user: User | None,
    latest: Certificate | None,
    now: datetime,
) -> Certificate:
    """The next certificate of this learner and course, with what it states fixed at issue."""
    revision = course.published_revision
    root = db.session.scalar(
        sa.select(Organization.name).where(Organization.parent_id.is_(None)).limit(1)
    )
    # To the minute (45 min is 0.75 h): printed as «45 мин», credited as 0.75 in the credential.
    hours = settings.hours or round(course.duration_minutes / 60, 4)
    return Certificate(
        code=new_code(),
        user_id=user_id,
        course_id=course.id,
        sequence=(latest.sequence + 1) if latest else 1,
        revision_number=revision.number,
        course_title=revision.title,
        hours=hours,
        issuer_name=root or "",
        trainer_name=course.owner.shown_name,
        holder_name=user.display_name or user.username if user else "",
        name_mode=latest.name_mode if latest else "initials",
        pseudonym=latest.pseudonym if latest else "",
        issued_at=now,
        expires_at=_add_months(now, settings.validity_months) if settings.validity_months else None,
    )


def issue_if_complete(user_id: int, course_id: int) -> Certificate | None:
    """Issue the certificate the moment a learner meets the course's rule — exactly once.

    A learner holding a valid (or revoked) certificate gets nothing new; after expiry,
    completing the course again (lessons and quizzes after the old issue date) renews it.
    """
    course = db.session.get(Course, course_id)
    if course is None or course.published_revision is None:
        return None
    found = _rule_inputs(user_id, course_id)
    if found is None:  # not enrolled
        return None
    settings, latest = found
    if not settings.enabled:
        return None
    now = utcnow()
    if latest is not None and latest.status(now) != "expired":
        return None
    since = latest.issued_at if latest is not None else None
    if not completion(user_id, course, since).complete:
        return None
    user = db.session.get(User, user_id)
    revision = course.published_revision
    certificate = _new_certificate(course, settings, user_id, user, latest, now)
    try:
        with db.session.begin_nested():  # a concurrent completion may win the same sequence
            db.session.add(certificate)
    except IntegrityError:
        return None
    record_event(
        user_id,
        "certified",
        "course",
        f"courses/{course.slug}",
        object_name=revision.title,
        course_id=course_id,
        context={"revision": revision.number},
    )
    if user is not None:
        notify(user, "certificate_issued", course=revision.title, certificate_id=certificate.id)
    return certificate


@functools.cache
def _rule_statement() -> sa.Select:
    """_rule_inputs' statement, built once per process: it runs on every progress change, and
    building it cost about as much as running it (parameters: user_id, course_id)."""
    user_id, course_id = sa.bindparam("user_id"), sa.bindparam("course_id")
    latest = (
        sa.select(Certificate.id)
        .where(Certificate.user_id == user_id, Certificate.course_id == course_id)
        .order_by(Certificate.sequence.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        sa.select(Enrollment.course_id, CertificateSettings, Certificate)
        .outerjoin(CertificateSettings, CertificateSettings.course_id == Enrollment.course_id)
        .outerjoin(Certificate, Certificate.id == latest)
        .where(Enrollment.user_id == user_id, Enrollment.course_id == course_id)
    )


def _rule_inputs(
    user_id: int, course_id: int
) -> tuple[CertificateSettings, Certificate | None] | None:
    """For the rule at every progress change, in one statement: the course's certificate
    settings and the learner's latest certificate; None when the learner is not enrolled."""
    parameters = {"user_id": user_id, "course_id": course_id}
    row = db.session.execute(_rule_statement(), parameters).first()
    if row is None:
        return None
    _course_id, settings, latest_certificate = row
    return settings or CertificateSettings(course_id=course_id, enabled=True), latest_certificate


def revoke(certificate: Certificate, actor: User, reason: str) -> None:
    """Revoke with a reason (kept in the audit trail); admins and the course owner only."""
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise ServiceError(_("Give a reason for revoking."), "reason")
    if certificate.revoked_at is not None:
        raise ServiceError(_("This certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revoke_reason = reason
    pdf_files.forget(certificate.id)
    audit(actor.id, "certificate.revoke", "certificate", certificate.code, reason=reason)
    db.session.flush()


def unrevoke(certificate: Certificate, actor: User) -> None:
    """Undo a revocation (the audit trail keeps both)."""
    if certificate.revoked_at is None:
        raise ServiceError(_("This certificate is not revoked."))
    audit(
        actor.id,
        "certificate.unrevoke",
        "certificate",
        certificate.code,
        previous_reason=certificate.revoke_reason,
    )
    certificate.revoked_at = None
    pdf_files.forget(certificate.id)
    certificate.revoked_by_id = None
    certificate.revoke_reason = ""
    db.session.flush()


def can_revoke(certificate: Certificate, user: User) -> bool:
    """Administrators and the course's owner."""
    return certificate.course.can_manage(user)


def set_public_name(certificate: Certificate, mode: str, pseudonym: str = "") -> None:
    """The holder decides what strangers verifying the certificate learn about them."""
    if mode not in NAME_MODES:
        raise ServiceError(_("Choose from the listed options."), "mode")
    pseudonym = " ".join(pseudonym.split())[:120]
    if mode == "pseudonym" and not pseudonym:
        raise ServiceError(_("Enter the pseudonym to show."), "pseudonym")
    before = (certificate.name_mode, certificate.pseudonym)
    certificate.name_mode = mode
    certificate.pseudonym = pseudonym if mode == "pseudonym" else ""
    if before != (certificate.name_mode, certificate.pseudonym):
        pdf_files.forget(certificate.id)
        # The certificate's history: how strangers were shown the holder, and from when. The
        # pseudonym's text stays out: the append-only trail must hold nothing a deletion erases.
        audit(
            certificate.user_id,
            "certificate.public_name",
            "certificate",
            certificate.id,
            mode=mode,
            before=before[0],
        )
    db.session.flush()
