"""People pages for staff: find a person in one's part of the tree, issue a reset code, and
(administrators) reset a lost second factor from the web.

Organizers reach only people in their own subtree (403 otherwise, whatever the URL); nobody
issues codes for an account with a higher role (training.accounts.recovery).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from training import hooks
from training.accounts import recovery
from training.accounts.models import Role, User
from training.accounts.reauth import fresh_login_required
from training.accounts.views import two_factor_limits
from training.admin.forms import TwoFactorResetForm
from training.admin.services import reset_second_factor
from training.extensions import db, limiter
from training.organizations.models import Organization
from training.paging import numbered_pager
from training.params import int_arg
from training.permissions import roles_required
from training.transaction import render_form, service_errors

bp = Blueprint("people", __name__, url_prefix="/people")

STAFF = (Role.ADMIN, Role.ORGANIZER)


@bp.record_once
def _register_link(state: BlueprintSetupState) -> None:
    """The header's People link, for organizers and administrators."""
    hooks.navigation.register(
        state.app, hooks.NavLink(_l("People"), "people.index", 35, hooks.holding("organizer"))
    )


def _load_person(user_id: int) -> User:
    """The person, if the viewer's part of the tree holds them (404 / 403 otherwise)."""
    person = db.get_or_404(User, user_id)
    if not current_user.can_manage_organization(person.organization):
        abort(403)
    return person


@bp.route("/")
@roles_required(*STAFF)
def index() -> str:
    """People in the viewer's part of the tree, found by username or name; 50 per page."""
    q = request.args.get("q", "").strip()[:64]
    query = sa.select(User).join(User.organization).order_by(User.username)
    if not current_user.is_admin:
        own = current_user.organization
        query = query.where(Organization.path.startswith(own.path, autoescape=True))
    if q:
        query = query.where(
            sa.or_(
                User.username.contains(q.casefold(), autoescape=True),
                sa.func.lower(User.display_name).contains(q.lower(), autoescape=True),
            )
        )
    page_number = int_arg("page", 1, minimum=1, maximum=100_000) or 1
    page = db.paginate(query, page=page_number, per_page=50, error_out=False)
    links = numbered_pager(page, lambda n: url_for(".index", q=q, page=n))
    return render_template("admin/people.html", page=page, page_links=links, q=q)


@bp.route("/<int:user_id>")
@roles_required(*STAFF)
def person(user_id: int) -> str:
    """One person as staff see them: organization, roles, whether they can reset by e-mail."""
    found = _load_person(user_id)
    return render_template(
        "admin/person.html",
        person=found,
        problem=recovery.reset_code_problem(current_user, found),
        code=None,
    )


def _issue_limit() -> str:
    return current_app.config["RESET_CODE_ISSUE_LIMIT"]


def _staff_key() -> str:
    return f"reset-code-issue:{current_user.id}" if current_user.is_authenticated else "anon"


@bp.route("/<int:user_id>/reset-code", methods=["POST"])
@roles_required(*STAFF)
@fresh_login_required
@limiter.limit(_issue_limit, key_func=_staff_key)
def reset_code(user_id: int) -> str | Response | tuple[str, int]:
    """Issue a one-time reset code and show it once (it is stored hashed)."""
    found = _load_person(user_id)
    with service_errors() as outcome:
        code = recovery.issue_reset_code(current_user, found)
    if not outcome.ok:
        return redirect(url_for(".person", user_id=found.id))
    page = render_template("admin/person.html", person=found, problem=None, code=code)
    return page, 200, {"Cache-Control": "no-store"}


@bp.route("/<int:user_id>/two-factor-reset", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@two_factor_limits[0]
@two_factor_limits[1]
def two_factor_reset(user_id: int) -> str | Response | tuple[str, int]:
    """Administrators remove a person's lost second factor after their own password and code;
    the person enrols again at the next login."""
    found = db.get_or_404(User, user_id)
    form = TwoFactorResetForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            reset_second_factor(current_user, found, form.password.data, form.code.data)
        if outcome.ok:
            flash(
                _(
                    "Two-factor authentication of %(name)s is reset; they set it up again at "
                    "their next login.",
                    name=found.username,
                ),
                "success",
            )
            return redirect(url_for(".person", user_id=found.id))
        page = render_template("admin/two_factor_reset.html", form=form, person=found)
        return page, 422  # refused: the request rolls back
    return render_form("admin/two_factor_reset.html", form, person=found)
