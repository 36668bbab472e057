"""Rendered certificate PDFs kept on disk, so that a re-download is a file send.

One folder per certificate under CERTIFICATE_PDF_DIR (default instance/certificate-pdfs); a
file is named by the digest of everything its PDF states (name, course, dates, revoked or
not, the verification address) and of the renderer's version. Whatever changes, the name
changes: a file rendered before a revocation or a name change can never be the one asked for.
The folder is also emptied once such a change commits, so no old name stays on the disk.
Files hold personal data: 0600, folders 0700.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import current_app

from training.db import after_commit

#: Bumped when the PDF's drawing changes, so that files of the old drawing are not sent.
RENDER_VERSION = "1"


def root() -> Path:
    """The folder of every certificate's stored PDFs."""
    configured = current_app.config.get("CERTIFICATE_PDF_DIR")
    return Path(configured or Path(current_app.instance_path) / "certificate-pdfs")


def key_of(stated: tuple[object, ...]) -> str:
    """The file name's digest for what a PDF states."""
    text = "\x1f".join(map(str, (RENDER_VERSION, *stated)))
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def stored(certificate_id: int, key: str, render: Callable[[], bytes]) -> Path:
    """The PDF file for this certificate and key: the kept one, or rendered and kept now.

    Written to a temporary file and renamed into place, so a concurrent download never reads
    half a file; the certificate's other (outdated) files go.
    """
    folder = root() / str(int(certificate_id))
    path = folder / f"{key}.pdf"
    if path.is_file():
        return path
    data = render()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")  # created 0600
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
    for other in folder.iterdir():
        if other != path and other.suffix == ".pdf":
            other.unlink(missing_ok=True)
    return path


def forget(certificate_id: int) -> None:
    """Delete the certificate's stored PDFs once the current transaction commits."""
    folder = root() / str(int(certificate_id))
    after_commit(lambda: shutil.rmtree(folder, ignore_errors=True))
