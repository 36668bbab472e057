"""Learner pages: catalog, course page, lessons, progress, media files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from courses import learning, path
from courses.media import media_file, media_is_public
from courses.models import (
    LANGUAGES,
    Course,
    CourseMedia,
    CourseRevision,
    Enrollment,
    RevisionLesson,
)
from courses.starter import course_map
from training import hooks
from training.errors import ServiceError
from training.extensions import db

bp = Blueprint("courses", __name__, url_prefix="/courses")


def _published(slug: str) -> tuple[Course, CourseRevision]:
    course = db.first_or_404(sa.select(Course).where(Course.slug == slug))
    if course.published_revision is None:
        abort(404)
    return course, course.published_revision


def _awards(course_ids: list[int]) -> dict[int, tuple[str, str]]:
    """What the current learner earned in these courses (certificates), by course id."""
    found: dict[int, tuple[str, str]] = {}
    if not current_user.is_authenticated or not course_ids:
        return found
    for provide in hooks.course_awards:
        for course_id, award in provide(course_ids, current_user.id).items():
            found.setdefault(course_id, award)
    return found


def _notices(course: Course) -> list[str]:
    """What finishing the course gave the learner (the certificate), as HTML blocks."""
    return [html for provide in hooks.completion_notices if (html := provide(course, current_user))]


@bp.route("/")
def catalog() -> str:
    """Published courses, filterable by language and topic; progress on started ones."""
    language = request.args.get("lang", "")
    language = language if language in LANGUAGES else ""
    topic = request.args.get("topic", "").strip().lower()
    # Courses in the reader's language first; topics of the language shown (they are written
    # in the course's language, so a Russian page does not offer "planning").
    reading = language or str(get_locale() or "")
    all_courses = sorted(
        learning.published_courses(), key=lambda c: c.published_revision.language != reading
    )
    topics = sorted(
        {
            t
            for c in all_courses
            if c.published_revision.language == reading
            for t in c.published_revision.topics
        }
    )
    courses = [
        c
        for c in all_courses
        if (not language or c.published_revision.language == language)
        and (not topic or topic in c.published_revision.topics)
    ]
    progress: dict[int, path.Path] = {}
    if current_user.is_authenticated:
        enrolled = learning.enrollments_of(current_user.id)
        started = [c for c in courses if c.id in enrolled]
        found = path.paths(started, [current_user.id])
        progress = {c.id: found[(current_user.id, c.id)] for c in started}
    return render_template(
        "courses/catalog.html",
        courses=courses,
        topics=topics,
        language=language,
        topic=topic,
        progress=progress,
        awards=_awards(list(progress)),
        # The map is the overview: shown until the reader narrows the list by topic.
        course_map=[] if topic else course_map(all_courses, language or reading),
    )


@bp.route("/<slug>")
def course(slug: str) -> str:
    """A course's path (modules, lessons, tests) with the learner's state of each step."""
    course, revision = _published(slug)
    enrollment = None
    if current_user.is_authenticated:
        enrollment = db.session.get(Enrollment, (current_user.id, course.id))
    learner = current_user.id if enrollment else None
    return render_template(
        "courses/course.html",
        course=course,
        revision=revision,
        enrollment=enrollment,
        path=path.path_for(course, learner),
        awards=_awards([course.id]) if enrollment else {},
        can_edit=course.can_edit(current_user),
        # Authors and trainers not enrolled read the lessons from the contents.
        teaching=enrollment is None and teaches(course, current_user),
        sections=[html for show in hooks.course_sections if (html := show(course, current_user))]
        if enrollment
        else [],
    )


@bp.route("/<slug>/enroll", methods=["POST"])
@login_required
def enroll(slug: str) -> Response:
    """Enroll in one click (twice is the same as once) and go to the first step."""
    course, _revision = _published(slug)
    learning.enroll(current_user.id, course)
    step = path.path_for(course, current_user.id).next_step()
    return redirect(step.url if step else url_for(".course", slug=slug))


@bp.route("/<slug>/continue")
@login_required
def continue_course(slug: str) -> Response:
    """Go to what is next on the learner's path (the course end once everything is done)."""
    course, _revision = _published(slug)
    if db.session.get(Enrollment, (current_user.id, course.id)) is None:
        return redirect(url_for(".course", slug=slug))
    step = path.path_for(course, current_user.id).next_step()
    return redirect(step.url if step else url_for(".finished", slug=slug))


@bp.route("/<slug>/lessons/<key>")
@login_required
def lesson(slug: str, key: str) -> str | Response:
    """A lesson of the published revision with the path beside it; HTML rendered at publication."""
    found = learning.load_lesson(slug, key, current_user.id)
    if found is None:
        abort(404)
    course, revision, lesson, enrolled = found
    if not enrolled:
        if teaches(course, current_user):  # read, and answer questions, without a path
            return render_lesson(course, revision, lesson, None, teaching=True)
        flash(_("Enroll in the course to read its lessons."), "info")
        return redirect(url_for(".course", slug=slug))
    learner_path = path.path_for(course, current_user.id)
    step = learner_path.step("lesson", key)
    if step.state.opens_at is not None:  # the learner's cohort has not reached this module
        return not_open(course, step.title, step.state.opens_at, lesson=True)
    if step.status == path.NOT_STARTED:
        # The stated exception to "no writes on GET": the first view of a lesson records it as
        # started (progress and the learning record), because reading it is the event itself.
        learning.record_view(current_user.id, course, revision, lesson)
    return render_lesson(course, revision, lesson, learner_path)


def teaches(course: Course, user: Any) -> bool:
    """Authors, administrators and whoever another package says teaches the course (trainers
    of its cohorts, hooks.course_teachers): they read its lessons without enrolling."""
    if not getattr(user, "is_authenticated", False):
        return False
    return course.can_edit(user) or any(check(course, user) for check in hooks.course_teachers)


def not_open(course: Course, title: str, opens_at: datetime, *, lesson: bool = False) -> Response:
    """403 with the date a step of a module not open yet for the learner's cohort opens."""
    page = render_template(
        "courses/not_open.html", course=course, title=title, opens_at=opens_at, lesson=lesson
    )
    return Response(page, status=403)


def abort_until_open(course: Course, module_key: str | None, title: str) -> None:
    """For tests and assignments: refuse (403, with the date) while their module is closed."""
    opens_at = path.module_opens_at(course, current_user.id, module_key)
    if opens_at is not None:
        abort(not_open(course, title, opens_at))


def render_lesson(
    course: Course,
    revision: CourseRevision,
    lesson: RevisionLesson,
    learner_path: path.Path | None,
    *,
    preview: bool = False,
    teaching: bool = False,
) -> str:
    """The lesson page of a revision: for learners, for authors previewing their draft, and
    for those teaching the course who are not enrolled in it (no path, nothing recorded)."""
    where = learning.neighbours(revision.outline, lesson.key)
    step = learner_path.step("lesson", lesson.key) if learner_path else None
    sections = [] if preview else _lesson_sections(course, lesson.key, learning=not teaching)
    return render_template(
        "courses/lesson.html",
        course=course,
        revision=revision,
        lesson=lesson,
        where=where,
        done=step is not None and step.done,
        path=learner_path,
        preview=preview,
        teaching=teaching,
        sections=sections,
    )


def _lesson_sections(course: Course, key: str, *, learning: bool) -> list[Markup]:
    """What other packages show below the lesson (the questions under it), each its own HTML."""
    return [
        Markup(render(course, key, current_user, learning))  # noqa: S704 - autoescaped templates
        for render in hooks.lesson_sections
    ]


@bp.route("/<slug>/lessons/<key>/done", methods=["POST"])
@login_required
def mark_done(slug: str, key: str) -> Response:
    """Mark a lesson done (idempotent) and go on: the next lesson, the module's end (where its
    test waits) or, once every required step is done, the course's end."""
    found = learning.load_lesson(slug, key, current_user.id)  # one statement, as the page's
    if found is None:
        abort(404)
    course, revision, _lesson, enrolled = found
    if not enrolled:
        abort(403)
    # The path the learning record and the certificate rule evaluate after the change is the
    # one that chooses where to go next: one evaluation for the whole request.
    with path.sharing_paths():
        try:
            learning.mark_done(current_user.id, course, revision, key)
        except ServiceError:
            abort(404)
        learner_path = path.path_for(course, current_user.id)
    where = learning.neighbours(revision.outline, key)
    if learner_path.complete:
        return redirect(url_for(".finished", slug=slug))
    if where.last_in_module:
        return redirect(url_for(".module_done", slug=slug, module=where.module["key"]))
    following = learner_path.step("lesson", where.next["key"]) if where.next else None
    step = following if following and not following.done else learner_path.next_step()
    return redirect(step.url if step else url_for(".finished", slug=slug))


@bp.route("/<slug>/modules/<module>/done")
@login_required
def module_done(slug: str, module: str) -> str:
    """End of a module's lessons: what was covered, and the next step (its test if pending)."""
    course, _revision = _published(slug)
    learner_path = path.path_for(course, current_user.id)
    found = learner_path.module_of(module)
    if found is None:
        abort(404)
    return render_template(
        "courses/module_done.html",
        course=course,
        path=learner_path,
        module=found,
        next_step=learner_path.next_step(),
    )


@bp.route("/<slug>/finished")
@login_required
def finished(slug: str) -> str:
    """End of the course once every required step is done; before that, what is left."""
    course, revision = _published(slug)
    learner_path = path.path_for(course, current_user.id)
    return render_template(
        "courses/finished.html",
        course=course,
        revision=revision,
        path=learner_path,
        notices=_notices(course) if learner_path.complete else [],
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
    """Home page block: the learner's courses with their progress and what they earned, then
    courses to start. A constant number of statements however many courses there are."""
    published = learning.published_courses()
    if not current_user.is_authenticated:
        return render_template("courses/_home_section.html", mine=[], others=published[:6])
    enrolled = learning.enrollments_of(current_user.id)
    started = [c for c in published if c.id in enrolled]
    found = path.paths(started, [current_user.id])
    mine = [(c, found[(current_user.id, c.id)]) for c in started]
    mine.sort(key=lambda item: enrolled[item[0].id].enrolled_at, reverse=True)
    others = [c for c in published if c.id not in enrolled][:6]
    return render_template(
        "courses/_home_section.html",
        mine=mine,
        others=others,
        awards=_awards([c.id for c in started]),
    )
