"""Shell commands: `flask --app app certificates verify FILE` and `rotate-key`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from joserfc.jwk import KeySet

from certificates.badges import verify_credential
from certificates.documents import key_store

certificates_cli = AppGroup("certificates", help="Signed certificates: offline checks and keys.")


@certificates_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--keys",
    "keys_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JWK set file (as published at /issuer/jwks.json); default: this installation's keys.",
)
def verify_command(path: Path, keys_path: Path | None) -> None:
    """Check a downloaded credential's signature offline and print what it states."""
    token = path.read_text(encoding="utf-8").strip()
    if keys_path:
        keys = KeySet.import_key_set(json.loads(keys_path.read_text(encoding="utf-8")))
    else:
        keys = key_store().public_keyset()
    result = verify_credential(token, keys)
    click.echo(f"holder:  {result.holder_name or '—'}")
    click.echo(f"course:  {result.course_title or '—'}")
    click.echo(f"issued:  {result.issued_at or '—'}")
    click.echo(f"expires: {result.expires_at or '—'}")
    click.echo(f"status:  {result.status_url or '—'} (check online for revocation)")
    if not result.valid_signature:
        raise click.ClickException(f"signature does not hold: {result.reason}")
    click.echo(f"signature: valid (key {result.kid})")


@certificates_cli.command("rotate-key")
def rotate_key_command() -> None:
    """Start signing with a new key; old public keys stay published for old certificates."""
    key = key_store().rotate()
    click.echo(f"New signing key {key.kid}; earlier keys remain in /issuer/jwks.json.")
