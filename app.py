"""Application factory of the union training platform (`flask --app app ...`)."""

from __future__ import annotations

import os
import sys
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, CLI. No database work here."""
    from training.web import TrainingFlask

    app = TrainingFlask(__name__, instance_relative_config=True)
    from training.params import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added

    from training.config import ConfigError, load_config

    try:
        load_config(app, config)
    except ConfigError as error:  # one line for the operator, not a traceback
        sys.exit(f"Configuration error: {error}")

    if proxies := int(app.config["TRUSTED_PROXIES"]):
        # Client addresses (rate limits) and https come from the proxy's headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    _init_extensions(app)
    _install_request_handling(app)

    _init_core(app)

    # Feature packages, lowest layer first; each wires its pages, commands and hooks.
    import assignments
    import certificates
    import cohorts
    import courses
    import quizzes
    import stats

    courses.init_app(app)
    quizzes.init_app(app)
    assignments.init_app(app)
    certificates.init_app(app)
    cohorts.init_app(app)
    stats.init_app(app)

    from training.address import check_when_serving, serving_from_flask_run

    if serving_from_flask_run():  # `make run`; gunicorn.conf.py starts it for `make serve`
        check_when_serving(app)
    return app


def _init_core(app: Flask) -> None:
    """The core's own pages, commands, privacy, mail and notifications."""
    from training.accounts.views import bp as accounts_bp
    from training.admin.people_views import bp as people_bp
    from training.admin.views import bp as admin_bp
    from training.cli import register_cli
    from training.health import bp as health_bp
    from training.mail import init_app as init_mail
    from training.main import bp as main_bp
    from training.notifications import init_app as init_notifications
    from training.organizations.views import bp as organizations_bp
    from training.privacy import init_app as init_privacy

    app.register_blueprint(main_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(organizations_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(people_bp)
    register_cli(app)
    init_privacy(app)
    init_mail(app)
    init_notifications(app)


def _init_extensions(app: Flask) -> None:
    """Database, migrations, CSRF, rate limits and translations, bound to this app."""
    from training.db import configure_engine_options, install_sqlite_pragmas
    from training.extensions import babel, csrf, db, init_limiter
    from training.migrations import init_migrations

    configure_engine_options(app)
    db.init_app(app)
    with app.app_context():  # engines are created lazily; attaching listeners opens no connection
        install_sqlite_pragmas(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    init_migrations(app, os.path.join(app.root_path, "migrations"))
    csrf.init_app(app)
    init_limiter(app)

    from training.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)


def _install_request_handling(app: Flask) -> None:
    """Login, two-factor enforcement, error pages, security headers, the request transaction,
    versioned static addresses."""
    from training.accounts.security_views import install_two_factor_enforcement
    from training.accounts.views import init_login
    from training.extensions import login_manager

    login_manager.init_app(app)
    init_login(login_manager)
    install_two_factor_enforcement(app)

    from training.errors import register_error_handlers
    from training.security import install_security_headers
    from training.static import install_static_versions
    from training.web import install_request_transaction, install_template_helpers

    register_error_handlers(app)
    install_security_headers(app)
    install_request_transaction(app)
    install_template_helpers(app)
    install_static_versions(app)
