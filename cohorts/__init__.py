"""Cohorts: a course taught to a group by its trainers, with dates, a gradebook, announcements
and questions under lessons."""

from __future__ import annotations

from flask import Flask

from cohorts import questions


def init_app(app: Flask) -> None:
    """Register the cohort pages and hooks (the models are imported for migrations)."""
    from cohorts import models  # noqa: F401 - tables known to Alembic and create_all

    questions.init_app(app)
