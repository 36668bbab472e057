"""Trainer pages for revisions: preview the draft, publish it, history, differences, restore."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from courses import publishing
from courses.authoring.loaders import AUTHORS, bp, editable_course, revision_of
from courses.forms import PublishForm
from courses.views import render_lesson
from training import hooks
from training.params import int_arg
from training.permissions import roles_required
from training.transaction import render_form, service_errors


@bp.route("/<slug>/preview/<key>")
@roles_required(*AUTHORS)
def preview(slug: str, key: str) -> str:
    """The draft lesson exactly as learners will see it once published."""
    course = editable_course(slug)
    revision = publishing.draft_revision(course)
    lesson = next((row for row in revision.lesson_rows if row.key == key), None)
    if lesson is None:
        abort(404)
    return render_lesson(course, revision, lesson, None, preview=True)


@bp.route("/<slug>/publish", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def publish(slug: str) -> tuple[str, int] | Response:
    """Publish the draft as a new revision, with an optional comment."""
    course = editable_course(slug)
    form = PublishForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            revision = publishing.publish(course, current_user, form.comment.data or "")
        if outcome.ok:
            flash(_("Published as revision %(num)d.", num=revision.number), "success")
            return redirect(url_for(".course", slug=slug))
    # Other packages' warnings (a closed required quiz…): informative, the trainer decides.
    warnings = [message for check in hooks.publish_checks for message in check(course)]
    return render_form("courses/author/publish.html", form, course=course, warnings=warnings)


@bp.route("/<slug>/history")
@roles_required(*AUTHORS)
def history(slug: str) -> str:
    """Every revision: who, when, comment; compare any two; restore one as the draft."""
    course = editable_course(slug)
    return render_template(
        "courses/author/history.html", course=course, revisions=publishing.revisions(course)
    )


@bp.route("/<slug>/history/diff")
@roles_required(*AUTHORS)
def diff(slug: str) -> str:
    """Differences between two revisions (?a=1&b=2)."""
    course = editable_course(slug)
    a, b = int_arg("a"), int_arg("b")
    if a is None or b is None:
        abort(404)
    old, new = revision_of(course, a), revision_of(course, b)
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
    revision = revision_of(course, number)
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
