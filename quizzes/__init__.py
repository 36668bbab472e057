"""Quizzes: question bank, question types, quizzes, attempts, grading, GIFT, item analysis."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the quiz pages and commands, and their places in the course pages."""
    from quizzes import grading_views  # noqa: F401  (adds the grading routes to the blueprint)
    from quizzes.authoring_views import author_links
    from quizzes.authoring_views import bp as quiz_authoring_bp
    from quizzes.bank import media_used_by_questions, missing_media_problems
    from quizzes.cli import quizzes_cli
    from quizzes.essays import GRADED_KIND, graded_link, graded_text
    from quizzes.packs import export_quizzes, import_quizzes
    from quizzes.preview import excerpt
    from quizzes.privacy import erase_quiz_data, export_quiz_data
    from quizzes.services import publish_problems
    from quizzes.steps import quiz_steps
    from quizzes.types import type_of
    from quizzes.views import bp as quizzes_bp
    from training import hooks

    app.register_blueprint(quizzes_bp)
    app.register_blueprint(quiz_authoring_bp)
    app.cli.add_command(quizzes_cli)
    # Attempt and review pages ask a question's type for its partial and its right answers.
    app.jinja_env.globals["question_type"] = type_of
    app.jinja_env.globals["question_excerpt"] = excerpt
    hooks.path_steps.register(app, quiz_steps)
    hooks.author_course_links.register(app, author_links)
    hooks.public_media_uses.register(app, media_used_by_questions)
    hooks.publish_checks.register(app, publish_problems)
    hooks.publish_checks.register(app, missing_media_problems)
    hooks.pack_exporters.register(app, export_quizzes)
    hooks.pack_importers.register(app, import_quizzes)
    hooks.personal_data_exporters.register(app, export_quiz_data)
    hooks.personal_data_erasers.register(app, erase_quiz_data)
    hooks.notification_kinds.register(
        app,
        hooks.NotificationKind(
            GRADED_KIND, _l("A test of mine graded by a trainer"), graded_text, graded_link
        ),
    )
