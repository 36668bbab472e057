"""Account pages: register, log in, log out, profile and password change."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from training.accounts import services
from training.accounts.forms import LoginForm, PasswordChangeForm, ProfileForm, RegisterForm
from training.accounts.models import User
from training.errors import ServiceError, show_error
from training.extensions import db, form_username_key, limiter
from training.security import safe_next

bp = Blueprint("accounts", __name__, url_prefix="/account")


def init_login(manager: LoginManager) -> None:
    """Tell Flask-Login how to load users and where the login page is."""
    manager.login_view = "accounts.login"
    manager.login_message = None
    manager.session_protection = "basic"

    @manager.user_loader
    def _load(user_id: str) -> User | None:
        # "id:version": a password change bumps the version and logs out other sessions.
        ident, _sep, version = user_id.partition(":")
        if not ident.isdigit() or not version.isdigit():
            return None
        # Roles in the same query: every page's menu needs them.
        user = db.session.get(User, int(ident), options=[joinedload(User.role_rows)])
        if user is None or user.auth_version != int(version):
            return None
        return user


def _failed_login(response: Response) -> bool:
    """Count a login against the per-account limit only when it failed."""
    return response.status_code != 302


def _login_ip_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _login_account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_LIMIT_PER_IP"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register() -> str | Response:
    """New learners create an account, optionally with their organization's invite code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if request.method == "GET" and request.args.get("invite"):
        form.invite.data = request.args["invite"][:40]
    if form.validate_on_submit():
        try:
            user = services.register(
                form.username.data,
                form.password.data,
                invite_code=form.invite.data or "",
                display_name=form.display_name.data or "",
                email=form.email.data,
                invite_required=current_app.config["REGISTRATION_REQUIRES_INVITE"],
            )
        except ServiceError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            login_user(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("main.home"))
    return render_template(
        "accounts/register.html",
        form=form,
        invite_required=current_app.config["REGISTRATION_REQUIRES_INVITE"],
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"])
@limiter.limit(
    _login_account_limit, methods=["POST"], key_func=form_username_key, deduct_when=_failed_login
)
def login() -> str | Response:
    """Log in with username and password."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data, url_for("main.home")))
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            form.password.errors = [_("Wrong username or password.")]
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data, url_for("main.home")))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """End this session (a POST with CSRF, so a link elsewhere cannot log anyone out)."""
    logout_user()
    flash(_("You have logged out."), "success")
    return redirect(url_for("main.home"))


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile() -> str | Response:
    """The user's own details: name and optional e-mail."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower() or None
        taken = email and db.session.scalar(
            sa.select(User.id).where(User.email == email, User.id != current_user.id)
        )
        if taken:
            form.email.errors = [_("This e-mail address is already registered.")]
        else:
            current_user.display_name = (form.display_name.data or "").strip()
            current_user.email = email
            flash(_("Your details are saved."), "success")
            return redirect(url_for(".profile"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> str | Response:
    """Change one's own password; other sessions of the account are logged out."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except ServiceError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            login_user(current_user._get_current_object())  # re-issue with the new version
            flash(_("Your password has been changed."), "success")
            return redirect(url_for(".profile"))
    return render_template("accounts/password.html", form=form)
