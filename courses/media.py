"""Images and PDF handouts of a course: checked by content, stored under instance/."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from courses.keys import slugify
from courses.media_types import ALLOWED_MEDIA_TYPES, SAFE_FILENAME, sniff_media_type
from courses.models import Course, CourseMedia, CourseRevision, Lesson, RevisionLesson
from training import hooks
from training.db import after_commit
from training.errors import ServiceError
from training.extensions import db


def media_root() -> Path:
    """Folder holding every course's files (MEDIA_ROOT, default instance/media)."""
    configured = current_app.config.get("MEDIA_ROOT")
    return Path(configured) if configured else Path(current_app.instance_path) / "media"


def media_file(course_id: int, filename: str) -> Path:
    return media_root() / str(course_id) / filename


def clean_filename(raw: str, content_type: str) -> str:
    """A safe stored name: the uploaded base name, reduced to safe characters, right extension."""
    base = os.path.basename(raw.replace("\\", "/")).strip()
    stem, _dot, ext = base.rpartition(".") if "." in base else (base, "", "")
    # Transliterated, so "Памятка.pdf" becomes "pamiatka.pdf", readable in lesson texts.
    safe = slugify(stem, max_length=80) or "file"
    canonical = ALLOWED_MEDIA_TYPES[content_type]
    # Keep a correct extension as written (photo.jpeg stays photo.jpeg); fix a wrong one.
    keep = "." + ext.lower() in {canonical, ".jpeg" if canonical == ".jpg" else canonical}
    return f"{safe}.{ext.lower()}" if keep else f"{safe}{canonical}"


def store_media(
    course: Course, filename: str, data: bytes, user_id: int | None, *, exact_name: bool = False
) -> CourseMedia:
    """Save a file after checking its real type and size; names are unique per course.

    Uploaded names are cleaned; packs keep theirs (`exact_name`), as lessons refer to them.
    """
    limit = current_app.config["MEDIA_MAX_BYTES"]
    if len(data) > limit:
        raise ServiceError(
            _("The file is larger than %(mb)s MB.", mb=f"{limit / 1024 / 1024:g}"), "file"
        )
    content_type = sniff_media_type(data)
    if content_type is None:
        raise ServiceError(
            _("Only PNG, JPEG, WebP and GIF images and PDF files can be uploaded."), "file"
        )
    name = filename if exact_name else clean_filename(filename, content_type)
    if not SAFE_FILENAME.fullmatch(name) or ".." in name:
        raise ServiceError(_("Choose a file with a simpler name."), "file")
    exists = db.session.scalar(
        sa.select(CourseMedia.id).where(
            CourseMedia.course_id == course.id, CourseMedia.filename == name
        )
    )
    if exists:
        raise ServiceError(
            _("A file named %(name)s already exists; delete it first or rename yours.", name=name),
            "file",
        )
    item = CourseMedia(
        course_id=course.id,
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=user_id,
    )
    db.session.add(item)
    db.session.flush()
    # Written only once the row is committed: a refused upload or pack leaves no file behind.
    path = media_file(course.id, name)
    after_commit(lambda: _write_file(path, data))
    return item


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # atomic: readers never see half a file


def media_in_use(course: Course, filename: str) -> bool:
    """True when the draft or any revision refers to the file (revisions must stay intact)."""
    needle = f"media/{filename}"
    if course.cover_filename == filename:
        return True
    in_draft = db.session.scalar(
        sa.select(Lesson.id).where(Lesson.course_id == course.id, Lesson.body.contains(needle))
    )
    in_revisions = db.session.scalar(
        sa.select(RevisionLesson.id)
        .join(CourseRevision, RevisionLesson.revision_id == CourseRevision.id)
        .where(CourseRevision.course_id == course.id, RevisionLesson.body.contains(needle))
    )
    covers = db.session.scalar(
        sa.select(CourseRevision.id).where(
            CourseRevision.course_id == course.id, CourseRevision.cover_filename == filename
        )
    )
    return bool(in_draft or in_revisions or covers)


def media_is_public(course: Course, filename: str) -> bool:
    """Whether people who cannot edit the course may fetch the file: the published revision
    (a lesson or the cover) or another package's published content (questions) uses it.

    A file uploaded for a draft stays private until what refers to it is published.
    """
    revision = course.published_revision
    if revision is None:
        return False
    if revision.cover_filename == filename:
        return True
    in_lessons = db.session.scalar(
        sa.select(RevisionLesson.id)
        .where(
            RevisionLesson.revision_id == revision.id,
            RevisionLesson.body.contains(f"media/{filename}", autoescape=True),
        )
        .limit(1)
    )
    return in_lessons is not None or any(uses(course, filename) for uses in hooks.public_media_uses)


def delete_media(course: Course, item: CourseMedia) -> None:
    """Delete a file nobody refers to; the bytes go after the row."""
    if media_in_use(course, item.filename):
        raise ServiceError(_("This file is used by a lesson or a revision and cannot be deleted."))
    db.session.delete(item)
    db.session.flush()
    path = media_file(course.id, item.filename)
    after_commit(lambda: path.unlink(missing_ok=True))


def course_media(course: Course) -> list[CourseMedia]:
    """A course's files by name."""
    return list(
        db.session.scalars(
            sa.select(CourseMedia)
            .where(CourseMedia.course_id == course.id)
            .order_by(CourseMedia.filename)
        )
    )


def markdown_reference(item: CourseMedia) -> str:
    """How a lesson shows the file: an image (its description to be written between the
    brackets), or a link named after the file for a handout."""
    if item.content_type.startswith("image/"):
        return f"![](media/{item.filename})"
    return f"[{item.filename}](media/{item.filename})"
