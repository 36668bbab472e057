"""`flask --app app privacy purge [--dry-run]`: the retention rule, safe to run from cron."""

from __future__ import annotations

from contextlib import nullcontext

import click
from flask import current_app
from flask.cli import AppGroup

from training.progress import shown
from training.transaction import commits, undone

privacy_cli = AppGroup("privacy", help="Retention of personal data.")


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only report what would be anonymised.")
@commits
def purge_command(dry_run: bool) -> None:
    """Anonymise the learning events of accounts inactive for PRIVACY_RETENTION_DAYS.

    One transaction; a second run finds nothing more to do.
    """
    from training.privacy.messages import purge_messages
    from training.privacy.services import purge_inactive, purge_other_parts

    days = int(current_app.config["PRIVACY_RETENTION_DAYS"])
    if days < 1:
        raise click.ClickException(f"PRIVACY_RETENTION_DAYS must be at least one day, not {days}.")
    with undone() if dry_run else nullcontext():
        report = purge_inactive(days, dry_run=dry_run, report=shown)
        messages = purge_messages(report.cutoff)
        others = purge_other_parts(report.cutoff, dry_run=dry_run)
    verb = "would be anonymised" if dry_run else "anonymised"
    click.echo(
        f"Accounts without a login since {report.cutoff:%Y-%m-%d %H:%M} UTC "
        f"(more than {days} days): {report.inactive_accounts}."
    )
    click.echo(
        f"Learning events {verb}: {report.events_anonymised} "
        f"of {report.accounts_anonymised} account(s)."
    )
    verb = "would be deleted" if dry_run else "deleted"
    click.echo(
        f"Notifications {verb}: {messages.notifications}; mail {verb}: {messages.mail}; "
        f"e-mail addresses of inactive accounts {verb}: {messages.addresses}."
    )
    for what, count in others:
        click.echo(f"{what}{' (dry run)' if dry_run else ''}: {count}.")
