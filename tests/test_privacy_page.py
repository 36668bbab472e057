"""The privacy page says what is stored, who sees it and for how long, from the live settings."""

from __future__ import annotations

import re

import pytest

from training.config import Defaults


def english(client, path: str = "/privacy") -> str:
    client.set_cookie("lang", "en")
    response = client.get(path)
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def test_anyone_can_read_it_in_both_languages(client, database):
    page = english(client)
    assert "What we store" in page and "Who sees it" in page and "How long we keep it" in page
    assert "<script" not in page
    client.set_cookie("lang", "ru")
    assert '<html lang="ru">' in client.get("/privacy").get_data(as_text=True)


def test_it_states_the_shipped_settings(app, client, database, monkeypatch):
    for name in dir(Defaults):
        if name.endswith(("_LIMIT_PER_IP", "_LIMIT_PER_ACCOUNT")):  # tests relax these
            monkeypatch.setitem(app.config, name, getattr(Defaults, name))
    page = english(client)
    assert f"After {Defaults.PRIVACY_RETENTION_DAYS} days without a login" in page
    assert f"Any number from 1 to {Defaults.STATS_MIN_GROUP - 1} is hidden" in page
    idle, absolute = (
        Defaults.SESSION_IDLE_TIMEOUT // 86400,
        Defaults.SESSION_ABSOLUTE_TIMEOUT // 86400,
    )
    assert (
        f"A login ends after {idle} days without activity, and at the latest {absolute} days"
        in page
    )
    assert "authenticator app" in page and "sessions page" in page
    assert "for at most 24 hours" in page  # the longest shipped rate-limit window: a day


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("PRIVACY_RETENTION_DAYS", 365, "After 365 days without a login"),
        ("STATS_MIN_GROUP", 10, "Any number from 1 to 9 is hidden"),
        ("SESSION_IDLE_TIMEOUT", 3600, "A login ends after 1 hour without activity"),
        ("SESSION_IDLE_TIMEOUT", 12 * 3600, "A login ends after 12 hours without activity"),
        ("SESSION_ABSOLUTE_TIMEOUT", 86400, "at the latest 1 day after you logged in"),
        ("LOGIN_LIMIT_PER_IP", "20 per minute;100 per 2 day", "for at most 48 hours"),
    ],
)
def test_changing_the_configuration_changes_the_page(
    app, client, database, monkeypatch, setting, value, expected
):
    assert expected not in english(client)
    monkeypatch.setitem(app.config, setting, value)
    assert expected in english(client)


def test_without_small_group_suppression_the_sentence_goes(app, client, database, monkeypatch):
    monkeypatch.setitem(app.config, "STATS_MIN_GROUP", 1)
    assert "is hidden, and so is" not in english(client)


def test_it_is_linked_from_every_page_and_the_registration_form(client, database):
    for path in ("/", "/courses/", "/account/login"):
        assert 'href="/privacy"' in english(client, path), path
    register = english(client, "/account/register")
    assert re.search(r"Before you register.*href=\"/privacy\"", register)


def test_it_points_logged_in_people_to_their_data(login_as, users):
    client = login_as("learner")
    assert 'href="/account/data"' in english(client)


def test_visitors_are_offered_the_login_to_see_their_data(client, database):
    assert 'href="/account/login?next=/account/data"' in english(client).replace("%2F", "/")
