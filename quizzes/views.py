"""Learner pages of quizzes: start or resume, answer page by page, submit, see the result."""

from __future__ import annotations

from flask import Blueprint

import quizzes.models  # noqa: F401 - the models must be known to the app and its migrations

bp = Blueprint("quizzes", __name__, url_prefix="/courses")
