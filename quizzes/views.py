"""Learner pages of quizzes: start or resume, answer page by page, submit, see the result."""

from __future__ import annotations

import functools
import re
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from courses.models import Course, CourseRevision, Enrollment
from courses.path import path_for
from courses.views import abort_until_open
from quizzes import attempts
from quizzes.essays import hand_graded
from quizzes.models import Attempt, AttemptItem, Quiz
from quizzes.review import your_answer
from quizzes.services import question_count
from training import hooks
from training.db import attach_row
from training.extensions import db
from training.markdown import render_markdown
from training.paging import numbered_pager
from training.params import int_arg
from training.transaction import service_errors

bp = Blueprint("quizzes", __name__, url_prefix="/courses")

_FIELD = re.compile(r"^q(\d+)(?:-.*)?$")


def _quiz_statement(with_revision: bool) -> sa.Select:
    """The quiz with its course, the asking learner's enrollment and, when asked, the course's
    published revision (parameters: slug, key, user_id). Core on the tables, built once per
    process: each of a quiz cycle's five requests runs it, and the rows become ORM objects
    without the ORM's loading machinery (training.db.attach_row)."""
    quizzes, courses, enrollments = Quiz.__table__, Course.__table__, Enrollment.__table__
    query = sa.select(quizzes, courses, enrollments.c.user_id).join(
        courses, courses.c.id == quizzes.c.course_id
    )
    if with_revision:
        revisions = CourseRevision.__table__
        query = query.add_columns(revisions).outerjoin(
            revisions, revisions.c.id == courses.c.published_revision_id
        )
    return (
        query.outerjoin(
            enrollments,
            sa.and_(
                enrollments.c.course_id == courses.c.id,
                enrollments.c.user_id == sa.bindparam("user_id"),
            ),
        )
        .where(courses.c.slug == sa.bindparam("slug"), quizzes.c.key == sa.bindparam("key"))
        .set_label_style(sa.LABEL_STYLE_TABLENAME_PLUS_COL)
    )


_QUIZ = {with_revision: _quiz_statement(with_revision) for with_revision in (False, True)}


def _quiz(slug: str, key: str, *, with_revision: bool = False) -> Quiz:
    """An open quiz of a published course the current learner is enrolled in.

    One statement: the quiz, its course (kept on `quiz.course`), the learner's enrollment, and
    the published revision when the page evaluates the learning path (`with_revision`).
    """
    parameters = {"slug": slug, "key": key, "user_id": current_user.id}
    row = db.session.execute(_QUIZ[with_revision], parameters).mappings().first()
    if row is None:
        abort(404)
    quiz, fresh = attach_row(db.session, Quiz, row)
    course = attach_row(db.session, Course, row)[0]
    if fresh:
        set_committed_value(quiz, "course", course)
    if with_revision and row[CourseRevision.__table__.c.id] is not None:
        revision, fresh = attach_row(db.session, CourseRevision, row)
        if fresh:
            set_committed_value(course, "published_revision", revision)
    if course.published_revision_id is None or not (quiz.is_open or course.can_edit(current_user)):
        abort(404)
    if row[Enrollment.__table__.c.user_id] is None:
        flash(_("Enroll in the course to take its quizzes."), "info")
        abort(redirect(url_for("courses.course", slug=slug)))
    return quiz


@functools.cache
def _attempt_statement() -> sa.Select:
    """Every page of an attempt shows, saves or grades its items: the attempt, its items and
    their question versions in one statement, built once per process."""
    return (
        sa.select(Attempt)
        .where(Attempt.id == sa.bindparam("attempt_id"))
        .options(joinedload(Attempt.items).joinedload(AttemptItem.version))
    )


def _attempt(quiz: Quiz, attempt_id: int) -> Attempt:
    """Load (404) and check (403) an attempt: learners only ever see their own."""
    attempt = db.session.scalars(_attempt_statement(), {"attempt_id": attempt_id}).unique().first()
    if attempt is None or attempt.quiz_id != quiz.id:
        abort(404)
    if attempt.user_id != current_user.id:
        abort(403)
    return attempt


def pages(attempt: Attempt) -> list[list[AttemptItem]]:
    """The attempt's items cut into pages by the quiz's questions-per-page setting."""
    size = attempt.quiz.questions_per_page or len(attempt.items) or 1
    return [attempt.items[i : i + size] for i in range(0, len(attempt.items), size)]


def _answered(item: AttemptItem) -> bool:
    return item.response not in (None, "", [], {})


def resume_page(all_pages: list[list[AttemptItem]]) -> int:
    """Where a learner coming back lands: the first page with an unanswered question, else
    the last page (where the submit button is)."""
    for number, items in enumerate(all_pages):
        if not all(_answered(item) for item in items):
            return number
    return len(all_pages) - 1


def responses_from_form(items: list[AttemptItem], form: MultiDict) -> dict[int, Any]:
    """Answers for the page's items, plus any field naming another item (so it is refused)."""
    responses: dict[int, Any] = {}
    for item in items:
        responses[item.id] = attempts.read_answer(item, form)
    on_page = {item.id for item in items}
    for field in form:
        match = _FIELD.match(field)
        if match and int(match.group(1)) not in on_page:
            responses[int(match.group(1))] = form.get(field)
    return responses


@bp.route("/<slug>/quizzes/<key>")
@login_required
def quiz(slug: str, key: str) -> str:
    """A quiz's rules, the learner's attempts so far, and the start or resume button."""
    quiz = _quiz(slug, key, with_revision=True)
    abort_until_open(quiz.course, quiz.module_key, quiz.title)
    state = attempts.standing(quiz, current_user.id)
    # A write on GET, and an allowed one: an attempt whose time ran out while the learner was
    # away must be graded before its result is shown, whichever page they open first.
    if state.open_attempt and attempts.close_if_expired(state.open_attempt):
        state = attempts.standing(quiz, current_user.id)
    questions = question_count(quiz)
    size = quiz.questions_per_page or questions or 1
    return render_template(
        "quizzes/quiz.html",
        quiz=quiz,
        state=state,
        path=path_for(quiz.course, current_user.id) if state.passed else None,
        questions=questions,
        page_count=max(1, -(-questions // size)),
        attempts_left=max(0, quiz.attempts_allowed - state.submitted),
    )


@bp.route("/<slug>/quizzes/<key>/attempts")
@login_required
def history(slug: str, key: str) -> str:
    """Every attempt of the learner at a quiz, fifty a page: the quiz page shows the latest."""
    quiz = _quiz(slug, key)  # the list needs no revision: it shows no path
    abort_until_open(quiz.course, quiz.module_key, quiz.title)
    number = int_arg("page", 1, minimum=1, maximum=100_000) or 1
    page = attempts.history(quiz, current_user.id, number)
    return render_template(
        "quizzes/history.html",
        quiz=quiz,
        page=page,
        page_links=numbered_pager(page, lambda n: url_for(".history", slug=slug, key=key, page=n)),
    )


@bp.route("/<slug>/quizzes/<key>/start", methods=["POST"])
@login_required
def start(slug: str, key: str) -> Response:
    """Start a new attempt (or resume the open one)."""
    quiz = _quiz(slug, key)
    abort_until_open(quiz.course, quiz.module_key, quiz.title)
    with service_errors() as outcome:
        attempt = attempts.start(quiz, current_user.id)
    if not outcome.ok:
        return redirect(url_for(".quiz", slug=slug, key=key))
    return redirect(url_for(".attempt", slug=slug, key=key, attempt_id=attempt.id))


@bp.route("/<slug>/quizzes/<key>/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(slug: str, key: str, attempt_id: int) -> str | Response:
    """One page of an open attempt; answers are saved whenever the page is sent."""
    quiz = _quiz(slug, key, with_revision=request.method == "POST")  # a submit reads the path
    attempt = _attempt(quiz, attempt_id)
    if not attempt.is_open:
        if request.method == "POST":  # sent twice (a double tap, a second tab)
            flash(_("This attempt has already been submitted."), "info")
        return redirect(url_for(".result", slug=slug, key=key, attempt_id=attempt.id))
    # Grading a timed-out attempt on GET is the stated exception to "no writes on GET" (see
    # `quiz` above): the deadline passed, so the attempt is over whoever looks at it.
    if attempts.close_if_expired(attempt):
        if request.method == "POST":
            flash(_("Time is up: answers sent after the deadline are not counted."), "error")
        return redirect(url_for(".result", slug=slug, key=key, attempt_id=attempt.id))
    all_pages = pages(attempt)
    asked = request.args.get("page", type=int)
    page = resume_page(all_pages) if asked is None else asked
    page = min(max(page, 0), len(all_pages) - 1)
    if request.method == "POST":
        page = min(max(request.form.get("page", 0, type=int), 0), len(all_pages) - 1)
        responses = responses_from_form(all_pages[page], request.form)
        action = request.form.get("action", "save")
        with service_errors() as outcome:
            if action == "submit":
                attempts.submit(attempt, current_user.id, responses)
            else:
                attempts.save(attempt, current_user.id, responses)
        if not outcome.ok:
            return redirect(
                url_for(".attempt", slug=slug, key=key, attempt_id=attempt_id, page=page)
            )
        if action == "submit":
            return redirect(url_for(".result", slug=slug, key=key, attempt_id=attempt.id))
        target = {"next": page + 1, "previous": page - 1}.get(action, page)
        target = min(max(target, 0), len(all_pages) - 1)
        return redirect(url_for(".attempt", slug=slug, key=key, attempt_id=attempt.id, page=target))
    return render_template(
        "quizzes/attempt.html",
        quiz=quiz,
        attempt=attempt,
        items=all_pages[page],
        page=page,
        page_count=len(all_pages),
        answered=sum(1 for i in attempt.items if _answered(i)),
    )


@bp.route("/<slug>/quizzes/<key>/attempts/<int:attempt_id>/result")
@login_required
def result(slug: str, key: str, attempt_id: int) -> str | Response:
    """The grade, and as much review as the quiz's setting allows."""
    quiz = _quiz(slug, key, with_revision=True)
    attempt = _attempt(quiz, attempt_id)
    if attempt.is_open:
        return redirect(url_for(".attempt", slug=slug, key=key, attempt_id=attempt.id))
    learner_path = path_for(quiz.course, current_user.id)
    notices = []
    if attempt.passed and learner_path.complete:
        notices = [
            html
            for notice in hooks.completion_notices
            if (html := notice(quiz.course, current_user))
        ]
    review = attempts.review_for(attempt)
    # A trainer's grade and feedback on an essay are the learner's to read whatever the
    # quiz's review setting hides (they tell no right answer).
    reviewed = [i for i in attempt.items if review.show_feedback or hand_graded(i)]
    return render_template(
        "quizzes/result.html",
        quiz=quiz,
        attempt=attempt,
        review=review,
        reviewed=reviewed,
        your_answer=your_answer,
        state=attempts.standing(quiz, current_user.id),
        path=learner_path,
        module=learner_path.module_of(quiz.module_key or ""),
        notices=notices,
        markdown=render_markdown,
    )
