"""The trainer's desk for one cohort: the gradebook and its downloads, a learner's page,
and posting announcements."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assignments import reviewing
from assignments.models import Assignment, Submission
from cohorts import announcements, gradebook, services
from cohorts.forms import AnnouncementForm
from cohorts.models import Cohort, CohortMember
from cohorts.views import bp, load_cohort
from courses import path as paths
from courses.reviewers import ReviewScope
from quizzes.essays import pending_essay_attempts
from quizzes.models import Attempt, Quiz
from training.accounts.models import User
from training.audit import audit
from training.downloads import csv_response, xlsx_response
from training.extensions import db, limiter
from training.markdown import shown_markdown
from training.transaction import render_form, service_errors


def _view_args(cohort: Cohort) -> dict:
    """Sort and filters from the query string, checked against what exists."""
    sort = request.args.get("sort", "name")
    module = request.args.get("module", "")
    outline = cohort.course.published_revision.outline if cohort.course.published_revision else []
    return {
        "sort": sort if sort in gradebook.SORTS else "name",
        "stuck_only": request.args.get("stuck") == "1",
        "module": module if module in {m["key"] for m in outline} else "",
    }


@bp.route("/<int:cohort_id>")
@login_required
def cohort(cohort_id: int) -> str:
    """A cohort's page: its learners' work waiting for review, the gradebook (learners × steps,
    last activity, who is stuck), announcements."""
    cohort = load_cohort(cohort_id)
    args = _view_args(cohort)
    book = gradebook.build(cohort, **args)
    outline = cohort.course.published_revision.outline if cohort.course.published_revision else []
    # Whoever runs the cohort reviews its learners' work (courses.reviewers): listed first.
    scope = services.members_scope(cohort)
    return render_template(
        "cohorts/gradebook.html",
        cohort=cohort,
        waiting=_waiting(scope),
        book=book,
        table=book.table(),
        args=args,
        modules=outline,
        form=AnnouncementForm(formdata=None),
        notes=announcements.announcements_of(cohort),
        author_name=announcements.author_name,
        render=shown_markdown,
    )


def _waiting(scope: ReviewScope) -> list[tuple[str, str, str, str, datetime]]:
    """The cohort's sent work and essay tests waiting for review, oldest first, as rows of
    (kind, title, address, learner, sent at)."""
    works = [
        (_("Assignment"), w.title, w.url, w.learner, w.submitted_at)
        for w in reviewing.pending_works(scope)
    ]
    essays = [
        (_("Test"), e.quiz_title, e.url, e.learner, e.submitted_at)
        for e in pending_essay_attempts(scope)
    ]
    return sorted([*works, *essays], key=lambda row: row[4])


def _filename(cohort: Cohort, ext: str) -> str:
    return f"{cohort.course.slug}-{cohort.name}.{ext}".replace("/", "-")


@bp.route("/<int:cohort_id>/gradebook.csv")
@login_required
def gradebook_csv(cohort_id: int) -> Response:
    """The gradebook as shown (same filters and order), as CSV."""
    cohort = load_cohort(cohort_id)
    book = gradebook.build(cohort, **_view_args(cohort))
    return csv_response(book.table(), _filename(cohort, "csv"), book.header)


@bp.route("/<int:cohort_id>/gradebook.xlsx")
@login_required
def gradebook_xlsx(cohort_id: int) -> Response:
    """The gradebook as shown (same filters and order), as an Excel workbook."""
    cohort = load_cohort(cohort_id)
    book = gradebook.build(cohort, **_view_args(cohort))
    return xlsx_response(
        book.table(), _filename(cohort, "xlsx"), book.header, sheet=cohort.name[:31]
    )


@bp.route("/<int:cohort_id>/learners/<int:user_id>")
@login_required
def learner(cohort_id: int, user_id: int) -> str:
    """One learner of the cohort: path with states, attempts, submissions; the view is audited."""
    cohort = load_cohort(cohort_id)
    if db.session.get(CohortMember, (cohort.id, user_id)) is None:
        abort(404)
    person = db.get_or_404(User, user_id)
    course = cohort.course
    if course.published_revision is None:
        abort(404)
    audit(current_user.id, "cohort.learner_view", "user", person.id, cohort_id=cohort.id)
    attempts = db.session.execute(
        sa.select(Attempt, Quiz.title, Quiz.key)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Quiz.course_id == course.id, Attempt.user_id == person.id)
        .order_by(Attempt.started_at)
    ).all()
    submissions = db.session.execute(
        sa.select(Submission, Assignment.title)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .where(Assignment.course_id == course.id, Submission.user_id == person.id)
        .order_by(Submission.submitted_at)
    ).all()
    return render_template(
        "cohorts/learner.html",
        cohort=cohort,
        person=person,
        path=paths.path_for(course, person.id),
        attempts=attempts,
        submissions=submissions,
    )


def _post_limit() -> str:
    return current_app.config.get("COHORT_POST_LIMIT", "5 per minute;30 per hour")


def _poster_key() -> str:
    return f"cohort-post:{current_user.get_id() or request.remote_addr}"


@bp.route("/<int:cohort_id>/announcements", methods=["POST"])
@login_required
@limiter.limit(_post_limit, key_func=_poster_key)
def announce(cohort_id: int) -> Response | tuple[str, int]:
    """Post an announcement to the cohort: learners see it on the course page and are told."""
    cohort = load_cohort(cohort_id)
    form = AnnouncementForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            announcements.post_announcement(cohort, current_user, form.body.data)
        if outcome.ok:
            flash(_("The announcement is posted and the learners are notified."), "success")
            return redirect(url_for(".cohort", cohort_id=cohort.id))
    return render_form("cohorts/announce.html", form, cohort=cohort)
