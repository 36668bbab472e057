"""Request plumbing shared by every blueprint: one commit per request, template helpers."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, request
from flask_babel import format_datetime, get_locale

from training.extensions import db


def install_request_transaction(app: Flask) -> None:
    """Commit once when a request succeeds; anything else is rolled back.

    Services only flush, so a request's changes land together or not at all.
    """

    @app.after_request
    def _commit(response: Response) -> Response:
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response


def install_template_helpers(app: Flask) -> None:
    """Globals every template may use (language list, current locale, date formatting)."""

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "languages": current_app.config["LANGUAGES"],
            "current_locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]),
            "platform_name": current_app.config["PLATFORM_NAME"],
            "current_path": request.full_path.rstrip("?"),
        }

    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
