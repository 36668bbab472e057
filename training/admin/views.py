"""Admin pages: find users, assign roles and organizations, block accounts, read the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from training.accounts.models import Role, User, UserRole, normalise_username
from training.admin import services
from training.admin.forms import AuditFilterForm, UserAdminForm
from training.audit import (
    AuditFilter,
    action_label,
    audit_query,
    detail_text,
    known_actions,
    target_label,
)
from training.extensions import db
from training.organizations.forms import org_choices
from training.organizations.models import Organization
from training.organizations.services import tree
from training.paging import numbered_pager
from training.params import int_arg
from training.permissions import roles_required
from training.transaction import render_form, service_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


def _page_number() -> int:
    """?page=N of a list (1 when absent or not a sensible page number)."""
    return int_arg("page", 1, minimum=1, maximum=100_000) or 1


@bp.route("/users")
@roles_required(Role.ADMIN)
def users() -> str:
    """Search accounts by username or name, filter by role; 50 per page."""
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    query = sa.select(User).order_by(User.username)
    if q:
        query = query.where(
            sa.or_(
                User.username.contains(q.casefold(), autoescape=True),
                sa.func.lower(User.display_name).contains(q.lower(), autoescape=True),
            )
        )
    if role in {str(r) for r in Role}:
        query = query.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == role)))
    page = db.paginate(query, page=_page_number(), per_page=PAGE_SIZE, error_out=False)
    page_links = numbered_pager(page, lambda n: url_for(".users", q=q, role=role, page=n))
    return render_template(
        "admin/users.html", page=page, page_links=page_links, q=q, role=role, roles=list(Role)
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_edit(user_id: int) -> str | Response:
    """Change one account's roles, organization and active flag."""
    user = db.get_or_404(User, user_id)
    if request.method == "GET":
        form = UserAdminForm(
            roles=[str(r) for r in user.roles],
            organization=str(user.organization_id),
            active=user.active,
        )
    else:
        form = UserAdminForm()
    form.organization.choices = org_choices(tree())
    if form.validate_on_submit():
        organization = db.session.get(Organization, int(form.organization.data))
        with service_errors(form) as outcome:
            must_enrol = services.update_user(
                user,
                {Role(r) for r in form.roles.data},
                organization,
                active=form.active.data,
                actor_id=current_user.id,
            )
        if outcome.ok:
            flash(_("Changes saved."), "success")
            if must_enrol:
                flash(_two_factor_notice(user), "info")
            return redirect(url_for(".users"))
    return render_form(
        "admin/user_edit.html",
        form,
        user=user,
        two_factor_roles=services.roles_needing_two_factor(),
    )


def _two_factor_notice(user: User) -> str:
    """What the admin is told after giving a staff role to someone without a second factor."""
    return _(
        "%(name)s has no second factor yet: at the next login they will have to set it up "
        "before using the new role. They have been notified.",
        name=user.username,
    )


@bp.route("/audit")
@roles_required(Role.ADMIN)
def audit_log() -> str:
    """The audit trail for administrators: filter by action, actor and dates; newest first."""
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("Any action"))] + [(a, action_label(a)) for a in known_actions()]
    where = AuditFilter()
    if form.validate():
        actor_ids = None
        if form.actor.data:
            actor_ids = list(
                db.session.scalars(
                    sa.select(User.id).where(
                        User.username.contains(normalise_username(form.actor.data), autoescape=True)
                    )
                )
            )
        where = AuditFilter(
            action=form.action.data or None,
            actor_ids=actor_ids,
            since=_day_start(form.since.data) if form.since.data else None,
            before=_day_start(form.until.data) + timedelta(days=1) if form.until.data else None,
        )
    page = db.paginate(audit_query(where), page=_page_number(), per_page=PAGE_SIZE, error_out=False)
    actor_names = dict(
        db.session.execute(
            sa.select(User.id, User.username).where(
                User.id.in_({e.actor_id for e in page.items if e.actor_id is not None})
            )
        ).all()
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/audit.html",
        form=form,
        page=page,
        page_links=numbered_pager(page, lambda n: url_for(".audit_log", page=n, **args)),
        actor_names=actor_names,
        action_label=action_label,
        detail_text=detail_text,
        target_label=target_label,
    )


def _day_start(day: date) -> datetime:
    """Midnight of a calendar day in the platform's time zone, as aware UTC."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
