"""Admin pages: find users, assign roles and organizations, block accounts."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from training.accounts.models import Role, User, UserRole
from training.admin import services
from training.admin.forms import UserAdminForm
from training.errors import ServiceError, show_error
from training.extensions import db
from training.organizations.forms import org_choices
from training.organizations.models import Organization
from training.organizations.services import tree
from training.permissions import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


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
                User.display_name.contains(q, autoescape=True),
            )
        )
    if role in {str(r) for r in Role}:
        query = query.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == role)))
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", page=page, q=q, role=role, roles=list(Role))


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
        try:
            services.update_user(
                user,
                {Role(r) for r in form.roles.data},
                organization,
                active=form.active.data,
            )
        except ServiceError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for(".users"))
    return render_template("admin/user_edit.html", form=form, user=user)
