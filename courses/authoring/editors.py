"""Trainer pages for co-authors: the owner (or an admin) adds and removes them."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from courses import services
from courses.authoring.loaders import AUTHORS, bp, editable_course
from courses.forms import EditorForm
from training.permissions import roles_required
from training.transaction import render_form, service_errors


@bp.route("/<slug>/editors", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def editors(slug: str) -> tuple[str, int] | Response:
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
