"""A holder's certificates in their export, and what deletion leaves of them.

Certificates outlive the account: employers and unions check them by code, and the signed
credential the holder downloaded must keep verifying. Deletion therefore only cuts the link
and erases the name, so the public page shows "holder withheld".
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from certificates import documents, pdf_files
from certificates.models import Certificate
from certificates.services import format_certificate_code
from training.accounts.models import User
from training.audit import AuditEvent
from training.db import utcnow
from training.extensions import db


def _certificates_of(user: User) -> list[Certificate]:
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at, Certificate.id)
        )
    )


def export_certificate_data(user: User) -> dict[str, Any]:
    """certificates.json with every certificate of the person, plus each one's PDF.

    Each certificate lists its audit history too (revocations and their undoing): those
    events are about the person even though their target is the certificate.
    """
    now = utcnow()
    files: dict[str, Any] = {}
    listing = []
    certificates = _certificates_of(user)
    history: dict[str, list[dict[str, Any]]] = {}
    for event in db.session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.target_type == "certificate",
            AuditEvent.target_id.in_([c.code for c in certificates]),
        )
        .order_by(AuditEvent.created_at, AuditEvent.id)
    ):
        history.setdefault(event.target_id, []).append(
            {"at": event.created_at, "action": event.action, "details": event.details}
        )
    for certificate in certificates:
        code = format_certificate_code(certificate.code)
        pdf_name = f"certificates/certificate-{code}.pdf"
        listing.append(
            {
                "code": code,
                "course": certificate.course_title,
                "hours": certificate.hours,
                "holder_name": certificate.holder_name,
                "shown_publicly_as": certificate.public_name,
                "name_mode": certificate.name_mode,
                "issued_at": certificate.issued_at,
                "expires_at": certificate.expires_at,
                "status": certificate.status(now),
                "revoked_at": certificate.revoked_at,
                "revoke_reason": certificate.revoke_reason,
                "issuer": certificate.issuer_name,
                "trainer": certificate.trainer_name,
                "verify_url": documents.public_url("certificates.verify", code=code),
                "pdf": pdf_name,
                "history": history.get(certificate.code, []),
            }
        )
        files[pdf_name] = documents.certificate_pdf(certificate)
    files["certificates.json"] = listing
    return files


def erase_certificate_data(user: User) -> None:
    """Keep the person's certificates verifiable but without them: no link, no name."""
    for certificate in _certificates_of(user):
        certificate.user_id = None
        certificate.holder_name = ""
        certificate.pseudonym = ""
        certificate.name_mode = "initials"
        pdf_files.forget(certificate.id)  # the files print the name
    db.session.flush()
