"""Trainer pages: a course's assignments, their settings, submissions, review and the queue."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from assignments import peers, reviewing, services
from assignments.forms import AssignmentForm, ReviewForm, chosen_levels, end_of_day, local_day
from assignments.models import SUBMISSION_STATES, WAITING, Assignment, Review, Submission
from assignments.rubric import parse_rubric, rubric_text
from courses.authoring import course_or_404, editable_course
from courses.media import course_media
from courses.models import Course
from courses.reviewers import review_scope, reviews_learner
from quizzes.essays import pending_essay_attempts
from training.accounts.models import Role
from training.extensions import db
from training.markdown import shown_markdown
from training.params import int_arg
from training.permissions import roles_required
from training.transaction import render_form, service_errors

bp = Blueprint("assignment_authoring", __name__, url_prefix="/author")

AUTHORS = (Role.TRAINER, Role.ADMIN)
QUEUE_STATES = (WAITING, "reviewed", "all")


def _assignment(course: Course, key: str) -> Assignment:
    found = db.session.scalar(
        sa.select(Assignment).where(Assignment.course_id == course.id, Assignment.key == key)
    )
    if found is None:
        abort(404)
    return found


def _choices(form: AssignmentForm, course: Course) -> None:
    form.module.choices = [SelectChoice("", _("After the last module"))] + [
        SelectChoice(m.key, _("After module: %(title)s", title=m.title)) for m in course.modules
    ]
    form.template.choices = [SelectChoice("", _("No template"))] + [
        SelectChoice(m.filename, m.filename) for m in course_media(course)
    ]


def _settings(form: AssignmentForm) -> services.AssignmentSettings:
    return services.AssignmentSettings(
        title=form.title.data,
        module_key=form.module.data or None,
        task=form.task.data or "",
        example=form.example.data or "",
        template_filename=form.template.data or None,
        hand_in=form.hand_in.data,
        is_open=form.is_open.data,
        required=form.required.data,
        pass_rule=form.pass_rule.data,
        pass_percent=form.pass_percent.data,
        due_at=end_of_day(form.due_on.data),
        late_policy=form.late_policy.data,
        review_mode=form.review_mode.data,
        peer_reviews=2 if form.peer_reviews.data is None else form.peer_reviews.data,
        reviews_before_result=form.reviews_before_result.data,
        weight_trainer=form.weight_trainer.data or 0,
        weight_peer=form.weight_peer.data or 0,
        weight_self=form.weight_self.data or 0,
        criteria=parse_rubric(form.rubric.data or ""),
    )


@bp.route("/<slug>/assignments", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def assignments(slug: str) -> str | Response:
    """The course's assignments and a form for a new one."""
    course = editable_course(slug)
    form = AssignmentForm()
    _choices(form, course)
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            assignment = services.create_assignment(course, _settings(form))
        if outcome.ok:
            flash(_("Assignment created."), "success")
            return redirect(url_for(".assignment", slug=slug, key=assignment.key))
    return render_form(
        "assignments/author/assignments.html",
        form,
        course=course,
        assignments=services.assignments_of(course),
    )


@bp.route("/<slug>/assignments/<key>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def assignment(slug: str, key: str) -> str | Response:
    """One assignment's settings; a changed rubric is saved as a new version."""
    course = editable_course(slug)
    assignment = _assignment(course, key)
    if request.method == "GET":
        # No obj=: the model's `rubric` is the version row, the form's is its text.
        form = AssignmentForm(
            title=assignment.title,
            task=assignment.task,
            example=assignment.example,
            hand_in=assignment.hand_in,
            pass_rule=assignment.pass_rule,
            pass_percent=assignment.pass_percent,
            late_policy=assignment.late_policy,
            review_mode=assignment.review_mode,
            peer_reviews=assignment.peer_reviews,
            reviews_before_result=assignment.reviews_before_result,
            weight_trainer=assignment.weight_trainer,
            weight_peer=assignment.weight_peer,
            weight_self=assignment.weight_self,
            required=assignment.required,
            is_open=assignment.is_open,
            module=assignment.module_key or "",
            template=assignment.template_filename or "",
            rubric=rubric_text(assignment.rubric.criteria) if assignment.rubric else "",
            due_on=local_day(assignment.due_at),
        )
    else:
        form = AssignmentForm()
    _choices(form, course)
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            services.update_assignment(course, assignment, _settings(form))
        if outcome.ok:
            flash(_("Assignment saved."), "success")
            return redirect(url_for(".assignment", slug=slug, key=key))
    return render_form(
        "assignments/author/assignment.html", form, course=course, assignment=assignment
    )


@bp.route("/<slug>/submissions")
@roles_required(*AUTHORS)
def submissions(slug: str) -> str:
    """Every version sent to the course's assignments, oldest first."""
    course = editable_course(slug)
    return render_template(
        "assignments/author/submissions.html",
        course=course,
        submissions=reviewing.course_submissions(course),
    )


def reviewed_submission(slug: str, submission_id: int) -> tuple[Course, Submission]:
    """Load a course and one of its sent versions (404), and check (403) that the current
    user reviews its learner: the course's authors, administrators, the learner's group's
    trainers (courses.reviewers)."""
    course = course_or_404(slug)
    submission = db.get_or_404(Submission, submission_id)
    if submission.assignment.course_id != course.id:
        abort(404)
    if not reviews_learner(course, submission.user_id, current_user):
        abort(403)
    return course, submission


@bp.route("/<slug>/submissions/<int:submission_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def review(slug: str, submission_id: int) -> str | Response:
    """One version with the learner's earlier ones and their reviews; the grading form."""
    course, submission = reviewed_submission(slug, submission_id)
    form = ReviewForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            grade = reviewing.Grade(
                levels=_levels(submission),
                feedback=form.feedback.data or "",
                decision=form.decision.data,
                revise_by=end_of_day(form.revise_by.data),
            )
            reviewing.review(submission, current_user, grade)
        if outcome.ok:
            flash(_("Review saved; the learner is told."), "success")
            return redirect(url_for(".queue", course=course.id))
        # A refusal shown as a message still answers 422, so the request rolls back.
        form.form_errors.append(outcome.error.message if outcome.error else "")
    history = db.session.scalars(
        sa.select(Submission)
        .where(
            Submission.assignment_id == submission.assignment_id,
            Submission.user_id == submission.user_id,
        )
        .order_by(Submission.number.desc())
    ).all()
    return render_form(
        "assignments/author/review.html",
        form,
        course=course,
        submission=submission,
        history=history,
        result=peers.result(submission),
        open_to_trainer=reviewing.open_to_trainer(submission),
        render_markdown=shown_markdown,
    )


def _levels(submission: Submission) -> dict[int, int]:
    """The level chosen per criterion from the radio inputs level-<criterion index>."""
    rubric = submission.assignment.rubric
    return chosen_levels(rubric.criteria if rubric else [], request.form)


@bp.route("/<slug>/reviews/<int:review_id>/discard", methods=["POST"])
@roles_required(*AUTHORS)
def discard_review(slug: str, review_id: int) -> Response:
    """Discard an abusive peer review of work the trainer reviews: it stops counting."""
    row = db.get_or_404(Review, review_id)
    _course, submission = reviewed_submission(slug, row.submission_id)
    with service_errors(None) as outcome:
        peers.discard(row, current_user)
    if outcome.ok:
        flash(_("The review is discarded; it no longer counts."), "success")
    return redirect(url_for(".review", slug=slug, submission_id=submission.id))


@bp.route("/review")
@roles_required(*AUTHORS)
def queue() -> str:
    """Work waiting for review across the trainer's courses, oldest first, with filters."""
    state = request.args.get("state", WAITING)
    if state not in QUEUE_STATES:
        state = WAITING
    course_id = int_arg("course")
    scope = review_scope(current_user)
    courses_query = sa.select(Course).order_by(Course.title)
    if scope.course_ids is not None:
        courses_query = courses_query.where(Course.id.in_(scope.course_ids))
    courses = db.session.scalars(courses_query).all()
    # Tests whose essays wait for a grade join the queue (they are always "waiting").
    essays = []
    if state != "reviewed":
        essays = pending_essay_attempts(scope.narrowed(course_id))
    return render_template(
        "assignments/author/queue.html",
        submissions=reviewing.review_queue(scope, course_id, state),
        essays=essays,
        courses=courses,
        course_id=course_id,
        state=state,
        states=SUBMISSION_STATES,
    )


def review_home_section() -> str:
    """Home page block for trainers: how much work waits for their review, and the queue.

    Shown to those who review anyone's work (a course's owner and editors, a cohort's
    trainers; administrators, all), so the work learners send does not wait unseen behind
    three pages of authoring.
    """
    if not (current_user.is_authenticated and current_user.has_role(*AUTHORS)):
        return ""
    scope = review_scope(current_user)
    if scope.empty:
        return ""
    return render_template(
        "assignments/author/_home_section.html",
        works=reviewing.waiting_count(scope),
        essays=len(pending_essay_attempts(scope)),
    )


def author_links(course: Course) -> list[tuple[str, str]]:
    """Links on the course's authoring page to its assignments and their submissions."""
    return [
        (_("Assignments"), url_for("assignment_authoring.assignments", slug=course.slug)),
        (_("Submissions"), url_for("assignment_authoring.submissions", slug=course.slug)),
    ]
