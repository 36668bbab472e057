"""Pages for the organization tree (admins) and invite codes (admins and organizers)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from training.accounts.models import Role, User
from training.extensions import db
from training.organizations import services
from training.organizations.forms import InviteForm, OrganizationForm, org_choices
from training.organizations.models import InviteCode, Organization, OrgKind
from training.params import int_arg
from training.permissions import roles_required
from training.transaction import render_form, service_errors

bp = Blueprint("organizations", __name__, url_prefix="/organizations")


def _load_org(org_id: int) -> Organization:
    return db.get_or_404(Organization, org_id)


def _check_manage(org: Organization) -> None:
    if not current_user.can_manage_organization(org):
        abort(403)


@bp.route("/")
@roles_required(Role.ADMIN, Role.ORGANIZER)
def index() -> str:
    """The tree as the viewer may see it: all of it for admins, their subtree for organizers."""
    root = None if current_user.is_admin else current_user.organization
    orgs = services.tree(root)
    counts = dict(
        db.session.execute(
            sa.select(User.organization_id, sa.func.count())
            .where(User.organization_id.in_([o.id for o in orgs]))
            .group_by(User.organization_id)
        ).all()
    )
    return render_template("organizations/index.html", orgs=orgs, counts=counts)


def _parent_from_form(form: OrganizationForm) -> Organization | None:
    return db.session.get(Organization, int(form.parent.data)) if form.parent.data else None


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create() -> str | Response:
    """Admins add an organization to the tree."""
    form = OrganizationForm()
    form.parent.choices = org_choices(services.tree(), allow_none=True)
    if request.method == "GET" and (parent_id := int_arg("parent")) is not None:
        parent = _load_org(parent_id)
        form.parent.data = str(parent.id)
        levels = list(OrgKind)
        form.kind.data = str(levels[min(parent.org_kind.level + 1, len(levels) - 1)])
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            org = services.create_organization(
                form.name.data,
                OrgKind(form.kind.data),
                _parent_from_form(form),
                actor_id=current_user.id,
            )
        if outcome.ok:
            flash(_("Organization “%(name)s” added.", name=org.name), "success")
            return redirect(url_for(".index"))
    return render_form("organizations/form.html", form, org=None)


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(org_id: int) -> str | Response:
    """Admins rename an organization, change its level or move it with its subtree."""
    org = _load_org(org_id)
    form = (
        OrganizationForm(name=org.name, kind=org.kind, parent=str(org.parent_id or ""))
        if request.method == "GET"
        else OrganizationForm()
    )
    form.parent.choices = org_choices(
        [o for o in services.tree() if not o.is_within(org)], allow_none=True
    )
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            services.update_organization(
                org,
                form.name.data,
                OrgKind(form.kind.data),
                _parent_from_form(form),
                actor_id=current_user.id,
            )
        if outcome.ok:
            flash(_("Changes saved."), "success")
            return redirect(url_for(".index"))
    return render_form("organizations/form.html", form, org=org)


@bp.route("/<int:org_id>/delete", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def delete(org_id: int) -> str | Response:
    """Admins delete an empty organization after confirming."""
    org = _load_org(org_id)
    if request.method == "POST":
        with service_errors() as outcome:
            services.delete_organization(org, actor_id=current_user.id)
        if not outcome.ok:
            return redirect(url_for(".delete", org_id=org_id))
        flash(_("Organization deleted."), "success")
        return redirect(url_for(".index"))
    return render_template("organizations/delete.html", org=org)


@bp.route("/<int:org_id>/invites", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.ORGANIZER)
def invites(org_id: int) -> str | Response:
    """Invite codes of one organization: list and create (admins, organizers of the subtree)."""
    org = _load_org(org_id)
    _check_manage(org)
    form = InviteForm()
    if form.validate_on_submit():
        expires_at = None
        if form.expires_on.data:
            expires_at = datetime.combine(form.expires_on.data, time.max, tzinfo=UTC)
        with service_errors(form) as outcome:
            invite = services.create_invite(
                org, current_user.id, expires_at=expires_at, max_uses=form.max_uses.data
            )
        if outcome.ok:
            flash(_("New invite code: %(code)s", code=services.format_code(invite.code)), "success")
            return redirect(url_for(".invites", org_id=org.id))
    codes = db.session.scalars(
        sa.select(InviteCode)
        .where(InviteCode.organization_id == org.id)
        .order_by(InviteCode.created_at.desc())
    ).all()
    return render_form(
        "organizations/invites.html",
        form,
        org=org,
        codes=codes,
        format_code=services.format_code,
        now=datetime.now(UTC),
    )


@bp.route("/invites/<int:invite_id>/revoke", methods=["POST"])
@roles_required(Role.ADMIN, Role.ORGANIZER)
def revoke_invite(invite_id: int) -> Response:
    """Withdraw an invite code."""
    invite = db.get_or_404(InviteCode, invite_id)
    _check_manage(invite.organization)
    services.revoke_invite(invite, actor_id=current_user.id)
    flash(_("The invite code has been withdrawn."), "success")
    return redirect(url_for(".invites", org_id=invite.organization_id))
