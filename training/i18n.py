"""Language choice: the user's saved choice, then the cookie, then the browser, then Russian."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context


def select_locale() -> str:
    """Locale for this request (Flask-Babel's locale selector)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # shell commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_user._get_current_object()
    if user and user.is_authenticated and user.locale in languages:
        return user.locale
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


# Templates' gettext. Flask-Babel's looks the request's translations up again on every call
# (the language, its catalog, nine context-local reads: about 10 µs), and a page has dozens
# of strings. A page's render looks them up once (`template_translations`, a context
# processor, so `force_locale` around a render still applies); imported macros and
# fragments, which see no page context, take Flask-Babel's way.
TRANSLATIONS = "_translations"


def template_translations() -> dict[str, Any]:
    """The page's catalog, for the template gettext functions below."""
    return {TRANSLATIONS: get_translations()}


def _catalog(context: Context) -> Any:
    return context.get(TRANSLATIONS) or get_translations()


@pass_context
def template_gettext(context: Context, string: str) -> str:
    return _catalog(context).ugettext(string)


@pass_context
def template_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _catalog(context).ungettext(singular, plural, n)


@pass_context
def template_pgettext(context: Context, message_context: str, string: str) -> str:
    return _catalog(context).upgettext(message_context, string)


@pass_context
def template_npgettext(
    context: Context, message_context: str, singular: str, plural: str, n: int
) -> str:
    return _catalog(context).unpgettext(message_context, singular, plural, n)
