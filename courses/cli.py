"""Shell commands: `flask --app app courses export|import` and `flask --app app events export`."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from courses.models import Course, CourseRevision
from courses.packs import (
    PackError,
    course_to_pack,
    import_pack,
    read_pack_dir,
    read_pack_zip,
    write_pack_dir,
    write_pack_zip,
)
from training.accounts.models import Role, User, UserRole
from training.accounts.services import find_user
from training.events import UNKNOWN_LANGUAGE, LearningEvent, to_xapi
from training.extensions import db
from training.progress import shown
from training.transaction import commits

courses_cli = AppGroup("courses", help="Course packs: export and import.")
events_cli = AppGroup("events", help="The learning record.")


@courses_cli.command("export")
@click.argument("slug")
@click.argument("path", type=click.Path(path_type=Path))
def export_command(slug: str, path: Path) -> None:
    """Write a course's draft as a pack: a folder, or a zip when PATH ends in .zip."""
    course = db.session.scalar(sa.select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"No course {slug!r}.")
    if path.exists() and path.is_dir() and any(path.iterdir()):
        raise click.ClickException(f"{path} exists and is not empty.")
    try:
        pack = course_to_pack(course)  # the quizzes' exporter refuses what GIFT cannot hold
        if path.suffix == ".zip":
            path.write_bytes(write_pack_zip(pack))
        else:
            write_pack_dir(pack, path)
    except PackError as error:
        for problem in error.problems:
            click.echo(f"{problem.file}: {problem.message}", err=True)
        raise click.ClickException("The course cannot be written as a pack.") from error
    click.echo(f"Exported {slug} to {path}.")


@courses_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--owner", "owner_name", help="Username of the new course's owner (default: an admin)."
)
@commits
def import_command(path: Path, owner_name: str | None) -> None:
    """Import a pack (folder or .zip): a new course, or a new draft of an existing one."""
    owner = find_user(owner_name) if owner_name else _first_admin()
    if owner is None:
        raise click.ClickException("No such owner; create an admin first (users create).")
    try:
        with shown("Reading and checking the pack", None, ""):
            pack = read_pack_zip(path.read_bytes()) if path.is_file() else read_pack_dir(path)
        result = import_pack(pack, owner, report=shown)
    except PackError as error:
        for problem in error.problems:
            where = problem.file + (f":{problem.line}" if problem.line else "")
            click.echo(f"{where}: {problem.message}", err=True)
        raise click.ClickException("The pack was not imported.") from error
    state = "created" if result.created else "imported as a new draft of"
    click.echo(f"{result.course.slug}: {state} “{result.course.title}”.")


def _first_admin() -> User | None:
    return db.session.scalar(
        sa.select(User).join(UserRole).where(UserRole.role == str(Role.ADMIN)).order_by(User.id)
    )


@events_cli.command("export")
@click.option(
    "--since", "since", default="1970-01-01", help="Only events from this date (YYYY-MM-DD)."
)
@click.option("--output", "output", type=click.Path(path_type=Path), help="File (default: stdout).")
def events_export_command(since: str, output: Path | None) -> None:
    """Write learning events as a JSON array of xAPI 1.0.3 statements."""
    try:
        start = datetime.fromisoformat(since)
    except ValueError as error:
        raise click.ClickException("--since must be a date like 2026-09-01.") from error
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    base = current_app.config["PUBLIC_BASE_URL"]
    events = db.session.scalars(
        sa.select(LearningEvent)
        .where(LearningEvent.timestamp >= start)
        .order_by(LearningEvent.timestamp, LearningEvent.id)
    )
    languages = course_languages()
    statements = [
        to_xapi(event, base, languages.get(event.course_id, UNKNOWN_LANGUAGE)) for event in events
    ]
    text = json.dumps(statements, ensure_ascii=False, indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(statements)} statements written to {output}.", err=True)
    else:
        sys.stdout.write(text)


def course_languages() -> dict[int, str]:
    """Each course's language, as learners see it: its published revision's, else the draft's."""
    rows = db.session.execute(
        sa.select(Course.id, Course.language, CourseRevision.language).outerjoin(
            CourseRevision, CourseRevision.id == Course.published_revision_id
        )
    )
    return {course_id: published or draft for course_id, draft, published in rows}
