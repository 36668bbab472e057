"""Trainer pages: write courses, order them, preview, publish, history, co-authors, files, packs."""

from __future__ import annotations

import io
from types import SimpleNamespace

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
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from courses import learning, media, pack_io, publishing, services
from courses.forms import (
    CourseEditForm,
    CourseForm,
    EditorForm,
    LessonForm,
    MediaForm,
    PackForm,
    PublishForm,
    TitleForm,
)
from courses.models import Course, CourseEditor, CourseMedia, CourseRevision, Lesson, Module
from courses.packs import PackError, PackProblem, read_pack_zip, write_pack_zip
from training.accounts.models import Role
from training.extensions import db
from training.markdown import render_markdown
from training.permissions import roles_required
from training.transaction import render_form, service_errors

bp = Blueprint("authoring", __name__, url_prefix="/author")

AUTHORS = (Role.TRAINER, Role.ADMIN)


def editable_course(slug: str) -> Course:
    """Load (404) and check (403) a course the current user may edit (for every author page)."""
    course = db.first_or_404(sa.select(Course).where(Course.slug == slug))
    if not course.can_edit(current_user):
        abort(403)
    return course


def _module(course: Course, module_id: int) -> Module:
    module = db.get_or_404(Module, module_id)
    if module.course_id != course.id:
        abort(404)
    return module


def _lesson(course: Course, lesson_id: int) -> Lesson:
    lesson = db.get_or_404(Lesson, lesson_id)
    if lesson.course_id != course.id:
        abort(404)
    return lesson


def _my_courses() -> list[Course]:
    """The courses the current user owns or co-authors (all of them for admins)."""
    query = sa.select(Course).order_by(Course.title)
    if not current_user.is_admin:
        query = query.where(
            sa.or_(
                Course.owner_id == current_user.id,
                Course.id.in_(
                    sa.select(CourseEditor.course_id).where(CourseEditor.user_id == current_user.id)
                ),
            )
        )
    return list(db.session.scalars(query))


@bp.route("/")
@roles_required(*AUTHORS)
def index() -> str:
    """The trainer's courses, a button for a new one and the pack import form."""
    return render_template("courses/author/index.html", courses=_my_courses(), pack_form=PackForm())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def create() -> str | Response:
    """Start a new course as a draft."""
    form = CourseForm()
    if request.method == "GET":
        form.duration.data = 60
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            course = services.create_course(
                current_user,
                slug=form.slug.data,
                title=form.title.data,
                description=form.description.data or "",
                language=form.language.data,
                topics=services.parse_topics(form.topics.data or ""),
                duration_minutes=form.duration.data,
            )
        if outcome.ok:
            flash(_("Course created. Add its first module."), "success")
            return redirect(url_for(".course", slug=course.slug))
    return render_form("courses/author/course_form.html", form, course=None)


@bp.route("/<slug>")
@roles_required(*AUTHORS)
def course(slug: str) -> str:
    """The course's outline with everything a trainer can do to it."""
    course = editable_course(slug)
    # Other packages (quizzes) add their tools here: callables giving [(label, url)].
    extra_links = [
        link
        for provide in current_app.extensions.get("author_course_links", [])
        for link in provide(course)
    ]
    return render_template(
        "courses/author/course.html",
        course=course,
        module_form=TitleForm(),
        revisions=publishing.revisions(course)[:3],
        extra_links=extra_links,
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit(slug: str) -> str | Response:
    """Change the course's title, description, language, topics, duration and cover."""
    course = editable_course(slug)
    form = (
        CourseEditForm(
            slug=course.slug,
            title=course.title,
            description=course.description,
            language=course.language,
            topics=", ".join(course.topics),
            duration=course.duration_minutes,
            cover=course.cover_filename or "",
        )
        if request.method == "GET"
        else CourseEditForm()
    )
    images = [m for m in media.course_media(course) if m.content_type.startswith("image/")]
    form.cover.choices = [SelectChoice("", _("No cover"))] + [
        SelectChoice(m.filename, m.filename) for m in images
    ]
    form.slug.data = course.slug  # the address stays: links and progress depend on it
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            services.update_course(
                course,
                title=form.title.data,
                description=form.description.data or "",
                language=form.language.data,
                topics=services.parse_topics(form.topics.data or ""),
                duration_minutes=form.duration.data,
                cover_filename=form.cover.data or None,
            )
        if outcome.ok:
            flash(_("Changes saved in the draft."), "success")
            return redirect(url_for(".course", slug=slug))
    return render_form("courses/author/course_form.html", form, course=course)


@bp.route("/<slug>/delete", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def delete(slug: str) -> str | Response:
    """Delete a course nobody is enrolled in (owner or admin, after confirming)."""
    course = editable_course(slug)
    if not course.can_manage(current_user):
        abort(403)
    if request.method == "POST":
        with service_errors() as outcome:
            services.delete_course(course)
        if not outcome.ok:
            return redirect(url_for(".course", slug=slug))
        flash(_("Course deleted."), "success")
        return redirect(url_for(".index"))
    return render_template("courses/author/confirm.html", course=course, what="course")


# ---- modules --------------------------------------------------------------------------------


@bp.route("/<slug>/modules", methods=["POST"])
@roles_required(*AUTHORS)
def add_module(slug: str) -> Response:
    """Add a module at the end of the outline."""
    course = editable_course(slug)
    form = TitleForm()
    if form.validate_on_submit():
        services.add_module(course, form.title.data)
        flash(_("Module added."), "success")
    else:
        flash(_("Enter a title for the new module."), "error")
    return redirect(url_for(".course", slug=slug))


@bp.route("/<slug>/modules/<int:module_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit_module(slug: str, module_id: int) -> str | Response:
    """Rename a module."""
    course = editable_course(slug)
    module = _module(course, module_id)
    form = TitleForm(title=module.title) if request.method == "GET" else TitleForm()
    if form.validate_on_submit():
        services.rename_module(module, form.title.data)
        flash(_("Changes saved in the draft."), "success")
        return redirect(url_for(".course", slug=slug))
    return render_form("courses/author/module_form.html", form, course=course, module=module)


@bp.route("/<slug>/modules/<int:module_id>/delete", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def delete_module(slug: str, module_id: int) -> str | Response:
    """Delete a module with its lessons, after confirming."""
    course = editable_course(slug)
    module = _module(course, module_id)
    if request.method == "POST":
        services.delete_module(module)
        flash(_("Module deleted from the draft."), "success")
        return redirect(url_for(".course", slug=slug))
    return render_template("courses/author/confirm.html", course=course, what="module", item=module)


@bp.route("/<slug>/modules/<int:module_id>/move", methods=["POST"])
@roles_required(*AUTHORS)
def move_module(slug: str, module_id: int) -> Response:
    """Move a module up or down (works without JavaScript)."""
    course = editable_course(slug)
    module = _module(course, module_id)
    services.move(course.modules, module, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for(".course", slug=slug, _anchor=f"module-{module.id}"))


# ---- lessons --------------------------------------------------------------------------------


def _module_choices(course: Course) -> list[SelectChoice]:
    return [SelectChoice(str(m.id), m.title) for m in course.modules]


@bp.route("/<slug>/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def add_lesson(slug: str, module_id: int) -> str | Response:
    """Write a new lesson at the end of a module."""
    course = editable_course(slug)
    module = _module(course, module_id)
    form = LessonForm()
    form.module.choices = _module_choices(course)
    if request.method == "GET":
        form.module.data = str(module.id)
    if form.validate_on_submit():
        target = _module(course, int(form.module.data))
        lesson = services.add_lesson(
            target, form.title.data, form.body.data or "", required=form.required.data
        )
        flash(_("Lesson saved in the draft."), "success")
        return redirect(url_for(".edit_lesson", slug=slug, lesson_id=lesson.id))
    return render_form("courses/author/lesson_form.html", form, course=course, lesson=None)


@bp.route("/<slug>/lessons/<int:lesson_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit_lesson(slug: str, lesson_id: int) -> str | Response:
    """Edit a lesson's text; learners see it only after the course is published again."""
    course = editable_course(slug)
    lesson = _lesson(course, lesson_id)
    if request.method == "GET":
        form = LessonForm(
            title=lesson.title,
            body=lesson.body,
            required=lesson.required,
            module=str(lesson.module_id),
        )
    else:
        form = LessonForm()
    form.module.choices = _module_choices(course)
    if form.validate_on_submit():
        services.update_lesson(
            lesson,
            title=form.title.data,
            body=form.body.data or "",
            required=form.required.data,
            module=_module(course, int(form.module.data)),
        )
        flash(_("Lesson saved in the draft."), "success")
        if request.form.get("then") == "preview":
            return redirect(url_for(".preview", slug=slug, key=lesson.key))
        return redirect(url_for(".edit_lesson", slug=slug, lesson_id=lesson.id))
    return render_form("courses/author/lesson_form.html", form, course=course, lesson=lesson)


@bp.route("/<slug>/lessons/<int:lesson_id>/delete", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def delete_lesson(slug: str, lesson_id: int) -> str | Response:
    """Delete a lesson from the draft, after confirming."""
    course = editable_course(slug)
    lesson = _lesson(course, lesson_id)
    if request.method == "POST":
        services.delete_lesson(lesson)
        flash(_("Lesson deleted from the draft."), "success")
        return redirect(url_for(".course", slug=slug))
    return render_template("courses/author/confirm.html", course=course, what="lesson", item=lesson)


@bp.route("/<slug>/lessons/<int:lesson_id>/move", methods=["POST"])
@roles_required(*AUTHORS)
def move_lesson(slug: str, lesson_id: int) -> Response:
    """Move a lesson up or down within its module."""
    course = editable_course(slug)
    lesson = _lesson(course, lesson_id)
    step = -1 if request.form.get("direction") == "up" else 1
    services.move(lesson.module.lessons, lesson, step)
    return redirect(url_for(".course", slug=slug, _anchor=f"lesson-{lesson.id}"))


@bp.route("/<slug>/preview/<key>")
@roles_required(*AUTHORS)
def preview(slug: str, key: str) -> str:
    """The draft lesson exactly as learners will see it once published."""
    course = editable_course(slug)
    lesson = db.first_or_404(
        sa.select(Lesson).where(Lesson.course_id == course.id, Lesson.key == key)
    )
    outline = publishing.draft_outline(course)
    shown = SimpleNamespace(
        key=lesson.key,
        title=lesson.title,
        html=render_markdown(lesson.body, media_base=publishing.media_base(course)),
    )
    revision = SimpleNamespace(title=course.title, outline=outline)
    return render_template(
        "courses/lesson.html",
        course=course,
        revision=revision,
        lesson=shown,
        where=learning.neighbours(outline, key),
        done=False,
        progress=None,
        preview=True,
    )


# ---- publishing and history -----------------------------------------------------------------


@bp.route("/<slug>/publish", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def publish(slug: str) -> str | Response:
    """Publish the draft as a new revision, with an optional comment."""
    course = editable_course(slug)
    form = PublishForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            revision = publishing.publish(course, current_user, form.comment.data or "")
        if outcome.ok:
            flash(_("Published as revision %(num)d.", num=revision.number), "success")
            return redirect(url_for(".course", slug=slug))
    return render_form("courses/author/publish.html", form, course=course)


@bp.route("/<slug>/history")
@roles_required(*AUTHORS)
def history(slug: str) -> str:
    """Every revision: who, when, comment; compare any two; restore one as the draft."""
    course = editable_course(slug)
    return render_template(
        "courses/author/history.html", course=course, revisions=publishing.revisions(course)
    )


def _revision(course: Course, number: int) -> CourseRevision:
    revision = db.session.scalar(
        sa.select(CourseRevision).where(
            CourseRevision.course_id == course.id, CourseRevision.number == number
        )
    )
    if revision is None:
        abort(404)
    return revision


@bp.route("/<slug>/history/diff")
@roles_required(*AUTHORS)
def diff(slug: str) -> str:
    """Differences between two revisions (?a=1&b=2)."""
    course = editable_course(slug)
    a, b = request.args.get("a", ""), request.args.get("b", "")
    if not (a.isdigit() and b.isdigit()):
        abort(404)
    old, new = _revision(course, int(a)), _revision(course, int(b))
    return render_template(
        "courses/author/diff.html",
        course=course,
        old=old,
        new=new,
        sections=publishing.diff(old, new),
    )


@bp.route("/<slug>/history/<int:number>/restore", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def restore(slug: str, number: int) -> str | Response:
    """Make an old revision the draft again (unpublished changes are saved first)."""
    course = editable_course(slug)
    revision = _revision(course, number)
    if request.method == "POST":
        saved = publishing.restore(course, revision, current_user)
        message = _(
            "Revision %(num)d is now the draft. Publish it to show it to learners.", num=number
        )
        if saved:
            message += " " + _(
                "Your previous draft was kept as revision %(num)d.", num=saved.number
            )
        flash(message, "success")
        return redirect(url_for(".course", slug=slug))
    return render_template(
        "courses/author/confirm.html", course=course, what="restore", item=revision
    )


# ---- co-authors -----------------------------------------------------------------------------


@bp.route("/<slug>/editors", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def editors(slug: str) -> str | Response:
    """Co-authors of the course; the owner (or an admin) adds and removes them."""
    course = editable_course(slug)
    is_owner = course.can_manage(current_user)
    form = EditorForm()
    if form.validate_on_submit():
        if not is_owner:
            abort(403)
        with service_errors(form) as outcome:
            user = services.add_editor(course, form.username.data)
        if outcome.ok:
            flash(_("%(name)s can now edit this course.", name=user.username), "success")
            return redirect(url_for(".editors", slug=slug))
    return render_form("courses/author/editors.html", form, course=course, is_owner=is_owner)


@bp.route("/<slug>/editors/<int:user_id>/remove", methods=["POST"])
@roles_required(*AUTHORS)
def remove_editor(slug: str, user_id: int) -> Response:
    """Remove a co-author (owner or admin only)."""
    course = editable_course(slug)
    if not course.can_manage(current_user):
        abort(403)
    services.remove_editor(course, user_id)
    flash(_("Co-author removed."), "success")
    return redirect(url_for(".editors", slug=slug))


# ---- media files ----------------------------------------------------------------------------


@bp.route("/<slug>/media", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def media_files(slug: str) -> str | Response:
    """Upload images and PDF handouts; each gets a stable address to use in lessons."""
    course = editable_course(slug)
    form = MediaForm()
    if form.validate_on_submit():
        upload = form.file.data
        with service_errors(form) as outcome:
            item = media.store_media(
                course, upload.filename or "file", upload.read(), current_user.id
            )
        if outcome.ok:
            flash(
                _("Uploaded. Use it in a lesson as media/%(name)s.", name=item.filename), "success"
            )
            return redirect(url_for(".media_files", slug=slug))
    return render_form(
        "courses/author/media.html",
        form,
        course=course,
        files=media.course_media(course),
        max_mb=current_app.config["MEDIA_MAX_BYTES"] / 1024 / 1024,
    )


@bp.route("/<slug>/media/<int:media_id>/delete", methods=["POST"])
@roles_required(*AUTHORS)
def delete_media(slug: str, media_id: int) -> Response:
    """Delete a file no lesson or revision uses."""
    course = editable_course(slug)
    item = db.get_or_404(CourseMedia, media_id)
    if item.course_id != course.id:
        abort(404)
    with service_errors() as outcome:
        media.delete_media(course, item)
    if outcome.ok:
        flash(_("File deleted."), "success")
    return redirect(url_for(".media_files", slug=slug))


# ---- course packs ---------------------------------------------------------------------------


@bp.route("/<slug>/export")
@roles_required(*AUTHORS)
def export(slug: str) -> Response:
    """Download the draft as a course pack (zip)."""
    course = editable_course(slug)
    try:
        data = write_pack_zip(pack_io.course_to_pack(course))
    except PackError as error:
        for problem in error.problems:
            flash(f"{problem.file}: {problem.message}", "error")
        return redirect(url_for(".course", slug=slug))
    return send_file(
        io.BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{course.slug}.zip",
    )


@bp.route("/import", methods=["POST"])
@roles_required(*AUTHORS)
def import_pack() -> tuple[str, int] | Response:
    """Upload a course pack: a new course, or a new draft of an existing one."""
    form = PackForm()
    problems: list[PackProblem] = []
    if form.validate_on_submit():
        try:
            with service_errors(form) as outcome:
                pack = read_pack_zip(
                    form.pack.data.read(),
                    max_total_bytes=current_app.config["PACK_MAX_BYTES"],
                    max_files=current_app.config["PACK_MAX_FILES"],
                )
                result = pack_io.import_pack(pack, current_user)
        except PackError as error:
            # The page answers 422, so the request undoes whatever the import wrote.
            problems = error.problems
        else:
            if outcome.ok:
                flash(_import_message(result), "success")
                return redirect(url_for(".course", slug=result.course.slug))
    page = render_template(
        "courses/author/index.html", courses=_my_courses(), pack_form=form, problems=problems
    )
    return page, 422


def _import_message(result: pack_io.ImportResult) -> str:
    if result.created:
        return _("Course “%(title)s” imported as a draft.", title=result.course.title)
    return _(
        "The pack is now the draft of “%(title)s”; learners still see the published revision.",
        title=result.course.title,
    )
