"""Certificates: completion rules, issuing, PDF, public verification, revocation, badges."""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import gettext as _

from training.hooks import progress_changed


def _issue(_sender: object, *, user_id: int, course_id: int) -> None:
    """Listens to progress: the moment a learner completes a course, the certificate exists."""
    from certificates.services import issue_if_complete

    issue_if_complete(user_id, course_id)


def _author_links(course: object) -> list[tuple[str, str]]:
    slug = course.slug  # type: ignore[attr-defined]
    return [
        (_("Certificate"), url_for("certificates.settings", slug=slug)),
        (_("Certificates issued"), url_for("certificates.course_certificates", slug=slug)),
    ]


def init_app(app: Flask) -> None:
    """Register certificate pages and commands and start listening for completions."""
    from certificates.cli import certificates_cli
    from certificates.packs import export_certificate, import_certificate
    from certificates.privacy import erase_certificate_data, export_certificate_data
    from certificates.views import bp
    from training.privacy import add_personal_data_hooks

    app.register_blueprint(bp)
    app.cli.add_command(certificates_cli)
    app.extensions.setdefault("author_course_links", []).append(_author_links)
    app.extensions.setdefault("pack_exporters", []).append(export_certificate)
    app.extensions.setdefault("pack_importers", []).append(import_certificate)
    add_personal_data_hooks(app, exporter=export_certificate_data, eraser=erase_certificate_data)
    # weak=False: the receiver is a module function; connecting twice is a no-op.
    progress_changed.connect(_issue, weak=False)
