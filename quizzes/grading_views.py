"""Trainer pages for essays: grade each essay answer of a waiting attempt (quizzes.essays).

Routes of the quiz authoring blueprint. The course's owners, editors and admins grade every
learner's essays; a cohort's trainers grade their cohort's learners' (courses.reviewers): load
→ 404, check → 403.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from courses.authoring import course_or_404
from courses.reviewers import reviews_learner
from quizzes import essays
from quizzes.authoring_views import AUTHORS, _quiz, bp
from quizzes.forms import GradeForm
from quizzes.models import Attempt, AttemptItem
from quizzes.review import your_answer
from training.extensions import db
from training.markdown import render_markdown
from training.permissions import roles_required
from training.transaction import service_errors


@bp.route("/<slug>/quizzes/<key>/attempts/<int:attempt_id>/grade", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def grade_attempt(slug: str, key: str, attempt_id: int) -> tuple[str, int] | Response:
    """A submitted attempt's essay answers, each with its grade or a form to give one."""
    course = course_or_404(slug)
    quiz = _quiz(course, key)
    attempt = db.get_or_404(
        Attempt,
        attempt_id,
        options=[selectinload(Attempt.items).selectinload(AttemptItem.version)],
    )
    if attempt.quiz_id != quiz.id or attempt.is_open:
        abort(404)
    if not reviews_learner(course, attempt.user_id, current_user):
        abort(403)
    essay_items = [item for item in attempt.items if essays.hand_graded(item)]
    posted = request.form.get("item", type=int) if request.method == "POST" else None
    if request.method == "POST" and posted is None:
        abort(400)
    if posted is not None and posted not in {item.id for item in essay_items}:
        abort(404)
    forms = {item.id: GradeForm(prefix=f"item{item.id}") for item in essay_items}
    form = forms.get(posted) if posted is not None else None
    refused = False
    if form is not None:
        refused = True
        if form.validate_on_submit():
            with service_errors(form) as outcome:
                finished = essays.grade_item(
                    attempt, posted, current_user, form.score.data, form.comment.data or ""
                )
            if outcome.ok:
                flash(
                    _("The test is graded: the learner has been told.")
                    if finished
                    else _("Grade saved."),
                    "success",
                )
                return redirect(
                    url_for(".grade_attempt", slug=slug, key=key, attempt_id=attempt.id)
                )
    page = render_template(
        "quizzes/author/grade.html",
        course=course,
        quiz=quiz,
        attempt=attempt,
        essay_items=essay_items,
        forms=forms,
        # A cohort's trainer who is not an author goes back to the home page's review block.
        author=course.can_edit(current_user),
        your_answer=your_answer,
        markdown=render_markdown,
    )
    # A refused grade answers 422, so the request rolls back whatever the refusal left.
    return page, 422 if refused else 200
