"""Revalidation of the public check page: an ETag from everything the page shows.

A visitor (an employer checking a certificate) who has seen the page gets 304 Not Modified
while nothing on it changed: the certificate's state, what the holder chose to show, the
language, and the visitor's own CSRF secret (the page's language form carries a token from it).
Revocation and a public-name change give another tag, so the page is rendered again. Pages for
logged-in people carry their header (notifications) and are not tagged.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from certificates.models import Certificate

#: The templates that draw the page: a deploy that changes them changes every tag.
TEMPLATES = ("certificates/verify.html", "base.html")


@cache
def _templates_digest(folder: str) -> str:
    digest = hashlib.sha256()
    for name in TEMPLATES:
        digest.update((Path(folder) / name).read_bytes())
    return digest.hexdigest()


def check_page_etag(
    certificate: Certificate, state: str, locale: str, csrf_secret: str, templates: str
) -> str:
    """The strong ETag of one visitor's check page for this certificate in this state."""
    shown = (
        certificate.code,
        state,
        locale,
        certificate.name_mode,
        certificate.public_name,
        certificate.pseudonym,
        certificate.course_title,
        certificate.issuer_name,
        certificate.issued_at.isoformat(),
        certificate.expires_at.isoformat() if certificate.expires_at else "",
        certificate.revoke_reason if state == "revoked" else "",
        csrf_secret,
        _templates_digest(templates),
    )
    return hashlib.sha256("\x1f".join(shown).encode()).hexdigest()[:32]
