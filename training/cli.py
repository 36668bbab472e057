"""Shell commands: `users ...`, `demo load`, `backup PATH` and `restore PATH` (flask --app app)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from training import hooks
from training.accounts.models import Role, User
from training.extensions import db
from training.organizations.models import Organization, OrgKind
from training.organizations.services import create_organization, format_code
from training.progress import shown
from training.transaction import commits

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demo data for trying the platform (not in production).")


def _read_password(prompt: bool) -> str:
    """Ask on a terminal (twice), or read one line from standard input when piped."""
    if not sys.stdin.isatty() or not prompt:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _root_organization() -> Organization:
    root = db.session.scalar(sa.select(Organization).where(Organization.parent_id.is_(None)))
    if root is None:
        root = create_organization(current_app.config["PLATFORM_NAME"], OrgKind.FEDERAL, None)
        click.echo(f"Created the top organization “{root.name}” (rename it in the web interface).")
    return root


@users_cli.command("create")
@click.argument("username")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([str(r) for r in Role]),
    help="Role to grant (repeatable); every account is a learner too.",
)
@click.option("--organization", "organization_id", type=int, help="Organization id (default: top).")
@click.option("--name", "display_name", default="", help="Display name.")
@commits
def create_user_command(
    username: str, roles: tuple[str, ...], organization_id: int | None, display_name: str
) -> None:
    """Create an account; asks for the password, or reads it from stdin when piped."""
    from training.accounts.services import create_user

    org = db.session.get(Organization, organization_id) if organization_id else _root_organization()
    if org is None:
        raise click.ClickException(f"No organization with id {organization_id}.")
    password = _read_password(prompt=True)
    user = create_user(
        username,
        password,
        org,
        roles={Role.LEARNER, *(Role(r) for r in roles)},
        display_name=display_name,
    )
    click.echo(f"Created {user.username} ({', '.join(sorted(user.roles))}) in “{org.name}”.")


@users_cli.command("set-password")
@click.argument("username")
@commits
def set_password_command(username: str) -> None:
    """Set a new password for an account (ends its sessions)."""
    from training.accounts.services import find_user, set_password

    user = find_user(username)
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    set_password(user, _read_password(prompt=True))
    click.echo(f"Password of {user.username} changed.")


@users_cli.command("rotate-two-factor-key")
@commits
def rotate_two_factor_key_command() -> None:
    """Seal every two-factor secret with the first of TWO_FACTOR_ENCRYPTION_KEYS."""
    from training.accounts.two_factor import rotate_secrets

    count = rotate_secrets()
    click.echo(
        f"{count} two-factor secrets sealed with the first key; keys after it can now be removed."
    )


@users_cli.command("reset-two-factor")
@click.argument("username")
@commits
def reset_two_factor_command(username: str) -> None:
    """Remove an account's two-factor authentication (lost phone and codes); ends its sessions."""
    from training.accounts.services import find_user
    from training.accounts.two_factor import reset_two_factor

    user = find_user(username)
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    reset_two_factor(user)
    click.echo(
        f"Two-factor authentication of {user.username} removed; they will be asked to enrol again "
        "at their next login if their role requires it."
    )


@users_cli.command("purge-sessions")
@commits
def purge_sessions_command() -> None:
    """Delete expired login sessions and reset links/codes (run this daily)."""
    from training.accounts.recovery import purge_expired_tokens
    from training.accounts.sessions import purge_expired_sessions

    count = purge_expired_sessions()
    tokens = purge_expired_tokens()
    click.echo(f"Deleted {count} expired sessions and {tokens} expired links or codes.")


@users_cli.command("list")
def list_users_command() -> None:
    """List accounts with their roles."""
    for user in db.session.scalars(sa.select(User).order_by(User.username)):
        click.echo(f"{user.username}\t{','.join(sorted(user.roles))}\t{user.organization.name}")


@demo_cli.command("load")
@commits
def demo_load_command() -> None:
    """Load the demo union tree and accounts; a second run adds nothing."""
    from training.demo import DEMO_ACCOUNTS, DEMO_INVITE_CODE, load_demo

    if current_app.config["ENVIRONMENT"] == "production":
        raise click.ClickException(
            "Demo data is not loaded in production (set TRAINING_ENVIRONMENT=development)."
        )
    password = current_app.config["DEMO_PASSWORD"]
    added = load_demo(password)
    # Feature packages add their own demo content (courses...) without this module knowing them.
    for loader in hooks.demo_loaders:
        added += loader()
    click.echo("Demo data: " + (", ".join(added) if added else "already loaded, nothing added."))
    click.echo(f"Demo logins (password: {password}):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.username:<10} {account.role.value}")
    click.echo(f"Invite code for registering: {format_code(DEMO_INVITE_CODE)}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Back up the database, uploaded media and signing keys to PATH (.tar.gz), online."""
    from training.backup import BackupError, backup

    try:
        manifest = backup(path, report=shown)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    counts = ", ".join(f"{n} {table}" for table, n in manifest["counts"].items())
    click.echo(f"Backup of the {manifest['database']} database written to {path}: {counts}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even if the platform seems to be running.")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Replace the database, media and keys with a backup's (refused while the app runs)."""
    from training.backup import BackupError, restore

    try:
        restored = restore(path, force=force, report=shown)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    counts = ", ".join(f"{n} {table}" for table, n in restored.counts.items())
    click.echo(f"Restored the backup of {restored.manifest['created_at']}: {counts}.")


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app's CLI."""
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
