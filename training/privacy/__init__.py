"""Privacy: a person's own data export and account deletion, retention, the privacy page.

Feature packages take part through two hook lists in `app.extensions`, so this core package
never imports them:

- ``personal_data_exporters``: callables ``(user) -> {file name: bytes or JSON-able}`` whose
  files go into the person's zip (names ending in ``.json`` are written as JSON);
- ``personal_data_erasers``: callables ``(user) -> None`` that erase or detach the package's
  rows about the person, inside the deletion's one transaction. They may raise ServiceError
  to refuse the deletion (the whole transaction is then rolled back). They run from the
  highest layer down, before the core anonymises the learning record and deletes the account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

Exporter = Callable[[Any], dict[str, Any]]
Eraser = Callable[[Any], None]


def add_personal_data_hooks(app: Flask, *, exporter: Exporter, eraser: Eraser) -> None:
    """Let a feature package add its files to exports and its part to account deletion."""
    app.extensions.setdefault("personal_data_exporters", []).append(exporter)
    app.extensions.setdefault("personal_data_erasers", []).append(eraser)


def init_app(app: Flask) -> None:
    """Register the privacy pages and the `privacy` command group."""
    from training.privacy.cli import privacy_cli
    from training.privacy.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(privacy_cli)
    app.extensions.setdefault("personal_data_exporters", [])
    app.extensions.setdefault("personal_data_erasers", [])
