"""Learner pages of peer review and self-assessment: review a peer's work, grade one's own."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from assignments import peers, submitting
from assignments.forms import PeerReviewForm, chosen_levels
from assignments.models import Submission
from assignments.views import _assignment, bp
from courses.publishing import media_base
from training.extensions import db, limiter
from training.markdown import shown_markdown
from training.transaction import render_form, service_errors

# Opening the page allocates (a small idempotent write the page needs, like a lesson's first
# view); sending a review is a posting endpoint.
POST_LIMIT = "30 per minute"


@bp.route("/<slug>/assignments/<key>/peers")
@login_required
def peer_review(slug: str, key: str) -> str | tuple[str, int]:
    """The peer's work given to the learner to review now (anonymous), with the rubric form."""
    assignment = _assignment(slug, key)
    if not assignment.has_peers:
        abort(404)
    allocation, reason = None, None
    with service_errors(None, show=False) as outcome:
        allocation = peers.allocate(assignment, current_user)
    if not outcome.ok and outcome.error:
        reason = outcome.error.message
    page, status = render_form(
        "assignments/peers.html",
        PeerReviewForm(),
        assignment=assignment,
        course=assignment.course,
        work=allocation.submission if allocation else None,
        reason=reason,
        left=peers.reviews_left(assignment, current_user.id),
        task_html=shown_markdown(assignment.task, media_base(assignment.course)),
        render_markdown=shown_markdown,
    )
    return page, status


@bp.route("/<slug>/assignments/<key>/peers/<int:submission_id>", methods=["POST"])
@login_required
@limiter.limit(POST_LIMIT)
def give_peer_review(slug: str, key: str, submission_id: int) -> str | Response:
    """Grade the peer's version given to this learner; anything else is refused (403)."""
    assignment = _assignment(slug, key)
    submission = db.get_or_404(Submission, submission_id)
    if submission.assignment_id != assignment.id:
        abort(404)
    if submission.user_id == current_user.id or not peers.allocated(submission, current_user.id):
        abort(403)
    form = PeerReviewForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            levels = chosen_levels(
                assignment.rubric.criteria if assignment.rubric else [], request.form
            )
            peers.peer_review(submission, current_user, levels, form.feedback.data or "")
        if outcome.ok:
            flash(_("Thank you: your review was sent."), "success")
            return redirect(url_for(".peer_review", slug=slug, key=key))
        form.form_errors.append(outcome.error.message if outcome.error else "")
    page, _status = render_form(
        "assignments/peers.html",
        form,
        assignment=assignment,
        course=assignment.course,
        work=submission,
        reason=None,
        left=peers.reviews_left(assignment, current_user.id),
        task_html=shown_markdown(assignment.task, media_base(assignment.course)),
        render_markdown=shown_markdown,
    )
    return page, 422


@bp.route("/<slug>/assignments/<key>/self", methods=["POST"])
@login_required
@limiter.limit(POST_LIMIT)
def self_assessment(slug: str, key: str) -> Response:
    """The learner grades their newest sent version with the rubric (once per version)."""
    assignment = _assignment(slug, key)
    versions = submitting.versions(assignment, current_user.id)
    if not versions:
        abort(404)
    form = PeerReviewForm()
    if not form.validate_on_submit():
        abort(400)
    with service_errors(None) as outcome:
        levels = chosen_levels(
            assignment.rubric.criteria if assignment.rubric else [], request.form
        )
        peers.self_assess(versions[0], current_user, levels, form.feedback.data or "")
    if outcome.ok:
        flash(_("Your self-assessment is saved."), "success")
    # A refusal was flashed and its savepoint undone: nothing is left to commit.
    return redirect(url_for(".assignment", slug=slug, key=key))
