"""Request plumbing shared by every blueprint: one commit per request, template helpers."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from babel import Locale
from babel.dates import (
    DateTimePattern,
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
)
from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import format_datetime, get_locale, get_timezone
from itsdangerous import BadSignature, URLSafeTimedSerializer

from training import i18n
from training.db import SAFE_METHODS, is_sqlite_busy
from training.extensions import db
from training.fragments import fragment
from training.urls import template_url_for


class RetryWithWriteLock(BaseException):
    """A reading request met a write conflict on SQLite; run it again holding the lock.

    A BaseException so that Flask's error handlers (which catch Exception) let it through
    to TrainingFlask.full_dispatch_request.
    """


def shown_datetime(value: Any, fmt: str = "short") -> str:
    """A moment as every page shows it: the reader's short date and time with the zone
    ("05.12.2026, 19:10 (UTC+03)"), so times read the same on every page.

    What flask_babel.format_datetime prints, from patterns prepared once per process for each
    language: lists of attempts, reviews and learners show dozens of these on one page, and
    Babel looks the locale and its patterns up again on every call (2.5 times the cost).
    """
    if not value:
        return ""
    if value.tzinfo is None:  # the database's UTC moments, as flask_babel takes them
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(get_timezone())
    if fmt not in _WIDTHS:  # a pattern of the caller's own ("d MMMM y, HH:mm")
        return f"{format_datetime(value, fmt)} (UTC{_offset(local)})"
    locale = get_locale()
    glue, date_pattern, time_pattern = _datetime_patterns(str(locale), fmt)
    shown = glue.replace("{0}", time_pattern.apply(local, locale))
    return f"{shown.replace('{1}', date_pattern.apply(local, locale))} (UTC{_offset(local)})"


_WIDTHS = frozenset({"short", "medium", "long", "full"})


@functools.cache
def _datetime_patterns(locale_id: str, fmt: str) -> tuple[str, DateTimePattern, DateTimePattern]:
    """A language's date-and-time pattern for a standard width ("short"...), parsed: the glue
    ("{1}, {0}") and the date and time patterns, as babel.dates.format_datetime joins them."""
    locale = Locale.parse(locale_id)
    return (
        get_datetime_format(fmt, locale=locale).replace("'", ""),
        parse_pattern(get_date_format(fmt, locale=locale)),
        parse_pattern(get_time_format(fmt, locale=locale)),
    )


def _offset(local: datetime) -> str:
    """The moment's offset from UTC: "+03", "-05", "+0530" (Babel's iso8601_short)."""
    minutes = int(local.utcoffset().total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{minutes:02d}" if minutes else f"{sign}{hours:02d}"


#: Session cookies a worker has checked and remembers (a few hundred bytes each); when full,
#: it forgets them all and starts again.
CHECKED_COOKIES = 2048


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its serializer built once per app and key set, and
    the cookies it has checked remembered.

    Flask builds a serializer on every request, and building one serializes an empty dict to
    learn the payload's type; then it checks the cookie's signature and decodes it, although a
    browser sends the same cookie on every request until its session changes. Together that
    was about a fifth of the platform's smallest request. A remembered cookie is still held to
    the session lifetime; a changed key forgets every cookie; only cookies whose values are
    plain strings and numbers are remembered (the page gets a copy of them).
    """

    def _kept(self, app: Flask) -> tuple[Any, URLSafeTimedSerializer | None, dict[str, Any]]:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = app.extensions.get("session_cookie_serializer")
        if kept is None or kept[0] != keys:  # a key rotated in place (tests) is seen at once
            kept = (keys, super().get_signing_serializer(app), {})
            app.extensions["session_cookie_serializer"] = kept
        return kept

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        return self._kept(app)[1]

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        _keys, serializer, checked = self._kept(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        if (found := checked.get(value)) is not None:
            data, signed_at = found
            if 0 <= int(time.time()) - signed_at <= max_age:  # as itsdangerous counts the age
                return self.session_class(data)
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(isinstance(v, _PLAIN) for v in data.values()):
            if len(checked) >= CHECKED_COOKIES:
                checked.clear()
            checked[value] = (data, int(signed.timestamp()))
        return self.session_class(data)


_PLAIN = (str, int, float, bool, type(None))


class TrainingFlask(Flask):
    """Flask, plus one retry of a reading request that lost a SQLite write race, and checked
    session cookies remembered."""

    session_interface = SessionCookie()

    def full_dispatch_request(self) -> Response:
        try:
            return super().full_dispatch_request()
        except RetryWithWriteLock:
            db.session.rollback()
            g.write_lock = True  # the retry begins with BEGIN IMMEDIATE and waits its turn
            return super().full_dispatch_request()


def retry_or_unavailable(error: sa.exc.DBAPIError) -> None:
    """Raise RetryWithWriteLock when a reading request may simply be run again."""
    if is_sqlite_busy(error) and request.method in SAFE_METHODS and not g.get("write_lock"):
        raise RetryWithWriteLock from error


def install_request_transaction(app: Flask) -> None:
    """Commit once when a request succeeds; anything else is rolled back.

    Services only flush, so a request's changes land together or not at all. A response of
    400 or more (a failed form answers 422) rolls back, and so does an exception.
    """

    @app.teardown_request
    def _rollback_on_exception(error: BaseException | None) -> None:
        if error is not None:
            db.session.rollback()

    @app.after_request
    def _commit(response: Response) -> Response:
        if not db.session.registry.has():  # the request never used the database
            return response
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
            db.session.rollback()
            retry_or_unavailable(error)
            from training.errors import unavailable

            return app.make_response(unavailable(error))
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

    app.context_processor(i18n.template_translations)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined] - jinja2.ext.i18n
        gettext=i18n.template_gettext,
        ngettext=i18n.template_ngettext,
        pgettext=i18n.template_pgettext,
        npgettext=i18n.template_npgettext,
        newstyle=True,
    )
    # The same links on every page (header, footer, a course's path): built once per process.
    app.jinja_env.globals["url_for"] = template_url_for
    app.jinja_env.globals["fragment"] = fragment
    app.jinja_env.filters["decimal"] = i18n.decimal
    app.jinja_env.filters["datetime"] = shown_datetime
