"""Trainer pages for course packs: download the draft as a zip, upload a zip as a course."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from courses import packs
from courses.authoring.loaders import AUTHORS, bp, editable_course, my_courses
from courses.forms import PackForm
from courses.packs import (
    ImportResult,
    PackError,
    PackProblem,
    course_to_pack,
    read_pack_zip,
    write_pack_zip,
)
from training.downloads import file_response
from training.permissions import roles_required
from training.transaction import service_errors


@bp.route("/<slug>/export")
@roles_required(*AUTHORS)
def export(slug: str) -> Response:
    """Download the draft as a course pack (zip)."""
    course = editable_course(slug)
    try:
        data = write_pack_zip(course_to_pack(course))
    except PackError as error:
        for problem in error.problems:
            flash(f"{problem.file}: {problem.message}", "error")
        return redirect(url_for(".course", slug=slug))
    return file_response(data, f"{course.slug}.zip", "application/zip")


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
                result = packs.import_pack(pack, current_user)
        except PackError as error:
            # The page answers 422, so the request undoes whatever the import wrote.
            problems = error.problems
        else:
            if outcome.ok:
                flash(_import_message(result), "success")
                return redirect(url_for(".course", slug=result.course.slug))
    page = render_template(
        "courses/author/index.html", courses=my_courses(), pack_form=form, problems=problems
    )
    return page, 422


def _import_message(result: ImportResult) -> str:
    if result.created:
        return _("Course “%(title)s” imported as a draft.", title=result.course.title)
    return _(
        "The pack is now the draft of “%(title)s”; learners still see the published revision.",
        title=result.course.title,
    )
