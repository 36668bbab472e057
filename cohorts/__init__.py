"""Cohorts: a course taught to a group by its trainers, with dates, a gradebook, announcements
and questions under lessons."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from cohorts import questions
from training import hooks


def init_app(app: Flask) -> None:
    """Register the cohort pages and hooks (the models are imported for migrations)."""
    from cohorts import models  # noqa: F401 - tables known to Alembic and create_all

    register_cohorts(app)
    questions.init_app(app)


def _author_links(course: object) -> list[tuple[str, str]]:
    """The course authoring page's link to start a cohort of the course."""
    from flask import url_for

    if getattr(course, "published_revision", None) is None:
        return []
    return [(str(_l("Start a cohort")), url_for("cohorts.create", slug=course.slug))]  # type: ignore[attr-defined]


def register_cohorts(app: Flask) -> None:
    """Cohorts, dates on the path, the trainer's desk, announcements, reminders, privacy."""
    from cohorts import announcements, reminders
    from cohorts import desk as _desk  # noqa: F401 - its routes join the blueprint
    from cohorts.cli import cohorts_cli
    from cohorts.dates import module_dates
    from cohorts.demo import load_demo_cohort
    from cohorts.privacy import erase_cohort_data, export_cohort_data
    from cohorts.services import group_learners, trains_course
    from cohorts.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cohorts_cli)
    hooks.path_dates.register(app, module_dates)
    hooks.course_sections.register(app, announcements.course_section)
    hooks.course_teachers.register(app, trains_course)
    hooks.group_learners.register(app, group_learners)
    hooks.author_course_links.register(app, _author_links)
    hooks.navigation.register(
        app, hooks.NavLink(_l("My cohorts"), "cohorts.desk", 25, hooks.holding("trainer"))
    )
    for name, label, text, link in (
        (
            "cohort_announcement",
            _l("An announcement in my cohort"),
            announcements.notification_text,
            announcements.notification_link,
        ),
        (
            "cohort_due_soon",
            _l("A module of my cohort due soon"),
            reminders.notification_text,
            reminders.notification_link,
        ),
    ):
        hooks.notification_kinds.register(app, hooks.NotificationKind(name, label, text, link))
    hooks.demo_loaders.register(app, load_demo_cohort)
    hooks.personal_data_exporters.register(app, export_cohort_data)
    hooks.personal_data_erasers.register(app, erase_cohort_data)
