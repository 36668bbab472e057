"""What a certificate becomes outside the database: a PDF, a signed credential, public URLs.

The signing side (certificates.badges and .signing, and with them joserfc: about 5 MB a
worker) loads with the first credential or key a worker serves; most never serve one
(tests/test_worker_imports.py).
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app, url_for

from certificates import pdf_files
from certificates.models import Certificate
from certificates.pdf_text import LABELS, CertificateData, duration_text
from certificates.services import format_certificate_code

if TYPE_CHECKING:
    from certificates.badges import BadgeData
    from certificates.signing import KeyStore


def render_certificate_pdf(data: CertificateData) -> bytes:
    """The PDF of `data` (certificates.pdf), for the download views and the PDF store."""
    # Imported here: fontTools and the fonts take megabytes, and most workers never draw a
    # certificate (a re-download is a file send).
    from certificates.pdf import render_certificate_pdf as render

    return render(data)


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute address on the platform's public base URL (not the request's host)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def key_store() -> KeyStore:
    """The signing keys (SIGNING_KEYS_DIR, default instance/keys)."""
    from certificates.signing import KeyStore

    folder = current_app.config.get("SIGNING_KEYS_DIR") or Path(current_app.instance_path) / "keys"
    return KeyStore(Path(folder))


def certificate_data(certificate: Certificate, language: str | None = None) -> CertificateData:
    """What the printable PDF states, in the course's language (given, or read from it)."""
    verify_url = public_url("certificates.verify", code=format_certificate_code(certificate.code))
    language = language or certificate.course.language
    if certificate.user_id is None and not certificate.holder_name:
        holder = LABELS[language]["withheld"]  # the holder deleted their account
    else:
        holder = certificate.holder_name or "—"
    return CertificateData(
        holder_name=holder,
        course_title=certificate.course_title,
        duration=duration_text(certificate.hours, language),
        issued_on=certificate.issued_at.date(),
        expires_on=certificate.expires_at.date() if certificate.expires_at else None,
        organization=certificate.issuer_name,
        trainer_name=certificate.trainer_name,
        code=format_certificate_code(certificate.code),
        verify_url=verify_url,
        language=language,
        revoked=certificate.revoked_at is not None,
    )


def certificate_pdf(certificate: Certificate) -> bytes:
    """The printable PDF, in the course's language (rendered now)."""
    return render_certificate_pdf(certificate_data(certificate))


def stored_certificate_pdf(certificate: Certificate, language: str | None = None) -> Path:
    """The printable PDF as a file: rendered once per (certificate, what it states)."""
    data = certificate_data(certificate, language)
    # The fields as they are: dataclasses.astuple deep-copies each one (about 3% of a
    # re-download), and the key is the same either way.
    key = pdf_files.key_of((certificate.id, *(getattr(data, f.name) for f in fields(data))))
    return pdf_files.stored(certificate.id, key, lambda: render_certificate_pdf(data))


def badge_data(certificate: Certificate) -> BadgeData:
    """The facts an Open Badges credential states about a certificate."""
    code = format_certificate_code(certificate.code)
    from certificates.badges import BadgeData

    return BadgeData(
        credential_id=public_url("certificates.verify", code=code),
        holder_name=certificate.signed_name,
        course_title=certificate.course_title,
        course_url=public_url("courses.course", slug=certificate.course.slug),
        description=certificate.course.description or certificate.course_title,
        criteria="All required lessons done and all required quizzes passed.",
        hours=certificate.hours,
        issued_at=certificate.issued_at,
        expires_at=certificate.expires_at,
        issuer_id=public_url("certificates.issuer"),
        issuer_name=issuer_name(),
        status_url=public_url("certificates.status", code=code),
    )


def signed_credential(certificate: Certificate) -> str:
    """The certificate as an Open Badges 3.0 credential signed with the current key.

    The header's ``kid`` is ``<public JWK Set URL>#<thumbprint>``: a verifier holding only the
    token fetches that address and picks the key named after the ``#``.
    """
    from certificates.badges import build_credential, sign_credential

    credential = build_credential(badge_data(certificate))
    return sign_credential(credential, key_store().current(), jwks_url=jwks_url())


def jwks_url() -> str:
    """The public address of the JWK Set that every credential's ``kid`` points into."""
    return public_url("certificates.jwks")


def issuer_name() -> str:
    """The issuer's name, the same in the profile at /issuer and in every credential.

    One issuer id must carry one name: it is the configured PLATFORM_NAME, not the name of
    the organization tree's root (that one is printed on the PDF as the organization).
    """
    return str(current_app.config["PLATFORM_NAME"])


def issuer_profile() -> dict[str, Any]:
    """The issuer's Open Badges 3.0 Profile, pointing at its public keys."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": public_url("certificates.issuer"),
        "type": ["Profile"],
        "name": issuer_name(),
        "url": current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/",
        "publicKeys": jwks_url(),
    }
