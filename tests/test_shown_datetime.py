"""Moments on pages: the prepared patterns print what Flask-Babel prints, zone included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import flask_babel
import pytest
from babel.dates import get_timezone_gmt

from app import create_app
from training.web import shown_datetime

# Winter and summer time, a half-hour zone, and noon and midnight on both sides of UTC.
MOMENTS = [
    datetime(2026, 1, 5, 21, 7, tzinfo=UTC) + timedelta(days=d, hours=h)
    for d in range(0, 365, 61)
    for h in (0, 3, 13)
]


def app_in(zone: str, tmp_path):
    return create_app(
        {
            "ENVIRONMENT": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dates.sqlite3'}",
            "BABEL_DEFAULT_TIMEZONE": zone,
        }
    )


@pytest.mark.parametrize(
    "zone", ["Europe/Moscow", "Asia/Vladivostok", "America/New_York", "Asia/Kolkata", "UTC"]
)
def test_as_flask_babel_prints_it(zone, tmp_path):
    with app_in(zone, tmp_path).test_request_context():
        for language in ("ru", "en"):
            with flask_babel.force_locale(language):
                for fmt in ("short", "medium", "long"):
                    for moment in MOMENTS:
                        local = moment.astimezone(flask_babel.get_timezone())
                        offset = get_timezone_gmt(local, width="iso8601_short")
                        expected = f"{flask_babel.format_datetime(moment, fmt)} (UTC{offset})"
                        assert shown_datetime(moment, fmt) == expected
                        # the database's naive UTC moments read the same
                        assert shown_datetime(moment.replace(tzinfo=None), fmt) == expected


def test_a_russian_reader_in_moscow(tmp_path):
    with app_in("Europe/Moscow", tmp_path).test_request_context(), flask_babel.force_locale("ru"):
        assert shown_datetime(datetime(2026, 12, 5, 16, 10, tzinfo=UTC)) == (
            "05.12.2026, 19:10 (UTC+03)"
        )
        assert shown_datetime(None) == ""


def test_a_negative_half_hour_zone_keeps_its_sign(tmp_path):
    """Newfoundland is 3½ hours behind UTC in winter (Babel itself prints "-0430" there)."""
    with (
        app_in("America/St_Johns", tmp_path).test_request_context(),
        flask_babel.force_locale("en"),
    ):
        assert shown_datetime(datetime(2026, 1, 5, 12, 0, tzinfo=UTC)).endswith("(UTC-0330)")
        assert shown_datetime(datetime(2026, 7, 5, 12, 0, tzinfo=UTC)).endswith("(UTC-0230)")


def test_a_pattern_of_its_own_is_still_honoured(tmp_path):
    with app_in("Europe/Moscow", tmp_path).test_request_context(), flask_babel.force_locale("ru"):
        assert shown_datetime(datetime(2026, 12, 5, 16, 10, tzinfo=UTC), "d MMMM y, HH:mm") == (
            "5 декабря 2026, 19:10 (UTC+03)"
        )
