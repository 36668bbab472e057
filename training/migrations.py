"""Flask-Migrate, set up the first time something asks for it: `flask db ...`, the tests'
and benchmarks' `flask_migrate.upgrade()`. Web workers never import Alembic (about 11 MB each).
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask


class _LazyMigrate:
    """Stands in app.extensions["migrate"] until read: then sets Flask-Migrate up for real
    (which replaces this entry and the `db` command group) and answers from it."""

    def __init__(self, app: Flask, directory: str) -> None:
        self._app = app
        self._directory = directory

    def __getattr__(self, name: str) -> Any:
        from flask_migrate import Migrate

        from training.extensions import db

        Migrate(self._app, db, directory=self._directory)
        return getattr(self._app.extensions["migrate"], name)


class _LazyDbCommands(click.Group):
    """`flask db ...`: Flask-Migrate's commands, imported when one is asked for."""

    @staticmethod
    def _real() -> click.Group:
        from flask_migrate.cli import db

        return db

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # The real group parses, runs its own callback (it sets g.directory) and its commands.
        return self._real().make_context(info_name, args, parent=parent, **extra)


def init_migrations(app: Flask, directory: str) -> None:
    """Give the app Flask-Migrate's extension entry and `db` commands, loaded on first use."""
    app.extensions["migrate"] = _LazyMigrate(app, directory)
    app.cli.add_command(_LazyDbCommands("db", help="Perform database migrations."))
