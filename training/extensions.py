"""Flask extensions, created unbound here and initialised in create_app.

Flask-Migrate is set up on first use instead (training.migrations): Alembic holds 11 MB that
no page needs."""

from flask import Flask, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from training.db import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


def form_username_key() -> str:
    """Rate-limit key for per-account limits: the normalised username being tried."""
    from training.accounts.models import normalise_username

    return "account:" + normalise_username(request.form.get("username", ""))


def init_limiter(app: Flask) -> None:
    """Bind the rate limiter, checking limits only where views are decorated with one.

    Every limit of the platform is a decorator on its view, which checks it itself. The
    extension also checks on every request for default, application and blueprint-wide
    limits, which the platform does not use; that hook costs about a tenth of a small
    request, so it is taken out (tests/test_rate_limits_checked.py holds the assumption).
    """
    limiter.init_app(app)
    hooks = app.before_request_funcs.get(None, [])
    # With RATELIMIT_ENABLED off the extension installs no hook at all.
    if limiter._check_request_limit in hooks and not (
        app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION")
    ):
        hooks.remove(limiter._check_request_limit)
