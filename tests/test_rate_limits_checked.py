"""Rate limits are decorators on their views; the extension's per-request hook is not needed.

training.extensions.init_limiter takes out Flask-Limiter's before_request check, which would
only look for default, application and blueprint-wide limits. These tests hold that
assumption: should such a limit ever be added, the first test fails instead of the limit
silently doing nothing.
"""

from __future__ import annotations

from training.extensions import limiter


def test_no_limit_relies_on_the_per_request_hook(app):
    manager = limiter.limit_manager
    assert not manager._default_limits and not manager._application_limits
    assert not manager._blueprint_limits
    assert all(limiter._check_request_limit != hook for hook in app.before_request_funcs[None])


def test_a_decorated_limit_still_answers_429(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_LIMIT_PER_IP", "2 per minute")
    answers = [client.get("/verify/AAAA-AAAA-AAAA-AAAA-AAAA").status_code for _ in range(3)]
    assert answers == [404, 404, 429]


def test_an_app_with_rate_limits_switched_off_starts(tmp_path):
    """RATELIMIT_ENABLED off (bench/stats_pages.py): the extension adds no hook to take out."""
    from app import create_app

    app = create_app(
        {
            "ENVIRONMENT": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'off.sqlite3'}",
            "RATELIMIT_ENABLED": False,
        }
    )
    assert all(limiter._check_request_limit != hook for hook in app.before_request_funcs[None])
