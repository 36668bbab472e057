"""Trainer pages for a course's draft: its description, modules and lessons, their order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from courses import media, publishing, services
from courses.authoring.loaders import (
    AUTHORS,
    bp,
    editable_course,
    lesson_of,
    module_of,
    my_courses,
    prefilled,
)
from courses.forms import CourseEditForm, CourseForm, LessonForm, PackForm, TitleForm
from courses.models import Course, Lesson, Module
from training import hooks
from training.permissions import roles_required
from training.transaction import render_form, service_errors


@bp.route("/")
@roles_required(*AUTHORS)
def index() -> str:
    """The trainer's courses, a button for a new one and the pack import form."""
    return render_template("courses/author/index.html", courses=my_courses(), pack_form=PackForm())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def create() -> tuple[str, int] | Response:
    """Start a new course as a draft."""
    form = CourseForm()
    if request.method == "GET":
        form.duration.data = 60
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            course = services.create_course(
                current_user, slug=form.slug.data, meta=form.course_meta()
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
    # Other packages (quizzes, certificates) add their tools: see hooks.author_course_links.
    extra_links = [link for provide in hooks.author_course_links for link in provide(course)]
    return render_template(
        "courses/author/course.html",
        course=course,
        module_form=TitleForm(),
        revisions=publishing.revisions(course)[:3],
        extra_links=extra_links,
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit(slug: str) -> tuple[str, int] | Response:
    """Change the course's title, description, language, topics, duration and cover."""
    course = editable_course(slug)
    if request.method == "GET":
        form = CourseEditForm.of(course.slug, services.CourseMeta.of(course))
    else:
        form = CourseEditForm()
    images = [m for m in media.course_media(course) if m.content_type.startswith("image/")]
    form.cover.choices = [SelectChoice("", _("No cover"))] + [
        SelectChoice(m.filename, m.filename) for m in images
    ]
    form.slug.data = course.slug  # the address stays: links and progress depend on it
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            services.update_course(course, form.course_meta())
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
def edit_module(slug: str, module_id: int) -> tuple[str, int] | Response:
    """Rename a module."""
    course = editable_course(slug)
    module = module_of(course, module_id)
    form = prefilled(TitleForm, title=module.title)
    if form.validate_on_submit():
        services.rename_module(module, form.title.data)
        flash(_("Changes saved in the draft."), "success")
        return redirect(url_for(".course", slug=slug))
    return render_form("courses/author/module_form.html", form, course=course, module=module)


# ---- lessons --------------------------------------------------------------------------------


def _lesson_form(course: Course, **current: object) -> LessonForm:
    form = prefilled(LessonForm, **current)
    form.module.choices = [SelectChoice(str(m.id), m.title) for m in course.modules]
    return form


@bp.route("/<slug>/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def add_lesson(slug: str, module_id: int) -> tuple[str, int] | Response:
    """Write a new lesson at the end of a module."""
    course = editable_course(slug)
    form = _lesson_form(course, module=str(module_of(course, module_id).id))
    if form.validate_on_submit():
        target = module_of(course, int(form.module.data))
        lesson = services.add_lesson(
            target, form.title.data, form.body.data or "", required=form.required.data
        )
        flash(_("Lesson saved in the draft."), "success")
        return redirect(url_for(".edit_lesson", slug=slug, lesson_id=lesson.id))
    return render_form(
        "courses/author/lesson_form.html",
        form,
        course=course,
        lesson=None,
        files=media.course_media(course),
    )


@bp.route("/<slug>/lessons/<int:lesson_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit_lesson(slug: str, lesson_id: int) -> tuple[str, int] | Response:
    """Edit a lesson's text; learners see it only after the course is published again."""
    course = editable_course(slug)
    lesson = lesson_of(course, lesson_id)
    form = _lesson_form(
        course,
        title=lesson.title,
        body=lesson.body,
        required=lesson.required,
        module=str(lesson.module_id),
    )
    if form.validate_on_submit():
        services.update_lesson(
            lesson,
            title=form.title.data,
            body=form.body.data or "",
            required=form.required.data,
            module=module_of(course, int(form.module.data)),
        )
        flash(_("Lesson saved in the draft."), "success")
        if request.form.get("then") == "preview":
            return redirect(url_for(".preview", slug=slug, key=lesson.key))
        return redirect(url_for(".edit_lesson", slug=slug, lesson_id=lesson.id))
    return render_form(
        "courses/author/lesson_form.html",
        form,
        course=course,
        lesson=lesson,
        files=media.course_media(course),
    )


# ---- deleting and moving either kind of outline item ----------------------------------------


@dataclass(frozen=True)
class _Kind:
    """What differs between deleting or moving a module and a lesson."""

    name: str
    load: Callable[[Course, int], Module | Lesson]
    siblings: Callable[[Any], list]
    remove: Callable[[Any], None]
    deleted: LazyString


def _add_item_routes(kind: _Kind) -> None:
    """Register `delete_<kind>` (confirm, then delete) and `move_<kind>` (up or down)."""
    prefix = f"/<slug>/{kind.name}s/<int:{kind.name}_id>"

    @roles_required(*AUTHORS)
    def delete(slug: str, **ids: int) -> str | Response:
        course = editable_course(slug)
        item = kind.load(course, ids[f"{kind.name}_id"])
        if request.method == "POST":
            kind.remove(item)
            flash(str(kind.deleted), "success")
            return redirect(url_for(".course", slug=slug))
        return render_template(
            "courses/author/confirm.html", course=course, what=kind.name, item=item
        )

    @roles_required(*AUTHORS)
    def move(slug: str, **ids: int) -> Response:
        course = editable_course(slug)
        item = kind.load(course, ids[f"{kind.name}_id"])
        step = -1 if request.form.get("direction") == "up" else 1
        services.move(kind.siblings(item), item, step)  # works without JavaScript
        return redirect(url_for(".course", slug=slug, _anchor=f"{kind.name}-{item.id}"))

    delete.__doc__ = f"Delete a {kind.name} from the draft, after confirming."
    move.__doc__ = f"Move a {kind.name} one place up or down among its siblings."
    methods = ["GET", "POST"]
    bp.add_url_rule(f"{prefix}/delete", f"delete_{kind.name}", delete, methods=methods)
    bp.add_url_rule(f"{prefix}/move", f"move_{kind.name}", move, methods=["POST"])


_add_item_routes(
    _Kind(
        "module",
        module_of,
        lambda module: module.course.modules,
        services.delete_module,
        _l("Module deleted from the draft."),
    )
)
_add_item_routes(
    _Kind(
        "lesson",
        lesson_of,
        lambda lesson: lesson.module.lessons,
        services.delete_lesson,
        _l("Lesson deleted from the draft."),
    )
)
