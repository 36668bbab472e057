"""Course packs in and out of the database: a draft becomes a pack, a pack becomes a draft."""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask_babel import gettext as _

from courses.media import course_media, media_file, store_media
from courses.models import Course, CourseMedia, CourseRevision
from courses.packs.archive import PackError, PackProblem
from courses.packs.format import CoursePack, PackLesson, PackModule
from courses.publishing import replace_draft, save_draft_if_changed
from courses.services import CourseMeta, create_course
from training import hooks
from training.accounts.models import User
from training.errors import ServiceError
from training.extensions import db
from training.progress import Reporter, silent


def course_to_pack(course: Course) -> CoursePack:
    """The course's draft with its media (and what other packages add, e.g. quizzes)."""
    pack = CoursePack(
        slug=course.slug,
        title=course.title,
        description=course.description,
        language=course.language,
        topics=list(course.topics),
        duration_minutes=course.duration_minutes,
        cover=course.cover_filename,
        modules=[
            PackModule(
                key=module.key,
                title=module.title,
                lessons=[
                    PackLesson(key=x.key, title=x.title, body=x.body, required=x.required)
                    for x in module.lessons
                ],
            )
            for module in course.modules
        ],
        media=_media_bytes(course),
    )
    for export in hooks.pack_exporters:
        export(course, pack)
    return pack


def _media_bytes(course: Course) -> dict[str, bytes]:
    """Every media file of the course; a file gone from the disk refuses the export by name."""
    media, missing = {}, []
    for row in course_media(course):
        try:
            media[row.filename] = media_file(course.id, row.filename).read_bytes()
        except FileNotFoundError:
            missing.append(
                PackProblem(
                    f"media/{row.filename}",
                    None,
                    _("The file is missing on the server: upload it again or delete it."),
                )
            )
    if missing:
        raise PackError(missing)
    return media


@dataclass
class ImportResult:
    """What an import did, for the message shown to the trainer."""

    course: Course
    created: bool
    saved_draft: CourseRevision | None


def import_pack(pack: CoursePack, user: User, report: Reporter = silent) -> ImportResult:
    """Create a course from a pack, or replace an existing course's draft (never what learners
    see; unpublished changes are kept as a saved revision). Refused whole on any conflict."""
    course = db.session.scalar(sa.select(Course).where(Course.slug == pack.slug))
    created = course is None
    if course is not None and not course.can_edit(user):
        raise ServiceError(_("A course with this address name exists and you cannot edit it."))
    existing: dict[str, CourseMedia] = (
        {m.filename: m for m in course_media(course)} if course is not None else {}
    )
    problems = []
    for name, data in pack.media.items():
        if name in existing and media_file(course.id, name).read_bytes() != data:  # type: ignore[union-attr]
            problems.append(
                PackProblem(
                    f"media/{name}",
                    None,
                    _("The course already has a different file with this name; rename it."),
                )
            )
    if problems:
        raise PackError(problems)

    meta = CourseMeta(
        title=pack.title,
        description=pack.description,
        language=pack.language,
        topics=pack.topics,
        duration_minutes=pack.duration_minutes,
        cover_filename=pack.cover,
    )
    saved = None
    if course is None:
        course = create_course(user, slug=pack.slug, meta=replace(meta, cover_filename=None))
    else:
        saved = save_draft_if_changed(course, user, _("Draft saved before a pack was imported"))
    new_media = [(name, data) for name, data in sorted(pack.media.items()) if name not in existing]
    with report("Storing the pack's files", len(new_media), "files") as advance:
        for name, data in new_media:
            store_media(course, name, data, user.id, exact_name=True)
            advance(1)
    replace_draft(
        course,
        meta,
        outline=[
            (m.key, m.title, [(x.key, x.title, x.body, x.required) for x in m.lessons])
            for m in pack.modules
        ],
    )
    # Other packages take their parts of the pack (quizzes); they raise PackError to refuse.
    importers = hooks.pack_importers.items()
    with report("Importing quizzes and other parts", len(importers), "parts") as advance:
        for importer in importers:
            importer(course, pack, user)
            advance(1)
    return ImportResult(course=course, created=created, saved_draft=saved)
