"""`flask cohorts …`: commands for cohorts (reminders before due dates)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from training.transaction import commits

cohorts_cli = AppGroup("cohorts", help="Cohorts: reminders before module due dates.")


@cohorts_cli.command("remind")
@commits
def remind() -> None:
    """Notify cohort learners whose module is due within 48 hours and unfinished (once each)."""
    from cohorts.reminders import send_reminders

    click.echo(f"reminders sent: {send_reminders()}")
