"""Questions under lessons: threads seen by a cohort (or the self-paced learners of a course),
answered by learners and trainers, moderated by trainers."""

from __future__ import annotations

from typing import Any

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from training import hooks
from training.accounts.models import Role


def _answered_text(params: dict[str, Any]) -> str:
    title = params.get("title", "")
    if params.get("trainer"):
        return _("A trainer answered your question “%(title)s”.", title=title)
    return _("Your question “%(title)s” has a new answer.", title=title)


def _thread_link(params: dict[str, Any]) -> str | None:
    return url_for("questions.thread", thread_id=params["thread"]) if params.get("thread") else None


def init_app(app: Flask) -> None:
    """Register the pages, the lesson section, the trainers' link, notifications and privacy."""
    from cohorts.questions import actions  # noqa: F401 - the thread's buttons join the blueprint
    from cohorts.questions.privacy import (
        erase_question_data,
        export_question_data,
        purge_inactive_posts,
    )
    from cohorts.questions.section import lesson_questions
    from cohorts.questions.views import bp

    app.register_blueprint(bp)
    hooks.lesson_sections.register(app, lesson_questions)
    hooks.navigation.register(
        app,
        hooks.NavLink(
            _l("Unanswered questions"), "questions.unanswered", 25, hooks.holding(Role.TRAINER)
        ),
    )
    hooks.notification_kinds.register(
        app,
        hooks.NotificationKind(
            "question_answered", _l("An answer to my question"), _answered_text, _thread_link
        ),
    )
    hooks.personal_data_exporters.register(app, export_question_data)
    hooks.personal_data_erasers.register(app, erase_question_data)
    hooks.retention_purgers.register(app, purge_inactive_posts)
