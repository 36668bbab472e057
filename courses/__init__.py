"""Courses: authoring, revisions, publishing, catalog, enrollment, reading, progress, packs."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the course pages, commands, the home-page section and the starter courses."""
    from courses.authoring import bp as authoring_bp
    from courses.cli import courses_cli, events_cli
    from courses.learning import record_completions
    from courses.media_refs import publish_problems
    from courses.privacy import erase_course_data, export_course_data
    from courses.starter import load_starter_courses
    from courses.views import bp as courses_bp
    from courses.views import home_section
    from training import hooks

    app.register_blueprint(courses_bp)
    app.register_blueprint(authoring_bp)
    app.cli.add_command(courses_cli)
    app.cli.add_command(events_cli)
    hooks.home_sections.register(app, hooks.HomeSection(home_section, 20))
    hooks.navigation.register(
        app, hooks.NavLink(_l("Courses"), "courses.catalog", 10, hooks.everyone)
    )
    hooks.navigation.register(
        app, hooks.NavLink(_l("Authoring"), "authoring.index", 20, hooks.holding("trainer"))
    )
    hooks.publish_checks.register(app, publish_problems)
    hooks.demo_loaders.register(app, load_starter_courses)
    # weak=False: the receiver is a module function; connecting twice is a no-op. Connected
    # before certificates' receiver, so "completed" is logged before "certified".
    hooks.progress_changed.connect(record_completions, weak=False)
    hooks.personal_data_exporters.register(app, export_course_data)
    hooks.personal_data_erasers.register(app, erase_course_data)
