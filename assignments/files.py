"""Files learners hand in: recognised by content, stored privately, one folder per version."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from courses.keys import slugify
from courses.media_types import sniff_media_type
from training.db import after_commit, keep_private
from training.errors import ServiceError

MAX_FILES = 5
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
# What a learner may hand in, and the extension each is stored with.
HAND_IN_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    DOCX: ".docx",
    ODT: ".odt",
}


@dataclass(frozen=True)
class Upload:
    """A checked file, ready to store."""

    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff_hand_in(data: bytes) -> str | None:
    """The type by content: the course media types (no GIF), or a DOCX/ODT zip container."""
    sniffed = sniff_media_type(data)
    if sniffed in HAND_IN_TYPES:
        return sniffed
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            # ODT names itself in a small first entry; DOCX has its parts list and body.
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                return ODT if archive.read("mimetype").strip() == ODT.encode() else None
            if {"[Content_Types].xml", "word/document.xml"} <= names:
                return DOCX
    # A zip we cannot read is not a document we accept: BadZipFile (damaged), KeyError (entry
    # missing), RuntimeError (an encrypted entry), NotImplementedError (a compression method
    # the standard library lacks, which zipfile signals this way).
    except (zipfile.BadZipFile, KeyError, RuntimeError, NotImplementedError):
        return None
    return None


def check_uploads(files: list[tuple[str, bytes]]) -> list[Upload]:
    """Each (name, bytes) checked: count, size and type by content; ServiceError on "files"."""
    if len(files) > MAX_FILES:
        raise ServiceError(_("Attach at most %(num)d files.", num=MAX_FILES), "files")
    limit = current_app.config["SUBMISSION_MAX_BYTES"]
    checked = []
    for name, data in files:
        if len(data) > limit:
            raise ServiceError(
                _(
                    "%(name)s is larger than %(mb)s MB.",
                    name=_shown(name),
                    mb=f"{limit / 1024 / 1024:g}",
                ),
                "files",
            )
        content_type = sniff_hand_in(data)
        if content_type is None:
            raise ServiceError(
                _(
                    "%(name)s is not a PDF, PNG, JPEG, WebP, DOCX or ODT file.",
                    name=_shown(name),
                ),
                "files",
            )
        checked.append(Upload(_clean(name, content_type), content_type, data))
    return checked


def _shown(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/"))
    return base if len(base) <= 60 else base[:59] + "…"


def _clean(raw: str, content_type: str) -> str:
    """A safe download name with the extension its content has."""
    base = os.path.basename(raw.replace("\\", "/")).strip()
    stem = base.rpartition(".")[0] if "." in base else base
    return f"{slugify(stem, max_length=80) or 'file'}{HAND_IN_TYPES[content_type]}"


def submissions_root() -> Path:
    """Folder holding handed-in files (SUBMISSIONS_ROOT, default instance/submissions)."""
    configured = current_app.config.get("SUBMISSIONS_ROOT")
    return Path(configured) if configured else Path(current_app.instance_path) / "submissions"


def stored_path(submission_id: int, file_id: int) -> Path:
    return submissions_root() / str(submission_id) / str(file_id)


def write_after_commit(path: Path, data: bytes) -> None:
    """Write the bytes once the row is committed, readable by the server's account only."""

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        keep_private(tmp)
        tmp.write_bytes(data)
        os.replace(tmp, path)

    after_commit(write)


def remove_after_commit(paths: list[Path]) -> None:
    """Delete files (and their emptied folders) once the rows are gone for good."""

    def remove() -> None:
        for path in paths:
            path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # other files of the version remain
                path.parent.rmdir()

    after_commit(remove)
