"""Pages of questions under lessons: asking, a thread with its answers, editing, the trainer's
list of unanswered questions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from cohorts.models import Cohort
from cohorts.questions import listing, services
from cohorts.questions.forms import AnswerForm, AskForm, EditForm
from cohorts.questions.loading import Loaded, account_key, load_post, load_thread, post_limit
from courses import learning
from courses.models import Course, RevisionLesson
from training.accounts.models import Role, User
from training.extensions import db, limiter
from training.markdown import shown_markdown
from training.transaction import render_form, service_errors

bp = Blueprint("questions", __name__)

#: One budget for every kind of posting, per account.
posting = limiter.shared_limit(
    post_limit, scope="questions-post", key_func=account_key, methods=["POST"]
)


@bp.route("/courses/<slug>/lessons/<key>/ask", methods=["GET", "POST"])
@login_required
@posting
def ask(slug: str, key: str) -> str | Response | tuple[str, int]:
    """Ask a question under a lesson; the learner's group (cohort or self-paced) will see it."""
    found = learning.load_lesson(slug, key, current_user.id)
    if found is None:
        abort(404)
    course, _revision, lesson, enrolled = found
    if not enrolled:
        flash(_("Enroll in the course to ask questions under its lessons."), "info")
        return redirect(url_for("courses.course", slug=slug))
    form = AskForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            thread = services.ask(
                course, key, current_user, form.title.data or "", form.body.data or ""
            )
        if outcome.ok:
            flash(_("Your question is posted."), "success")
            return redirect(url_for(".thread", thread_id=thread.id))
    return render_form("cohorts/questions/ask.html", form, course=course, lesson=lesson)


def _lesson_title(course: Course, key: str) -> str:
    """The lesson's title in the published revision (a removed lesson shows its key)."""
    title = db.session.scalar(
        sa.select(RevisionLesson.title).where(
            RevisionLesson.revision_id == course.published_revision_id, RevisionLesson.key == key
        )
    )
    return title or key


def _cohort(loaded: Loaded) -> Cohort | None:
    """The thread's cohort, named for its trainers (learners know their own group)."""
    if not loaded.moderator or loaded.thread.cohort_id is None:
        return None
    return db.session.get(Cohort, loaded.thread.cohort_id)


@bp.route("/questions/<int:thread_id>", methods=["GET", "POST"])
@login_required
@posting
def thread(thread_id: int) -> str | Response | tuple[str, int]:
    """A thread: the question, its answers (hidden ones for trainers), and the answer form."""
    loaded = load_thread(thread_id)
    form = AnswerForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            post = services.answer(
                loaded.thread,
                loaded.question,
                current_user,
                form.body.data or "",
                trainer=loaded.moderator,
            )
        if outcome.ok:
            flash(_("Your answer is posted."), "success")
            return redirect(url_for(".thread", thread_id=thread_id, _anchor=f"post-{post.id}"))
    posts = listing.thread_posts(loaded.thread, moderator=loaded.moderator)
    return render_form(
        "cohorts/questions/thread.html",
        form,
        loaded=loaded,
        posts=posts,
        lesson_title=_lesson_title(loaded.course, loaded.thread.lesson_key),
        cohort=_cohort(loaded),
        render_markdown=shown_markdown,
        me=current_user.id,
    )


@bp.route("/questions/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
@posting
def edit(post_id: int) -> str | Response | tuple[str, int]:
    """Change one's own question or answer (others' posts: 403)."""
    loaded, post = load_post(post_id)
    if post.author_id != current_user.id:
        abort(403)
    if post.deleted_at is not None:
        abort(404)
    form = EditForm(data={"title": loaded.thread.title, "body": post.body})
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            services.edit(post, form.body.data or "", form.title.data or "")
        if outcome.ok:
            flash(_("Your message is changed."), "success")
            return redirect(
                url_for(".thread", thread_id=loaded.thread.id, _anchor=f"post-{post.id}")
            )
    return render_form("cohorts/questions/edit.html", form, loaded=loaded, post=post)


def may_see_unanswered(user: User) -> bool:
    """Trainers and administrators have the list of unanswered questions."""
    return bool(user.is_authenticated and (user.is_admin or user.has_role(Role.TRAINER)))


@bp.route("/questions/unanswered")
@login_required
def unanswered() -> str:
    """Open questions in the trainer's courses with no trainer's answer, oldest first."""
    if not may_see_unanswered(current_user):
        abort(403)
    return render_template(
        "cohorts/questions/unanswered.html", rows=listing.unanswered(current_user)
    )
