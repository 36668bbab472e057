"""`flask --app app mail send`: deliver what the outbox holds (for a systemd timer)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from training.mail.delivery import default_transport, deliver_due

mail_cli = AppGroup("mail", help="Outgoing mail.")


@mail_cli.command("send")
@click.option("--limit", type=click.IntRange(1, 10_000), help="At most this many messages.")
def send_command(limit: int | None) -> None:
    """Deliver due messages; safe to run on several nodes at once (each claims its own)."""
    if default_transport() is None:
        raise click.ClickException("MAIL_HOST is not set: messages stay in the outbox.")
    report = deliver_due(limit=limit)
    click.echo(
        f"Sent {report.sent}; {report.retrying} will be retried later; "
        f"{report.given_up} given up after the last attempt."
    )
