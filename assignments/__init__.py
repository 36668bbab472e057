"""Assignments: practical tasks handed in as text and files, graded with rubrics by trainers."""

from __future__ import annotations

from typing import Any

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from training import hooks


def _accepted_text(params: dict[str, Any]) -> str:
    return _("Your work “%(title)s” was accepted.", title=params.get("assignment", ""))


def _revise_text(params: dict[str, Any]) -> str:
    return _(
        "Your work “%(title)s” was reviewed: please revise it and send it again.",
        title=params.get("assignment", ""),
    )


def _reviewed_text(params: dict[str, Any]) -> str:
    return _(
        "Your work “%(title)s” was reviewed and not accepted.", title=params.get("assignment", "")
    )


def _peer_text(params: dict[str, Any]) -> str:
    return _(
        "A participant of the course reviewed your work “%(title)s”.",
        title=params.get("assignment", ""),
    )


def _waits_text(params: dict[str, Any]) -> str:
    return _(
        "Your work “%(title)s” has been reviewed. Review your peers' work to see the result.",
        title=params.get("assignment", ""),
    )


def _link(params: dict[str, Any]) -> str | None:
    if not params.get("slug") or not params.get("key"):
        return None
    return url_for("assignments.assignment", slug=params["slug"], key=params["key"])


def _register_notifications(app: Flask) -> None:
    for name, label, text in (
        ("assignment_accepted", _l("My work on an assignment accepted"), _accepted_text),
        ("assignment_revise", _l("My work on an assignment sent back for revision"), _revise_text),
        ("assignment_reviewed", _l("My work on an assignment not accepted"), _reviewed_text),
        ("assignment_peer_reviewed", _l("A peer reviewed my work on an assignment"), _peer_text),
        (
            "assignment_result_waits",
            _l("My work on an assignment reviewed while I still owe peer reviews"),
            _waits_text,
        ),
    ):
        hooks.notification_kinds.register(app, hooks.NotificationKind(name, label, text, _link))


def init_app(app: Flask) -> None:
    """Register the assignment pages, the path step, notifications and privacy hooks."""
    from assignments import peer_views  # noqa: F401  (its routes join the learner blueprint)
    from assignments.authoring_views import author_links, review_home_section
    from assignments.authoring_views import bp as authoring_bp
    from assignments.demo import load_demo_assignments
    from assignments.packs import export_assignments, import_assignments
    from assignments.privacy import erase_assignment_data, export_assignment_data
    from assignments.services import template_uses
    from assignments.steps import assignment_steps
    from assignments.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(authoring_bp)
    hooks.path_steps.register(app, assignment_steps)
    hooks.author_course_links.register(app, author_links)
    # Before the courses' section (20): a trainer's home opens with the work that waits.
    hooks.home_sections.register(app, hooks.HomeSection(review_home_section, 10))
    hooks.public_media_uses.register(app, template_uses)
    _register_notifications(app)
    hooks.pack_exporters.register(app, export_assignments)
    hooks.pack_importers.register(app, import_assignments)
    hooks.demo_loaders.register(app, load_demo_assignments)
    hooks.personal_data_exporters.register(app, export_assignment_data)
    hooks.personal_data_erasers.register(app, erase_assignment_data)
