"""Outgoing mail: the outbox table, delivery after commit and by `mail send`, SMTP settings.

Services queue messages with `training.mail.outbox.queue_mail` in the request's own
transaction; nothing talks to a mail server before that transaction has committed.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `mail` commands and the administrators' delivery page."""
    from training.mail.cli import mail_cli
    from training.mail.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(mail_cli)
