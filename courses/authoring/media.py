"""Trainer pages for a course's files: upload images and PDF handouts, delete unused ones."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from courses import media
from courses.authoring.loaders import AUTHORS, bp, course_item, editable_course
from courses.forms import MediaForm
from courses.models import CourseMedia
from training.permissions import roles_required
from training.transaction import render_form, service_errors


@bp.route("/<slug>/media", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def media_files(slug: str) -> tuple[str, int] | Response:
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


@bp.route("/<slug>/media/insert", methods=["POST"])
@roles_required(*AUTHORS)
def insert_media(slug: str) -> tuple[Response, int]:
    """Upload a file from the lesson editor's script: JSON with the Markdown to insert.

    The same form (CSRF) and the same checks as the files page; a refusal answers 422 with
    the message, so the request is rolled back and the script shows it beside the editor.
    """
    course = editable_course(slug)
    form = MediaForm()
    if not form.validate_on_submit():
        errors = [error for messages in form.errors.values() for error in messages]
        return jsonify(error=str(errors[0]) if errors else _("Choose a file.")), 422
    upload = form.file.data
    with service_errors(show=False) as outcome:
        item = media.store_media(course, upload.filename or "file", upload.read(), current_user.id)
    if outcome.error is not None:
        return jsonify(error=outcome.error.message), 422
    return jsonify(filename=item.filename, markdown=media.markdown_reference(item)), 201


@bp.route("/<slug>/media/<int:media_id>/delete", methods=["POST"])
@roles_required(*AUTHORS)
def delete_media(slug: str, media_id: int) -> Response:
    """Delete a file no lesson or revision uses."""
    course = editable_course(slug)
    item = course_item(course, CourseMedia, media_id)
    with service_errors() as outcome:
        media.delete_media(course, item)
    if outcome.ok:
        flash(_("File deleted."), "success")
    return redirect(url_for(".media_files", slug=slug))
