"""Trainer pages: the question bank (GIFT in and out), quiz settings, attempts, item analysis."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from courses.authoring import editable_course
from courses.models import Course
from courses.reviewers import ReviewScope
from quizzes import bank, services
from quizzes.analysis import (
    CSV_HEADER,
    FLAG_LABELS,
    FLAG_LOW_DISCRIMINATION,
    MIN_ATTEMPTS_TO_INTERPRET,
    analyse,
    to_csv_rows,
    to_sheet_rows,
)
from quizzes.essays import pending_essay_attempts
from quizzes.forms import GiftForm, QuestionForm, QuizForm, RandomSlotForm
from quizzes.gift import (
    GiftError,
    GiftResult,
    add_gift_items,
    bank_to_gift,
    gift_problem,
    parse_gift,
    to_gift,
)
from quizzes.models import Attempt, Question, QuestionCategory, Quiz, QuizSlot
from quizzes.preview import excerpt, preview_item
from quizzes.reports import attempt_records, question_labels
from quizzes.spec import QuestionSpec
from quizzes.types import type_of
from training.accounts.models import Role
from training.downloads import csv_response, file_response, xlsx_response
from training.extensions import db
from training.params import int_arg
from training.permissions import roles_required
from training.security import safe_next
from training.transaction import form_status, render_form, service_errors

bp = Blueprint("quiz_authoring", __name__, url_prefix="/author")

AUTHORS = (Role.TRAINER, Role.ADMIN)


def _question(course: Course, question_id: int) -> Question:
    question = db.get_or_404(Question, question_id)
    if question.course_id != course.id:
        abort(404)
    return question


def _quiz(course: Course, key: str) -> Quiz:
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id, Quiz.key == key))
    if quiz is None:
        abort(404)
    return quiz


# ---- question bank --------------------------------------------------------------------------


@bp.route("/<slug>/bank", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def question_bank(slug: str) -> str | Response:
    """The course's questions by category, with GIFT import and export."""
    course = editable_course(slug)
    form = GiftForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        text = upload.read().decode("utf-8-sig", errors="replace") if upload else form.text.data
        if not (text or "").strip():
            form.text.errors = [_("Choose a file or paste GIFT text.")]
        else:
            try:
                parsed = parse_gift(text)
            except GiftError as error:
                problems = [_("Line %(line)d: %(message)s", line=error.line, message=error.message)]
            else:
                with service_errors(form) as outcome:
                    add_gift_items(course, parsed, current_user, form.category.data or "")
                if outcome.ok:
                    _report_import(parsed)
                    return redirect(url_for(".question_bank", slug=slug))
    questions = bank.bank(course)
    # Said before the download: which questions a GIFT export leaves out, and why.
    not_in_gift = {q.id: gift_problem(q.current_version.spec) for q in questions}
    return render_template(
        "quizzes/author/bank.html",
        course=course,
        form=form,
        problems=problems,
        questions=questions,
        not_in_gift={qid: reason for qid, reason in not_in_gift.items() if reason},
        categories=bank.categories(course),
    ), 422 if problems else form_status(form)


def _report_import(result: GiftResult) -> None:
    """Tell the trainer how many questions came in and which items were left out, and why."""
    flash(_("Imported %(num)d questions.", num=len(result.items)), "success")
    for skipped in result.skipped:
        flash(
            _("Line %(line)d skipped: %(reason)s", line=skipped.line, reason=skipped.reason),
            "info",
        )


@bp.route("/<slug>/bank/export")
@roles_required(*AUTHORS)
def export_gift(slug: str) -> Response:
    """Download a category (or the whole bank) as a GIFT file."""
    course = editable_course(slug)
    category_id = int_arg("category")
    questions = bank.bank(course, category_id)
    # What GIFT cannot hold is listed on the bank page and at the top of the file.
    export = bank_to_gift(questions)
    name = f"{course.slug}.gift"
    return file_response(export.text.encode("utf-8"), name, "text/plain")


@bp.route("/<slug>/bank/new", methods=["GET", "POST"])
@bp.route("/<slug>/bank/<int:question_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit_question(slug: str, question_id: int | None = None) -> str | Response:
    """Write or change one question in GIFT; a change is saved as a new version."""
    course = editable_course(slug)
    question = _question(course, question_id) if question_id else None
    if question is not None and not type_of(question.current_version.type).in_gift:
        abort(404)  # this editor is GIFT; a type GIFT cannot express has no page to edit it
    if request.method == "GET" and question is not None:
        spec = question.current_version.spec
        if problem := gift_problem(spec):
            # Nothing to start from: the author writes the question anew in GIFT.
            form = QuestionForm(category=question.category.name)
            form.gift.errors = [problem]
        else:
            form = QuestionForm(gift=to_gift([("", spec)]).strip(), category=question.category.name)
    else:
        form = QuestionForm()
    if form.validate_on_submit():
        spec = _one_question(form)
        if spec is not None:
            with service_errors(form) as outcome:
                if question is None:
                    category = form.category.data or ""
                    question = bank.add_question(course, spec, current_user, category)
                else:
                    bank.edit_question(course, question, spec, current_user)
                    question.category = bank.category(course, form.category.data or "")
            if outcome.ok:
                flash(_("Question saved."), "success")
                return redirect(url_for(".question_bank", slug=slug))
    return render_form("quizzes/author/question.html", form, course=course, question=question)


def _one_question(form: QuestionForm) -> QuestionSpec | None:
    """The one question written in the form's GIFT, or None with the reason on the field."""
    try:
        parsed = parse_gift(form.gift.data)
    except GiftError as error:
        form.gift.errors = [_("Line %(line)d: %(message)s", line=error.line, message=error.message)]
        return None
    if len(parsed.items) != 1:
        form.gift.errors = [_("Write exactly one question.")]
        return None
    return parsed.items[0].spec


@bp.route("/<slug>/bank/<int:question_id>/retire", methods=["POST"])
@roles_required(*AUTHORS)
def retire_question(slug: str, question_id: int) -> Response:
    """Take a question out of the bank (attempts that used it keep it)."""
    course = editable_course(slug)
    bank.retire_question(_question(course, question_id))
    flash(_("Question removed from the bank."), "success")
    return redirect(url_for(".question_bank", slug=slug))


# ---- quizzes --------------------------------------------------------------------------------


def _place_choices(course: Course) -> list[SelectChoice]:
    return [SelectChoice("", _("Final quiz of the course"))] + [
        SelectChoice(m.key, _("After module: %(title)s", title=m.title)) for m in course.modules
    ]


def _settings(form: QuizForm) -> services.QuizSettings:
    limit = form.time_limit_minutes.data
    return services.QuizSettings(
        title=form.title.data,
        module_key=form.module.data or None,
        intro=form.intro.data or "",
        is_open=form.is_open.data,
        required=form.required.data,
        pass_mark=form.pass_mark.data,
        attempts_allowed=form.attempts_allowed.data,
        min_delay_seconds=round((form.min_delay_minutes.data or 0) * 60),
        time_limit_seconds=round(limit * 60) if limit else None,
        shuffle_questions=form.shuffle_questions.data,
        shuffle_options=form.shuffle_options.data,
        questions_per_page=form.questions_per_page.data,
        review=form.review.data,
        done_when=form.done_when.data,
    )


@bp.route("/<slug>/quizzes", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def quizzes(slug: str) -> str | Response:
    """The course's quizzes and a form for a new one."""
    course = editable_course(slug)
    form = QuizForm()
    form.module.choices = _place_choices(course)
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            quiz = services.create_quiz(course, _settings(form))
        if outcome.ok:
            flash(_("Quiz created. Add its questions."), "success")
            return redirect(url_for(".quiz", slug=slug, key=quiz.key))
    return render_form(
        "quizzes/author/quizzes.html",
        form,
        course=course,
        quizzes=services.quizzes_of(course),
        places={choice.value: choice.label for choice in form.module.choices},
    )


@bp.route("/<slug>/quizzes/<key>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def quiz(slug: str, key: str) -> str | Response:
    """One quiz: its settings and the lines that choose its questions."""
    course = editable_course(slug)
    quiz = _quiz(course, key)
    if request.method == "GET":
        form = QuizForm(
            obj=quiz,
            module=quiz.module_key or "",
            min_delay_minutes=quiz.min_delay_seconds / 60,
            time_limit_minutes=quiz.time_limit_seconds / 60 if quiz.time_limit_seconds else None,
        )
    else:
        form = QuizForm()
    form.module.choices = _place_choices(course)
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            services.update_quiz(course, quiz, _settings(form))
        if outcome.ok:
            flash(_("Quiz settings saved."), "success")
            return redirect(url_for(".quiz", slug=slug, key=key))
    in_quiz = {slot.question_id for slot in quiz.slots if slot.question_id}
    random_form = RandomSlotForm(prefix="random")
    random_form.category.choices = [
        SelectChoice(str(c.id), c.name) for c in bank.categories(course)
    ]
    return render_form(
        "quizzes/author/quiz.html",
        form,
        course=course,
        quiz=quiz,
        # The bank's questions not yet in the quiz, by category, as the start of their text.
        candidates=[
            (q, excerpt(q.current_version)) for q in bank.bank(course) if q.id not in in_quiz
        ],
        slot_texts={
            slot.id: excerpt(slot.question.current_version) for slot in quiz.slots if slot.question
        },
        random_form=random_form,
        waiting=pending_essay_attempts(ReviewScope.of_courses([course.id]), quiz.id),
    )


@bp.route("/<slug>/quizzes/<key>/slots", methods=["POST"])
@roles_required(*AUTHORS)
def add_slot(slug: str, key: str) -> Response:
    """Add a fixed question or a random draw to a quiz."""
    course = editable_course(slug)
    quiz = _quiz(course, key)
    if request.form.get("kind") == "random":
        category = db.session.get(
            QuestionCategory, request.form.get("random-category", type=int) or 0
        )
        if category is None:
            abort(404)
        with service_errors():
            services.add_random(quiz, category, request.form.get("random-count", 0, type=int))
    else:
        chosen = [_question(course, n) for n in request.form.getlist("fixed-question", type=int)]
        if not chosen:
            flash(_("Tick the questions to add."), "error")
        with service_errors() as outcome:  # all of them or none
            for question in chosen:
                services.add_fixed(quiz, question)
        if chosen and outcome.ok:
            flash(
                ngettext("%(num)d question added.", "%(num)d questions added.", len(chosen)),
                "success",
            )
    return redirect(url_for(".quiz", slug=slug, key=key))


@bp.route("/<slug>/bank/<int:question_id>/preview")
@roles_required(*AUTHORS)
def preview_question(slug: str, question_id: int) -> str:
    """A question as learners see it in an attempt (read-only; answers go nowhere)."""
    course = editable_course(slug)
    question = _question(course, question_id)
    return render_template(
        "quizzes/author/preview.html",
        course=course,
        question=question,
        item=preview_item(question),
        back=safe_next(request.args.get("next"), url_for(".question_bank", slug=slug)),
    )


@bp.route("/<slug>/quizzes/<key>/slots/<int:slot_id>/remove", methods=["POST"])
@roles_required(*AUTHORS)
def remove_slot(slug: str, key: str, slot_id: int) -> Response:
    """Remove a line from a quiz."""
    course = editable_course(slug)
    quiz = _quiz(course, key)
    slot = db.get_or_404(QuizSlot, slot_id)
    if slot.quiz_id != quiz.id:
        abort(404)
    services.remove_slot(quiz, slot)
    return redirect(url_for(".quiz", slug=slug, key=key))


@bp.route("/<slug>/quizzes/<key>/attempts")
@roles_required(*AUTHORS)
def attempts(slug: str, key: str) -> str:
    """Every attempt at the quiz: who, which try, when, score."""
    course = editable_course(slug)
    quiz = _quiz(course, key)
    rows = db.session.scalars(
        sa.select(Attempt)
        .where(Attempt.quiz_id == quiz.id)
        .options(sa.orm.joinedload(Attempt.user))
        .order_by(Attempt.started_at.desc())
    ).all()
    return render_template("quizzes/author/attempts.html", course=course, quiz=quiz, attempts=rows)


@bp.route("/<slug>/quizzes/<key>/analysis")
@roles_required(*AUTHORS)
def analysis(slug: str, key: str) -> str | Response:
    """Item analysis: facility, discrimination, distractors, score distribution, alpha."""
    course = editable_course(slug)
    quiz = _quiz(course, key)
    first_only = request.args.get("attempts") != "all"
    stats = analyse(attempt_records(quiz), first_only=first_only)
    if request.args.get("format") == "csv":
        header, *rows = to_csv_rows(stats)
        return csv_response(rows, f"{quiz.key}-analysis.csv", header=header)
    if request.args.get("format") == "xlsx":
        about = [
            (_("Course"), course.title),
            (_("Quiz"), quiz.title),
            (_("Attempts"), _("First attempts only.") if first_only else _("All attempts.")),
        ]
        return xlsx_response(
            to_sheet_rows(stats),
            f"{quiz.key}-analysis.xlsx",
            CSV_HEADER,
            sheet=_("Item analysis"),
            about=about,
            about_sheet=_("Filters"),
        )
    labels, choice_labels, graded_by_hand = question_labels(quiz)
    return render_template(
        "quizzes/author/analysis.html",
        course=course,
        quiz=quiz,
        stats=stats,
        first_only=first_only,
        labels=labels,
        choice_labels=choice_labels,
        graded_by_hand=graded_by_hand,
        flag_labels=FLAG_LABELS,
        enough=MIN_ATTEMPTS_TO_INTERPRET,
        low_discrimination=FLAG_LOW_DISCRIMINATION,
    )


def author_links(course: Course) -> list[tuple[str, str]]:
    """Links on the course's authoring page to its quizzes and question bank."""
    return [
        (_("Quizzes"), url_for("quiz_authoring.quizzes", slug=course.slug)),
        (_("Question bank"), url_for("quiz_authoring.question_bank", slug=course.slug)),
    ]
