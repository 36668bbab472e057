"""Shell commands: `flask --app app quizzes import-gift|export-gift`."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from courses.models import Course
from quizzes import bank
from quizzes.gift import GiftError, bank_to_gift, import_gift
from training.errors import ServiceError
from training.extensions import db
from training.transaction import commits

quizzes_cli = AppGroup("quizzes", help="Question banks: Moodle GIFT import and export.")


def _course(slug: str) -> Course:
    course = db.session.scalar(sa.select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"No course {slug!r}.")
    return course


@quizzes_cli.command("import-gift")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "slug", required=True, help="The course whose bank receives them.")
@click.option("--category", default="", help="For questions without $CATEGORY.")
@commits
def import_gift_command(path: Path, slug: str, category: str) -> None:
    """Import every question of a GIFT file, or none when the file has an error."""
    course = _course(slug)
    try:
        result = import_gift(course, path.read_text(encoding="utf-8-sig"), None, category)
    except GiftError as error:
        raise click.ClickException(
            f"{path}:{error.line}: {error.message} (nothing imported)"
        ) from error
    except ServiceError as error:
        raise click.ClickException(f"{error.message} (nothing imported)") from error
    click.echo(f"Imported {len(result.items)} questions into {slug}.")
    for skipped in result.skipped:
        click.echo(f"{path}:{skipped.line}: skipped: {skipped.reason}")


@quizzes_cli.command("export-gift")
@click.argument("slug")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_gift_command(slug: str, path: Path) -> None:
    """Write a course's question bank as GIFT."""
    course = _course(slug)
    questions = bank.bank(course)
    export = bank_to_gift(questions)
    path.write_text(export.text, encoding="utf-8")
    click.echo(f"Exported {len(questions) - len(export.left_out)} questions to {path}.")
    for note in export.left_out:
        click.echo(f"Left out: {note}", err=True)
