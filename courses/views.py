"""Learner pages: catalog, course page, lessons, progress, media files."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from courses import learning
from courses.media import media_file, media_is_public
from courses.models import (
    LANGUAGES,
    Course,
    CourseMedia,
    CourseRevision,
    Enrollment,
    RevisionLesson,
)
from training import hooks
from training.errors import ServiceError
from training.extensions import db

bp = Blueprint("courses", __name__, url_prefix="/courses")


def _published(slug: str) -> tuple[Course, CourseRevision]:
    course = db.first_or_404(sa.select(Course).where(Course.slug == slug))
    if course.published_revision is None:
        abort(404)
    return course, course.published_revision


@bp.route("/")
def catalog() -> str:
    """Published courses, filterable by language and topic; progress on started ones."""
    language = request.args.get("lang", "")
    language = language if language in LANGUAGES else ""
    topic = request.args.get("topic", "").strip().lower()
    all_courses = learning.published_courses()
    topics = sorted({t for c in all_courses for t in c.published_revision.topics})
    courses = [
        c
        for c in all_courses
        if (not language or c.published_revision.language == language)
        and (not topic or topic in c.published_revision.topics)
    ]
    progress = {}
    if current_user.is_authenticated:
        enrolled = learning.enrollments_of(current_user.id)
        started = {c.id: c for c in courses if c.id in enrolled}
        rows = learning.progress_by_course(current_user.id, list(started))
        progress = {
            cid: learning.progress_for(started[cid].published_revision, r)
            for cid, r in rows.items()
        }
    return render_template(
        "courses/catalog.html",
        courses=courses,
        topics=topics,
        language=language,
        topic=topic,
        progress=progress,
    )


@bp.route("/<slug>")
def course(slug: str) -> str:
    """A course's outline, duration and the learner's progress; enroll from here."""
    course, revision = _published(slug)
    enrollment = progress = None
    if current_user.is_authenticated:
        enrollment = db.session.get(Enrollment, (current_user.id, course.id))
        if enrollment:
            progress = learning.progress_for(
                revision, learning.progress_rows(current_user.id, course.id)
            )
    # Other packages (quizzes) add items to the outline: {module key or "": [item, ...]}.
    extras: dict[str, list[hooks.OutlineItem]] = {}
    for provide in hooks.course_outline_extras:
        for module_key, items in provide(course, current_user).items():
            extras.setdefault(module_key, []).extend(items)
    return render_template(
        "courses/course.html",
        course=course,
        revision=revision,
        enrollment=enrollment,
        progress=progress,
        can_edit=course.can_edit(current_user),
        extras=extras,
    )


@bp.route("/<slug>/enroll", methods=["POST"])
@login_required
def enroll(slug: str) -> Response:
    """Enroll in one click (twice is the same as once) and go to the first lesson."""
    course, revision = _published(slug)
    learning.enroll(current_user.id, course)
    return redirect(url_for(".lesson", slug=slug, key=revision.lesson_keys()[0]))


@bp.route("/<slug>/continue")
@login_required
def continue_course(slug: str) -> Response:
    """Go exactly to the first unfinished lesson (or the course page when all are done)."""
    course, revision = _published(slug)
    if db.session.get(Enrollment, (current_user.id, course.id)) is None:
        return redirect(url_for(".course", slug=slug))
    progress = learning.progress_for(revision, learning.progress_rows(current_user.id, course.id))
    key = learning.first_unfinished(revision, progress)
    if key is None:
        return redirect(url_for(".finished", slug=slug))
    return redirect(url_for(".lesson", slug=slug, key=key))


@bp.route("/<slug>/lessons/<key>")
@login_required
def lesson(slug: str, key: str) -> str | Response:
    """A lesson of the published revision; its HTML was rendered once, at publication."""
    found = learning.load_lesson(slug, key)
    if found is None:
        abort(404)
    course, revision, lesson = found
    enrolled = db.session.get(Enrollment, (current_user.id, course.id)) is not None
    if not enrolled:
        flash(_("Enroll in the course to read its lessons."), "info")
        return redirect(url_for(".course", slug=slug))
    rows = learning.progress_rows(current_user.id, course.id)
    # The stated exception to "no writes on GET": the first view of a lesson records it as
    # started (progress and the learning record), because reading it is the event itself.
    learning.record_view(current_user.id, course, revision, lesson, rows)
    return render_lesson(course, revision, lesson, learning.progress_for(revision, rows))


def render_lesson(
    course: Course,
    revision: CourseRevision,
    lesson: RevisionLesson,
    progress: learning.Progress | None,
    *,
    preview: bool = False,
) -> str:
    """The lesson page of a revision: for learners, and for authors previewing their draft."""
    return render_template(
        "courses/lesson.html",
        course=course,
        revision=revision,
        lesson=lesson,
        where=learning.neighbours(revision.outline, lesson.key),
        done=progress is not None and lesson.key in progress.done,
        progress=progress,
        preview=preview,
    )


@bp.route("/<slug>/lessons/<key>/done", methods=["POST"])
@login_required
def mark_done(slug: str, key: str) -> Response:
    """Mark a lesson done (idempotent) and go on: next lesson, or a module/course end page."""
    course, revision = _published(slug)
    if db.session.get(Enrollment, (current_user.id, course.id)) is None:
        abort(403)
    try:
        learning.mark_done(current_user.id, course, revision, key)
    except ServiceError:
        abort(404)
    where = learning.neighbours(revision.outline, key)
    if where.next is None:
        return redirect(url_for(".finished", slug=slug))
    if where.last_in_module:
        return redirect(url_for(".module_done", slug=slug, module=where.module["key"]))
    return redirect(url_for(".lesson", slug=slug, key=where.next["key"]))


@bp.route("/<slug>/modules/<module>/done")
@login_required
def module_done(slug: str, module: str) -> str:
    """End of a module: what was covered and what comes next."""
    course, revision = _published(slug)
    index = next((i for i, m in enumerate(revision.outline) if m["key"] == module), None)
    if index is None:
        abort(404)
    progress = learning.progress_for(revision, learning.progress_rows(current_user.id, course.id))
    following = revision.outline[index + 1] if index + 1 < len(revision.outline) else None
    return render_template(
        "courses/module_done.html",
        course=course,
        revision=revision,
        module=revision.outline[index],
        following=following,
        progress=progress,
        next_key=learning.first_unfinished(revision, progress),
    )


@bp.route("/<slug>/finished")
@login_required
def finished(slug: str) -> str:
    """End of the course: done, or which lessons remain."""
    course, revision = _published(slug)
    progress = learning.progress_for(revision, learning.progress_rows(current_user.id, course.id))
    return render_template(
        "courses/finished.html",
        course=course,
        revision=revision,
        progress=progress,
        next_key=learning.first_unfinished(revision, progress),
    )


@bp.route("/<slug>/media/<filename>")
def media(slug: str, filename: str) -> Response:
    """A course's image or handout, with headers that stop browsers guessing or running it."""
    row = db.session.execute(
        sa.select(Course, CourseMedia)
        .join(CourseMedia, CourseMedia.course_id == Course.id)
        .where(Course.slug == slug, CourseMedia.filename == filename)
    ).first()
    if row is None:
        abort(404)
    course, item = row
    if not course.can_edit(current_user) and not media_is_public(course, item.filename):
        abort(404)
    path = media_file(course.id, item.filename)
    if not path.exists():
        abort(404)
    is_pdf = item.content_type == "application/pdf"
    response = send_file(
        path,
        mimetype=item.content_type,
        as_attachment=is_pdf,
        download_name=item.filename,
        max_age=current_app.config.get("SEND_FILE_MAX_AGE_DEFAULT") or 3600,
        etag=item.sha256,
        conditional=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def home_section() -> str:
    """Home page block: the learner's courses with progress bars, then courses to start."""
    published = learning.published_courses()
    if not current_user.is_authenticated:
        return render_template("courses/_home_section.html", mine=[], others=published[:6])
    enrolled = learning.enrollments_of(current_user.id)
    started = [c for c in published if c.id in enrolled]
    rows = learning.progress_by_course(current_user.id, [c.id for c in started])
    mine = [(c, learning.progress_for(c.published_revision, rows[c.id])) for c in started]
    mine.sort(key=lambda item: enrolled[item[0].id].enrolled_at, reverse=True)
    others = [c for c in published if c.id not in enrolled][:6]
    return render_template("courses/_home_section.html", mine=mine, others=others)
