"""Organizer statistics: completion across the union's tree from aggregates kept on write."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from training import hooks


def init_app(app: Flask) -> None:
    """Register the dashboards and commands and start counting learning events."""
    from stats.cli import stats_cli
    from stats.demo import load_demo_activity
    from stats.store import on_event_recorded
    from stats.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(stats_cli)
    hooks.demo_loaders.register(app, load_demo_activity)
    hooks.navigation.register(
        app, hooks.NavLink(_l("Statistics"), "stats.overview", 40, hooks.holding("organizer"))
    )
    # weak=False: the receiver is a module function; connecting twice is a no-op.
    hooks.event_recorded.connect(on_event_recorded, weak=False)
