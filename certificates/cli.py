"""Shell commands: `flask --app app certificates verify FILE [--online]` and `rotate-key`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import click
from flask.cli import AppGroup

from certificates.documents import key_store
from certificates.services import find_by_code

certificates_cli = AppGroup("certificates", help="Signed certificates: offline checks and keys.")

#: Exit status when the issuer's status could not be read: not "invalid" (1), not "valid" (0).
UNCHECKED = 3
STATUS_TIMEOUT = 10  # seconds
STATUS_MAX_BYTES = 64 * 1024


class StatusUnavailable(click.ClickException):
    """The issuer could not be asked (offline, unreachable, an answer that is not a status)."""

    exit_code = UNCHECKED


@certificates_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--keys",
    "keys_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JWK set file (as published at /issuer/jwks.json); default: this installation's keys.",
)
@click.option(
    "--online",
    is_flag=True,
    help="Also ask the issuer's status address (credentialStatus) whether it was revoked.",
)
def verify_command(path: Path, keys_path: Path | None, online: bool) -> None:
    """Check a downloaded credential's signature and validity; exit 1 unless it is valid.

    With this installation's keys (the default) its database also tells revocations; with
    --online the issuer's status address does (exit 3 when it cannot be reached).
    """
    # The JOSE side is imported here, as in certificates.documents: web workers rarely need it.
    from joserfc.jwk import KeySet

    from certificates.badges import verify_credential

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
    if online:
        _check_online(result.status_url)
    click.echo("valid")


def _check_online(url: str | None) -> None:
    """Ask the issuer's status address; raise when revoked, unknown or not answerable."""
    if not url or not url.startswith(("https://", "http://")):
        raise StatusUnavailable(f"the credential names no status address to ask ({url or '—'})")
    status = _fetch_status(url)
    if status.get("revoked") is True or status.get("status") == "revoked":
        reason = status.get("reason") or "no reason given"
        click.echo(f"online:  revoked ({reason})")
        raise click.ClickException(f"the issuer says the certificate was revoked: {reason}")
    state = status.get("status")
    click.echo(f"online:  {state or 'not revoked'}")
    if state not in (None, "valid"):
        raise click.ClickException(f"the issuer says the certificate is {state}")


def _fetch_status(url: str) -> dict:
    # Only http(s) addresses get here (_check_online), never file: or other schemes.
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=STATUS_TIMEOUT) as response:  # noqa: S310
            body = response.read(STATUS_MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        error.close()  # it holds the answer's connection
        if error.code == 404:
            raise click.ClickException(
                f"the issuer does not know this certificate ({url} answers 404): "
                "it may have been deleted"
            ) from None
        raise StatusUnavailable(
            f"the issuer's status address answers {error.code}: {url}"
        ) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise StatusUnavailable(f"could not reach the issuer at {url}: {reason}") from None
    if len(body) > STATUS_MAX_BYTES:
        raise StatusUnavailable(f"the issuer's answer is too large to be a status: {url}")
    try:
        status = json.loads(body)
    except ValueError:
        raise StatusUnavailable(f"the issuer's answer is not a status (not JSON): {url}") from None
    if not isinstance(status, dict):
        raise StatusUnavailable(f"the issuer's answer is not a status: {url}")
    return status


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
