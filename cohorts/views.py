"""Cohort pages of trainers (my cohorts, settings, invite code, adding learners) and joining."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from cohorts import services
from cohorts.forms import (
    CodeForm,
    CohortForm,
    JoinForm,
    JoinRegisterForm,
    MembersForm,
    day_end,
    day_start,
    local_day,
    read_module_dates,
)
from cohorts.models import Cohort
from courses.models import Course
from training.accounts import services as accounts
from training.accounts.models import Role
from training.accounts.views import sign_in
from training.errors import ServiceError
from training.extensions import db, limiter
from training.organizations.forms import org_choices
from training.organizations.models import Organization
from training.organizations.services import tree
from training.transaction import render_form, service_errors

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")

FRESH_CODE = "cohort_fresh_code"  # session key: the code just made, shown once to its maker


def load_cohort(cohort_id: int) -> Cohort:
    """The cohort (404) that the current user runs (403)."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not services.may_manage(cohort, current_user):
        abort(403)
    return cohort


def _trainer_only() -> None:
    if not (current_user.is_admin or current_user.has_role(Role.TRAINER)):
        abort(403)


@bp.route("/")
@login_required
def desk() -> str:
    """The trainer's desk: the cohorts I run and the courses I may start one for."""
    _trainer_only()
    courses = [
        c
        for c in db.session.scalars(sa.select(Course).order_by(Course.slug))
        if c.published_revision is not None and services.may_create(c, current_user)
    ]
    cohorts = services.cohorts_of_trainer(current_user)
    return render_template(
        "cohorts/desk.html",
        cohorts=cohorts,
        waiting=services.waiting_by_cohort([c.id for c in cohorts]),
        courses=courses,
    )


def _form_choices(form: CohortForm) -> None:
    none = SelectChoice("", _("— as without a cohort —"))
    form.organization.choices = [none, *org_choices(tree())]


def _settings(form: CohortForm, course: Course) -> services.CohortSettings:
    """The form's settings; module dates read in the union's time zone."""
    keys = [m["key"] for m in course.published_revision.outline]
    dates, bad = read_module_dates(request.form, keys)
    if bad:
        raise ServiceError(_("“%(value)s” is not a date.", value=next(iter(bad.values()))), "dates")
    org_id = int(form.organization.data) if form.organization.data else None
    if org_id is not None and db.session.get(Organization, org_id) is None:
        raise ServiceError(_("Choose an organization from the list."), "organization")
    return services.CohortSettings(
        name=form.name.data,
        starts_at=day_start(form.starts_on.data),
        ends_at=day_end(form.ends_on.data),
        capacity=form.capacity.data,
        organization_id=org_id,
        co_trainers=form.usernames(),
        dates=dates,
    )


@bp.route("/new/<slug>", methods=["GET", "POST"])
@login_required
def create(slug: str) -> str | Response | tuple[str, int]:
    """Start a cohort of a course: its name, dates, places, organization, co-trainers."""
    course = db.first_or_404(sa.select(Course).where(Course.slug == slug))
    if course.published_revision is None:
        abort(404)
    if not services.may_create(course, current_user):
        abort(403)
    form = CohortForm()
    _form_choices(form)
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            cohort, code = services.create_cohort(course, _settings(form, course), current_user)
        if outcome.ok:
            session[FRESH_CODE] = [cohort.id, code]
            flash(_("The cohort is ready. Send its link to the learners."), "success")
            return redirect(url_for(".settings", cohort_id=cohort.id))
    return render_form(
        "cohorts/form.html", form, course=course, cohort=None, dates={}, posted=request.form
    )


@bp.route("/<int:cohort_id>/settings", methods=["GET", "POST"])
@login_required
def settings(cohort_id: int) -> str | Response | tuple[str, int]:
    """A cohort's settings, its invite link (shown once when made) and adding learners."""
    cohort = load_cohort(cohort_id)
    course = cohort.course
    if course.published_revision is None:
        abort(404)
    form = CohortForm(obj=None if request.method == "POST" else _prefill(cohort))
    _form_choices(form)
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            services.update_cohort(cohort, _settings(form, course), current_user)
        if outcome.ok:
            flash(_("Saved."), "success")
            return redirect(url_for(".settings", cohort_id=cohort.id))
    fresh = session.get(FRESH_CODE)
    code = None
    if fresh and fresh[0] == cohort.id:
        code = fresh[1]
        session.pop(FRESH_CODE, None)
    return render_form(
        "cohorts/form.html",
        form,
        course=course,
        cohort=cohort,
        code=code,
        dates=services.module_dates(cohort),
        local_day=local_day,
        posted=request.form,
        members_form=MembersForm(formdata=None),
        join_form=JoinForm(formdata=None),
    )


def _prefill(cohort: Cohort) -> object:
    """The cohort's stored settings as the form's initial values."""
    from types import SimpleNamespace

    trainers = [t.user.username for t in _trainer_rows(cohort) if t.user_id != current_user.id]
    return SimpleNamespace(
        name=cohort.name,
        starts_on=local_day(cohort.starts_at),
        ends_on=local_day(cohort.ends_at),
        capacity=cohort.capacity,
        organization=str(cohort.organization_id or ""),
        co_trainers=", ".join(trainers),
    )


def _trainer_rows(cohort: Cohort) -> list:
    from cohorts.models import CohortTrainer

    return list(
        db.session.scalars(sa.select(CohortTrainer).where(CohortTrainer.cohort_id == cohort.id))
    )


@bp.route("/<int:cohort_id>/code", methods=["POST"])
@login_required
def regenerate_code(cohort_id: int) -> Response:
    """A new invite link and code; the old ones stop working."""
    cohort = load_cohort(cohort_id)
    if not JoinForm().validate_on_submit():
        abort(400)
    session[FRESH_CODE] = [cohort.id, services.new_code(cohort, current_user.id)]
    flash(_("A new link is ready; the old one no longer works."), "success")
    return redirect(url_for(".settings", cohort_id=cohort.id))


@bp.route("/<int:cohort_id>/members", methods=["POST"])
@login_required
def add_members(cohort_id: int) -> str | tuple[str, int]:
    """Add existing accounts by username, with what happened to each name."""
    cohort = load_cohort(cohort_id)
    form = MembersForm()
    results: list[tuple[str, bool, str]] = []
    if form.validate_on_submit():
        results = services.add_members(cohort, form.names()[:200], current_user)
    return render_form("cohorts/members.html", form, cohort=cohort, results=results)


# ---- joining ------------------------------------------------------------------------------


def _register_limit() -> str:
    return current_app.config["REGISTER_LIMIT_PER_IP"]


@bp.route("/course/<slug>/code", methods=["POST"])
@login_required
def code_on_course(slug: str) -> Response:
    """A cohort code typed on a course page: to the join page when it is this course's."""
    course = db.first_or_404(sa.select(Course).where(Course.slug == slug))
    form = CodeForm()
    if not form.validate_on_submit():
        flash(_("Type the code your trainer gave you."), "error")
        return redirect(url_for("courses.course", slug=slug))
    cohort = services.find_by_code(form.code.data)
    if cohort is None:
        flash(_("This cohort code is not known. Check it and try again."), "error")
    elif cohort.course_id != course.id:
        flash(_("This code is for a cohort of another course."), "error")
    else:
        return redirect(url_for(".join", code=form.code.data.strip()))
    return redirect(url_for("courses.course", slug=slug))


@bp.route("/join/<code>", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def join(code: str) -> str | Response | tuple[str, int]:
    """A cohort's invite link: a learner confirms and joins; a newcomer registers into it."""
    cohort = services.find_by_code(code)
    if cohort is None:
        return render_template(
            "cohorts/join_refused.html",
            reason=_(
                "This link is not valid: it may have been mistyped or replaced by a new one. "
                "Ask your trainer for the current link."
            ),
        ), 404
    if not current_user.is_authenticated:
        return _register_into(cohort, code)
    if services.is_member(cohort, current_user.id):
        return redirect(url_for("courses.course", slug=cohort.course.slug))
    problem = services.join_problem(cohort, current_user.id)
    form = JoinForm()
    if problem is None and form.validate_on_submit():
        with service_errors(form) as outcome:
            services.join(cohort, current_user)
        if outcome.ok:
            flash(_("You joined the cohort “%(name)s”.", name=cohort.name), "success")
            return redirect(url_for("courses.course", slug=cohort.course.slug))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "cohorts/join.html", cohort=cohort, code=code, form=form, problem=problem
    ), status


def _register_into(cohort: Cohort, code: str) -> str | Response | tuple[str, int]:
    """Registration through a cohort link: the account, placed in the cohort's organization."""
    problem = services.join_problem(cohort, -1)
    form = JoinRegisterForm()
    if problem is None and form.validate_on_submit():
        with service_errors(form) as outcome:
            organization = _placed_in(cohort)
            user = accounts.create_user(
                form.username.data,
                form.password.data,
                organization,
                display_name=form.display_name.data or "",
                email=form.email.data,
            )
            services.join(cohort, user)
        if outcome.ok:
            sign_in(user)
            flash(_("Welcome! You are in the cohort “%(name)s”.", name=cohort.name), "success")
            return redirect(url_for("courses.course", slug=cohort.course.slug))
    page, status = render_form(
        "cohorts/join_register.html", form, cohort=cohort, code=code, problem=problem
    )
    return page, 422 if problem and request.method == "POST" else status


def _placed_in(cohort: Cohort) -> Organization:
    """The cohort's organization, or the root of the tree when it names none."""
    if cohort.organization_id is not None:
        found = db.session.get(Organization, cohort.organization_id)
        if found is not None:
            return found
    root = db.session.scalar(
        sa.select(Organization).where(Organization.parent_id.is_(None)).order_by(Organization.id)
    )
    if root is None:
        raise ServiceError(_("Registration is not open yet. Ask your organization for an invite."))
    return root
