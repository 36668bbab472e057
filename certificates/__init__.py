"""Certificates: completion rules, issuing, PDF, public verification, revocation, badges."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from training import hooks

if TYPE_CHECKING:
    from courses.models import Course


def _issue(_sender: object, *, user_id: int, course_id: int) -> None:
    """Listens to progress: the moment a learner completes a course, the certificate exists."""
    from certificates.services import issue_if_complete

    issue_if_complete(user_id, course_id)


def _issued_text(params: dict[str, Any]) -> str:
    return _(
        "Your certificate for the course “%(course)s” is ready.", course=params.get("course", "")
    )


def _issued_link(_params: dict[str, Any]) -> str:
    return url_for("certificates.mine")


def _author_links(course: Course) -> list[tuple[str, str]]:
    """Links on the course's authoring page to its certificate rule and issued certificates."""
    slug = course.slug
    return [
        (_("Certificate"), url_for("certificates.settings", slug=slug)),
        (_("Certificates issued"), url_for("certificates.course_certificates", slug=slug)),
    ]


def init_app(app: Flask) -> None:
    """Register certificate pages and commands and start listening for completions."""
    from certificates.cli import certificates_cli
    from certificates.moment import completion_notice, course_awards
    from certificates.packs import export_certificate, import_certificate
    from certificates.privacy import erase_certificate_data, export_certificate_data
    from certificates.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(certificates_cli)
    hooks.navigation.register(
        app, hooks.NavLink(_l("Certificates"), "certificates.mine", 60, hooks.signed_in)
    )
    hooks.footer_links.register(
        app, hooks.FooterLink(_l("Check a certificate"), "certificates.lookup")
    )
    hooks.author_course_links.register(app, _author_links)
    hooks.completion_notices.register(app, completion_notice)
    hooks.course_awards.register(app, course_awards)
    hooks.notification_kinds.register(
        app,
        hooks.NotificationKind(
            "certificate_issued", _l("A certificate issued to me"), _issued_text, _issued_link
        ),
    )
    hooks.pack_exporters.register(app, export_certificate)
    hooks.pack_importers.register(app, import_certificate)
    hooks.personal_data_exporters.register(app, export_certificate_data)
    hooks.personal_data_erasers.register(app, erase_certificate_data)
    # weak=False: the receiver is a module function; connecting twice is a no-op.
    hooks.progress_changed.connect(_issue, weak=False)
