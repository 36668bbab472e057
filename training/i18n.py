"""Language choice: the user's saved choice, then the cookie, then the browser, then Russian."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user


def select_locale() -> str:
    """Locale for this request (Flask-Babel's locale selector)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # shell commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = request.cookies.get(current_app.config["LANGUAGE_COOKIE"])
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def decimal(value: float, digits: int = 1) -> str:
    """A fraction as the reader writes it: 0,67 in Russian, 0.67 in English."""
    from flask_babel import format_decimal

    return format_decimal(value, format="0." + "0" * digits) if digits else str(round(value))
