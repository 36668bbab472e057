"""Is PUBLIC_BASE_URL this installation? Its instance id, and the check against the address.

Certificates, their QR codes, credentials and xAPI statements all name PUBLIC_BASE_URL, while
the server may listen elsewhere (`make run` serves 127.0.0.1:5000; production sits behind a
proxy). Each installation has a random instance id, kept in a file of its data folder (not a
secret, not in backups, so a restored copy is a different instance) and published by
`/healthz`. Asking the public address for its id tells whether it answers as this instance.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import click
from flask import Flask

FILE_NAME = "instance-id"
ID_BYTES = 16
THREAD_NAME = "public-address-check"


def instance_id(app: Flask) -> str:
    """This installation's id: read from its file, which is created on first use."""
    cached = app.extensions.get("instance_id")
    if cached:
        return cached
    path = Path(app.config.get("INSTANCE_ID_FILE") or Path(app.instance_path) / FILE_NAME)
    try:
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        value = _create(path)
    app.extensions["instance_id"] = value
    return value


def _create(path: Path) -> str:
    """Write a fresh id whole, unless another process wrote one first (then use that one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(ID_BYTES)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".instance-id-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
        os.chmod(tmp, 0o644)  # not a secret: /healthz tells it to anyone
        os.link(tmp, path)  # fails if the name exists: the first writer wins
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    finally:
        Path(tmp).unlink(missing_ok=True)
    return value


def public_health_url(app: Flask) -> str:
    """Where this installation's /healthz should answer, by its public address."""
    return app.config["PUBLIC_BASE_URL"].rstrip("/") + "/healthz"


def answering_instance(url: str, timeout: float = 2.0) -> str | None:
    """The instance id that answers at `url` (a /healthz address); None if none does.

    "" when something answers but not as any instance of this platform.
    """
    if not url.startswith(("http://", "https://")):
        return None
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) only
            raw = response.read(4096)
    except urllib.error.HTTPError:  # a server answered, with an error page: not us
        return ""
    except OSError:  # refused, unreachable, timed out
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        return ""
    found = body.get("instance") if isinstance(body, dict) else None
    return found if isinstance(found, str) else ""


def address_problem(app: Flask, timeout: float = 2.0) -> str | None:
    """Why PUBLIC_BASE_URL does not answer as this instance; None when it does."""
    return _problem(app, answering_instance(public_health_url(app), timeout))


def _problem(app: Flask, found: str | None) -> str | None:
    """The problem, given what answered at the public address."""
    if found == instance_id(app):
        return None
    base = app.config["PUBLIC_BASE_URL"]
    if found is None:
        return f"nothing answers at PUBLIC_BASE_URL ({base})"
    if found == "":
        return f"PUBLIC_BASE_URL ({base}) answers, but not as this platform"
    return f"PUBLIC_BASE_URL ({base}) answers as another installation (instance {found})"


def check_when_serving(app: Flask, tries: int = 10, pause: float = 1.0) -> threading.Thread:
    """In the background: warn if the public address does not answer as this instance.

    While nothing answers it asks again a few times, since the server checking itself may
    still be starting; any answer (ours or another's) settles it at once.
    """

    def check() -> None:
        url = public_health_url(app)
        found = answering_instance(url)
        for _attempt in range(tries - 1):
            if found is not None:
                break
            time.sleep(pause)
            found = answering_instance(url)
        problem = _problem(app, found)
        if problem is None:
            app.logger.info("PUBLIC_BASE_URL answers as this instance.")
            return
        app.logger.warning(
            "%s: certificates, QR codes, credentials and xAPI statements point there, "
            "so they will not reach this server. Set PUBLIC_BASE_URL to the address "
            "people use to reach it.",
            problem,
        )

    thread = threading.Thread(target=check, name=THREAD_NAME, daemon=True)
    app.extensions["address_check"] = thread  # kept so a test can wait for it, done or not
    thread.start()
    return thread


def serving_from_flask_run() -> bool:
    """Whether the app is being loaded by `flask run` (not by another command or a test)."""
    context = click.get_current_context(silent=True)
    return context is not None and context.info_name == "run"
