"""Account pages: register, log in (password, then any two-factor code), log out, profile."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from training.accounts import login_limits, recovery, services, sessions, two_factor
from training.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
    TwoFactorLoginForm,
)
from training.accounts.models import User
from training.extensions import db, limiter
from training.security import safe_next
from training.transaction import render_form, service_errors

bp = Blueprint("accounts", __name__, url_prefix="/account")

#: Session keys: a login waiting for its code, and a secret waiting for enrolment.
PENDING_KEY = "two_factor_pending"
SETUP_KEY = "two_factor_setup"


def init_login(manager: LoginManager) -> None:
    """Tell Flask-Login how to load users and where the login page is."""
    manager.login_view = "accounts.login"
    manager.login_message = None
    manager.session_protection = "basic"

    @manager.user_loader
    def _load(user_id: str) -> User | None:
        # The cookie holds "id:version" and the token of a server-side session. The session
        # row must exist and be live, and a password change bumps the version.
        ident, _sep, version = user_id.partition(":")
        token = session.get(sessions.TOKEN_KEY)
        row = sessions.load_session(token) if isinstance(token, str) and token else None
        if (
            row is None
            or not ident.isdigit()
            or not version.isdigit()
            or row.user_id != int(ident)
            or row.user.auth_version != int(version)
        ):
            # Logged out for good: the cookie forgets the dead session.
            session.pop(sessions.TOKEN_KEY, None)
            session.pop("_user_id", None)
            return None
        g.user_session = row
        return row.user


CSRF_KEY = "csrf_token"  # where Flask-WTF keeps its secret, in the session and in g


def sign_in(user: User, *, remember: bool = False) -> None:
    """Log `user` in on this browser: a new server-side session and the cookie pointing to it."""
    row, token = sessions.start_session(user, request.headers.get("User-Agent", ""))
    # A new CSRF secret too: a token seen before the login (say, planted by someone who used
    # this browser) must not work for the account.
    for key in (PENDING_KEY, SETUP_KEY, CSRF_KEY):
        session.pop(key, None)
    g.pop(CSRF_KEY, None)
    login_user(user)
    session[sessions.TOKEN_KEY] = token
    login_limits.remember_device(user)  # this browser keeps its own allowance from now on
    # "Keep me logged in": the browser keeps the cookie after closing, up to the absolute
    # timeout; otherwise it forgets it when closed. The server-side limits apply either way.
    session.permanent = remember
    g.user_session = row


def sign_out() -> None:
    """End this browser's session on the server and in the cookie."""
    row = sessions.current_session()
    if row is not None:
        sessions.end_session(row)
    logout_user()
    for key in (sessions.TOKEN_KEY, PENDING_KEY, SETUP_KEY):
        session.pop(key, None)
    g.pop("user_session", None)


def after_login(user: User, target: str | None) -> str:
    """Where a fresh login goes: enrolment first when the user's role requires it."""
    if not user.two_factor_enabled and two_factor.two_factor_required(user):
        return url_for("accounts.two_factor_setup")
    return safe_next(target, url_for("main.home"))


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
        with service_errors(form) as outcome:
            user = services.register(
                form.username.data,
                form.password.data,
                invite_code=form.invite.data or "",
                display_name=form.display_name.data or "",
                email=form.email.data,
                invite_required=current_app.config["REGISTRATION_REQUIRES_INVITE"],
            )
            if user.email:  # optional; it receives nothing but this link until confirmed
                recovery.send_verification(user)
        if outcome.ok:
            sign_in(user)
            flash(_("Welcome! Your account is ready."), "success")
            # Back to where the visitor was going (a course they wanted to join).
            return redirect(safe_next(request.args.get("next", ""), url_for("main.home")))
    return render_form(
        "accounts/register.html",
        form,
        invite_required=current_app.config["REGISTRATION_REQUIRES_INVITE"],
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"])
@limiter.limit(
    _login_account_limit,
    methods=["POST"],
    key_func=login_limits.login_account_key,
    deduct_when=_failed_login,
)
def login() -> str | Response | tuple[str, int]:
    """Log in with username and password; accounts with two-factor then go to the code step."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data, url_for("main.home")))
    if form.validate_on_submit():
        if wait := login_limits.waiting_seconds(form.username.data):
            # Checked before the password: a guess made now would tell nothing either way.
            form.password.errors = [
                ngettext(
                    "This account has had many wrong passwords lately. Wait %(num)d second "
                    "and try again.",
                    "This account has had many wrong passwords lately. Wait %(num)d seconds "
                    "and try again.",
                    wait,
                )
            ]
            return render_template("accounts/login.html", form=form), 429
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            login_limits.record_failure(form.username.data)
            form.password.errors = [_("Wrong username or password.")]
        else:
            login_limits.record_success(user.username)
            if user.two_factor_enabled:
                # Half-way: nobody is logged in until the code is right.
                session[PENDING_KEY] = {
                    "user": user.id,
                    "version": user.auth_version,
                    "at": int(time.time()),
                    "remember": bool(form.remember.data),
                    "next": safe_next(form.next.data, ""),
                }
                return redirect(url_for(".login_code"))
            sign_in(user, remember=bool(form.remember.data))
            return redirect(after_login(user, form.next.data))
    return render_form("accounts/login.html", form)


def pending_user() -> User | None:
    """The user who gave a correct password moments ago and owes a code, or None."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    try:
        user_id, version, started = int(pending["user"]), int(pending["version"]), pending["at"]
    except (KeyError, TypeError, ValueError):
        return None
    if time.time() - float(started) > current_app.config["TWO_FACTOR_PENDING_SECONDS"]:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.auth_version != version:
        return None
    return user if user.two_factor_enabled else None


def two_factor_account_key() -> str:
    """Rate-limit key for wrong codes: the account waiting for its code, or the logged-in one."""
    pending = session.get(PENDING_KEY)
    if isinstance(pending, dict) and "user" in pending:
        return f"two-factor:{pending['user']}"
    if current_user.is_authenticated:
        return f"two-factor:{current_user.id}"
    return "two-factor:none"


def _two_factor_ip_limit() -> str:
    return current_app.config["TWO_FACTOR_LIMIT_PER_IP"]


def _two_factor_account_limit() -> str:
    return current_app.config["TWO_FACTOR_LIMIT_PER_ACCOUNT"]


def _too_many_codes() -> str:
    return _(
        "Too many wrong codes. For your safety, entering codes is paused for this account "
        "for a while. Wait a few minutes and try again."
    )


#: The code step's limits, shared by the pages that check a second factor or a password.
two_factor_limits = (
    limiter.limit(_two_factor_ip_limit, methods=["POST"], error_message=_too_many_codes),
    limiter.limit(
        _two_factor_account_limit,
        methods=["POST"],
        key_func=two_factor_account_key,
        deduct_when=_failed_login,
        error_message=_too_many_codes,
    ),
)


@bp.route("/login/code", methods=["GET", "POST"])
@two_factor_limits[0]
@two_factor_limits[1]
def login_code() -> str | Response:
    """Second step of a login: a code from the authenticator app or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = pending_user()
    if user is None:
        if session.pop(PENDING_KEY, None) is not None:
            flash(_("The time to enter the code has run out. Please log in again."), "error")
        return redirect(url_for(".login"))
    form = TwoFactorLoginForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            method = two_factor.verify_second_factor(user, form.code.data)
        if outcome.ok:
            pending = session[PENDING_KEY]
            sign_in(user, remember=bool(pending.get("remember")))
            if method == "recovery":
                left = two_factor.recovery_codes_left(user)
                flash(
                    ngettext(
                        "You used a recovery code; %(num)d is left. Each works only once.",
                        "You used a recovery code; %(num)d are left. Each works only once.",
                        left,
                    ),
                    "info",
                )
            return redirect(after_login(user, pending.get("next")))
    return render_form("accounts/login_code.html", form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """End this session (a POST with CSRF, so a link elsewhere cannot log anyone out)."""
    sign_out()
    flash(_("You have logged out."), "success")
    return redirect(url_for("main.home"))


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile() -> str | Response:
    """The user's own details: the name here; the optional e-mail has its own page."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.display_name = (form.display_name.data or "").strip()
        flash(_("Your details are saved."), "success")
        return redirect(url_for(".profile"))
    return render_form("accounts/profile.html", form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> str | Response:
    """Change one's own password; other sessions of the account are logged out."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            services.change_password(
                current_user,
                form.current_password.data,
                form.new_password.data,
                keep=sessions.current_session(),
            )
        if outcome.ok:
            login_user(current_user._get_current_object())  # re-issue with the new version
            flash(_("Your password has been changed."), "success")
            return redirect(url_for(".profile"))
    return render_form("accounts/password.html", form)


# The two-factor settings and the sessions page live in their own module on this blueprint.
from training.accounts import recovery_views as _recovery_views  # noqa: E402, F401
from training.accounts import security_views as _security_views  # noqa: E402, F401
