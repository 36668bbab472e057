"""Learner pages of assignments: the task and rubric, the draft, preview, sending, the files."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from assignments import peers, submitting
from assignments.files import check_uploads, stored_path
from assignments.forms import PeerReviewForm, WorkForm
from assignments.models import BY_SELF, WAITING, Assignment, Submission, SubmissionFile
from courses.models import Course, Enrollment
from courses.path import Path, Step, path_for
from courses.publishing import media_base
from courses.reviewers import reviews_learner
from courses.views import abort_until_open
from training.extensions import db
from training.markdown import render_markdown, shown_markdown
from training.params import parse_int
from training.transaction import render_form, service_errors

bp = Blueprint("assignments", __name__, url_prefix="/courses")


def _assignment(slug: str, key: str) -> Assignment:
    """An open assignment of a published course the current learner is enrolled in."""
    row = db.session.execute(
        sa.select(Course, Assignment)
        .join(Assignment, Assignment.course_id == Course.id)
        .where(Course.slug == slug, Assignment.key == key)
    ).first()
    if row is None:
        abort(404)
    course, assignment = row
    if course.published_revision_id is None or not (
        assignment.is_open or course.can_edit(current_user)
    ):
        abort(404)
    if db.session.get(Enrollment, (current_user.id, course.id)) is None:
        flash(_("Enroll in the course to hand in its assignments."), "info")
        abort(redirect(url_for("courses.course", slug=slug)))
    return assignment


@bp.route("/<slug>/assignments/<key>", methods=["GET", "POST"])
@login_required
def assignment(slug: str, key: str) -> str | Response:
    """The task, the rubric, the learner's versions with their reviews, and the answer form."""
    assignment = _assignment(slug, key)
    abort_until_open(assignment.course, assignment.module_key, assignment.title)
    versions = submitting.versions(assignment, current_user.id)
    latest = versions[0] if versions else None
    draft = submitting.draft_of(assignment, current_user.id)
    form = WorkForm()
    if request.method == "GET":
        form.text.data = draft.text if draft else (latest.text if latest else "")
    preview, refused = None, False
    if form.validate_on_submit():
        action = request.form.get("action", "save")
        text = form.text.data or ""
        if action == "preview":
            preview = render_markdown(text)
        else:
            with service_errors(form) as outcome:
                if action == "send":
                    uploads = check_uploads(_files())
                    seen = parse_int(form.seen.data or "0") or 0
                    submitting.submit(assignment, current_user.id, text, uploads, seen)
                else:
                    submitting.save_draft(assignment, current_user.id, text)
            if outcome.ok:
                sent = _("Your work was sent for review.")
                flash(sent if action == "send" else _("Draft saved."), "success")
                return redirect(url_for(".assignment", slug=slug, key=key))
            refused = True
    form.seen.data = str(latest.number if latest else 0)
    course = assignment.course
    learner_path = path_for(course, current_user.id)
    page, status = render_form(
        "assignments/assignment.html",
        form,
        assignment=assignment,
        course=course,
        task_html=shown_markdown(assignment.task, media_base(course)),
        example_html=shown_markdown(assignment.example, media_base(course)),
        versions=versions,
        draft=draft,
        preview=preview,
        blocked=submitting.may_send(assignment, latest),
        due=submitting.due_date(assignment, latest),
        path=learner_path,
        after=_step_after(learner_path, assignment.key),
        hidden=peers.result_hidden(assignment, current_user.id),
        self_form=PeerReviewForm() if _self_open(assignment, latest) else None,
        render_markdown=shown_markdown,
    )
    return page, 422 if refused else status  # a refusal rolls the request back


def _self_open(assignment: Assignment, latest: Submission | None) -> bool:
    """Whether the newest version waits for the learner's own grade."""
    if latest is None or latest.status != WAITING or assignment.weights.get(BY_SELF, 0) <= 0:
        return False
    return not any(r.kind == BY_SELF for r in latest.reviews)


def _step_after(learner_path: Path, key: str) -> Step | None:
    """The first step after this assignment not done yet: an optional task may be left for
    later, and work waiting for review does not hold the learner up."""
    steps = learner_path.steps
    here = next((i for i, s in enumerate(steps) if s.kind == "assignment" and s.key == key), None)
    if here is None:
        return None
    return next((s for s in steps[here + 1 :] if not s.done), None)


def _files() -> list[tuple[str, bytes]]:
    """The uploaded files as (name, bytes); the form's empty file input sends none."""
    limit = current_app.config["SUBMISSION_MAX_BYTES"]
    files = []
    for upload in request.files.getlist("files"):
        if not upload or not upload.filename:
            continue
        files.append((upload.filename, upload.stream.read(limit + 1)))
        upload.close()  # a large upload is spooled to a temporary file
    return files


@bp.route("/<slug>/assignments/<key>/files/<int:file_id>")
@login_required
def submission_file(slug: str, key: str, file_id: int) -> Response:
    """A handed-in file, for its author and the course's reviewers; always a download."""
    row = db.session.execute(
        sa.select(SubmissionFile, Submission, Assignment, Course)
        .join(Submission, SubmissionFile.submission_id == Submission.id)
        .join(Assignment, Submission.assignment_id == Assignment.id)
        .join(Course, Assignment.course_id == Course.id)
        .where(SubmissionFile.id == file_id, Course.slug == slug, Assignment.key == key)
    ).first()
    if row is None:
        abort(404)
    item, submission, _assignment_row, course = row
    mine = submission.user_id == current_user.id
    trainer = not mine and reviews_learner(course, submission.user_id, current_user)
    if not mine and not trainer and not peers.allocated(submission, current_user.id):
        abort(403)
    # A peer never learns the author from a file's name.
    name = item.filename if mine or trainer else peer_file_name(item)
    path = stored_path(submission.id, item.id)
    if not path.exists():
        abort(404)
    response = send_file(
        path,
        mimetype=item.content_type,
        as_attachment=True,
        download_name=name,
        max_age=0,
        etag=item.sha256,
        conditional=True,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def peer_file_name(item: SubmissionFile) -> str:
    """A handed-in file's name as peers see it: its number and type, not the author's name."""
    suffix = item.filename.rsplit(".", 1)[-1].lower() if "." in item.filename else "bin"
    return f"{_('file')}-{item.position + 1}.{suffix}"
