"""Shell commands: `flask --app app certificates verify FILE` and `rotate-key`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from joserfc.jwk import KeySet

from certificates.badges import verify_credential
from certificates.documents import key_store
from certificates.services import find_by_code

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
    """Check a downloaded credential's signature and validity; exit 1 unless it is valid.

    With this installation's keys (the default) its database also tells revocations.
    """
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
    click.echo(f"status:  {result.status_url or '—'}")
    if not result.valid_signature:
        raise click.ClickException(f"signature does not hold: {result.reason}")
    click.echo(f"signature: valid (key {result.kid})")
    if result.reason:  # genuine, but no longer valid (expired)
        raise click.ClickException(f"the credential is {result.reason} ({result.expires_at})")
    if keys_path is None and (revoked := _revocation_here(result.credential or {})):
        raise click.ClickException(f"the certificate was revoked: {revoked}")
    click.echo("valid")


def _revocation_here(credential: dict) -> str | None:
    """The reason this installation revoked the credential's certificate, if it did.

    Only when checking with this installation's own keys: then it is the issuer and its
    database knows about revocations that the signed token cannot.
    """
    code = str(credential.get("id") or "").rstrip("/").rsplit("/", 1)[-1]
    certificate = find_by_code(code) if code else None
    if certificate is None or certificate.revoked_at is None:
        return None
    return certificate.revoke_reason or "no reason given"


@certificates_cli.command("rotate-key")
def rotate_key_command() -> None:
    """Start signing with a new key; old public keys stay published for old certificates."""
    key = key_store().rotate()
    click.echo(f"New signing key {key.kid}; earlier keys remain in /issuer/jwks.json.")
