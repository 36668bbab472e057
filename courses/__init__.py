"""Courses: authoring, revisions, publishing, catalog, enrollment, reading, progress, packs."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the course pages, commands, the home-page section and the starter courses."""
    from courses.authoring import bp as authoring_bp
    from courses.cli import courses_cli, events_cli
    from courses.privacy import erase_course_data, export_course_data
    from courses.starter import load_starter_courses
    from courses.views import bp as courses_bp
    from courses.views import home_section
    from training.main import add_home_section
    from training.privacy import add_personal_data_hooks

    app.register_blueprint(courses_bp)
    app.register_blueprint(authoring_bp)
    app.cli.add_command(courses_cli)
    app.cli.add_command(events_cli)
    add_home_section(app, home_section)
    app.extensions.setdefault("demo_loaders", []).append(load_starter_courses)
    add_personal_data_hooks(app, exporter=export_course_data, eraser=erase_course_data)
