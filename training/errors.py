"""Domain errors raised by services and the friendly error pages shown for HTTP errors."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, flash, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from training.extensions import db


class ServiceError(Exception):
    """A rule of the domain refused a change; `field` names the form field to blame, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def show_error(form: FlaskForm, error: ServiceError) -> None:
    """Attach a service's refusal to the form field it concerns, or flash it."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")
        form.refused = True  # type: ignore[attr-defined] - render_form answers 422 for it


ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Please try again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("There is no such page. Check the address or go home.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (
        _l("Too large"),
        _l("What you sent is larger than the platform accepts. Send a smaller file or text."),
    ),
    429: (
        _l("Too many attempts"),
        _l("You have tried too often. Please wait a little and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("The platform hit an error. Nothing was saved; please try again later."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l("The platform is briefly unavailable. Please try again in a minute."),
    ),
}


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    """Render the error page for `code` in the visitor's language."""
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    return render_template("error.html", code=code, title=title, text=detail or text), code


def unavailable(error: Exception) -> tuple[str, int, dict[str, str]]:
    """The 503 page for a database that is away or locked; rendered without touching it."""
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:  # the connection itself is gone: drop it
        db.session.invalidate()
    current_app.logger.warning(
        "database unavailable on %s %s: %s", request.method, request.path, error
    )
    # Show the page as to a visitor: loading the account would need the database.
    g._login_user = current_app.login_manager.anonymous_user()
    page, code = render_error(503)
    return page, code, {"Retry-After": "30"}


def register_error_handlers(app: Flask) -> None:
    """Friendly pages for 400/403/404/405/413/429/500 and CSRF failures."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        db.session.rollback()
        return render_error(
            400, str(_l("The form has expired or was not sent from this site. Please try again."))
        )

    @app.errorhandler(HTTPException)
    def http_error(
        error: HTTPException,
    ) -> tuple[str, int] | tuple[str, int, dict[str, str]] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        db.session.rollback()
        # A rate limit may carry its own explanation (e.g. the two-factor code step's).
        limit = getattr(error, "limit", None)
        detail = error.description if limit is not None and limit.error_message else None
        page, code = render_error(error.code, detail)
        if limit is not None:
            # The limit's window is the longest the wait can be (a moving window frees a
            # place as its oldest request leaves it).
            return page, code, {"Retry-After": str(limit.limit.get_expiry())}
        return page, code

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    def database_error(error: sa.exc.DBAPIError) -> tuple[str, int, dict[str, str]]:
        from training.web import retry_or_unavailable

        retry_or_unavailable(error)
        return unavailable(error)

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)
