"""Shell commands: `flask --app app stats check` and `stats rebuild`."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from stats import store
from training.progress import shown
from training.transaction import commits

stats_cli = AppGroup("stats", help="Organizer statistics: consistency check and rebuild.")


@stats_cli.command("check")
@click.option("--show", default=10, show_default=True, help="How many drifting counters to list.")
def check_command(show: int) -> None:
    """Recompute the aggregates from the event log and report any drift (exit 1 if there is)."""
    started = time.perf_counter()
    drift = store.check(shown, keep=show)
    seconds = time.perf_counter() - started
    click.echo(f"{drift.counters} counters recomputed from the event log in {seconds:.1f} s.")
    if not drift.total:
        click.echo("No drift.")
        return
    click.echo(f"Drift in {drift.total} counters (stored → expected):")
    for key, have, want in (drift.weekly + drift.active)[:show]:  # weekly ones first
        click.echo(f"  {key}: {have} → {want}")
    raise click.ClickException("run `flask --app app stats rebuild` to repair")


@stats_cli.command("rebuild")
@commits
def rebuild_command() -> None:
    """Replace the aggregates with a recomputation from the event log (one transaction)."""
    started = time.perf_counter()
    rows = store.rebuild(shown)
    click.echo(f"Rebuilt {rows} counters in {time.perf_counter() - started:.1f} s.")
