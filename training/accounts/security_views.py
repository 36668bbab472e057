"""Account security pages: two-factor settings and the list of active sessions.

Registered on the accounts blueprint (see the end of training/accounts/views.py).
"""

from __future__ import annotations

from flask import Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from training.accounts import sessions, two_factor
from training.accounts.forms import (
    RecoveryCodesForm,
    TwoFactorDisableForm,
    TwoFactorSetupForm,
)
from training.accounts.models import UserSession
from training.accounts.reauth import fresh_login_required
from training.accounts.views import bp, sign_out, two_factor_limits
from training.extensions import db
from training.security import safe_next
from training.transaction import render_form, service_errors

#: What a user who must enrol may still reach: the enrolment page, logging out,
#: the language switch and static files.
ENROLMENT_ALLOWED = frozenset(
    {
        "accounts.two_factor_setup",
        "accounts.reauthenticate",  # the setup page asks for it after 10 minutes
        "accounts.logout",
        "main.set_language",
        "static",
    }
)


def install_two_factor_enforcement(app: Flask) -> None:
    """One hook for the whole app: staff without two-factor see only the enrolment page."""

    @app.before_request
    def _require_enrolment() -> Response | None:
        if request.endpoint in ENROLMENT_ALLOWED or request.endpoint is None:
            return None
        if request.blueprint == "health":  # probes must not load accounts (or need the database)
            return None
        user = current_user._get_current_object()
        if not user.is_authenticated or user.two_factor_enabled:
            return None
        if not two_factor.two_factor_required(user):
            return None
        # Remember where they were going: the codes page leads on there once they are set.
        going = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.two_factor_setup", next=going))


@bp.route("/two-factor")
@login_required
def two_factor_overview() -> str:
    """The user's two-factor status, with the ways to set it up, renew codes or turn it off."""
    return render_template(
        "accounts/two_factor.html",
        required=two_factor.two_factor_required(current_user),
        codes_left=(
            two_factor.recovery_codes_left(current_user) if current_user.two_factor_enabled else 0
        ),
    )


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@login_required
@fresh_login_required
def two_factor_setup() -> str | Response:
    """Enrol an authenticator app: show its secret and QR code, then check one code."""
    if current_user.two_factor_enabled:
        return redirect(url_for(".two_factor_overview"))
    row = sessions.current_session()
    if row is None:  # a login always has its row; without one there is nowhere to keep it
        abort(403)
    secret = two_factor.pending_secret(row)
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            codes = two_factor.enable_two_factor(
                current_user, secret, form.code.data, keep=sessions.current_session()
            )
        if outcome.ok:
            flash(_("Two-factor authentication is on."), "success")
            # Shown once, in this response only: they are stored hashed.
            onward = safe_next(request.args.get("next", ""), url_for("main.home"))
            return render_template(
                "accounts/recovery_codes.html", codes=codes, form=None, onward=onward
            )
    uri = two_factor.provisioning_uri(secret, current_user.username)
    return render_form(
        "accounts/two_factor_setup.html",
        form,
        secret=two_factor.format_secret(secret),
        qr=two_factor.qr_svg(uri, _("QR code for your authenticator app")),
        uri=uri,
        required=two_factor.two_factor_required(current_user),
    )


@bp.route("/two-factor/disable", methods=["GET", "POST"])
@login_required
@two_factor_limits[0]
@two_factor_limits[1]
def two_factor_disable() -> str | Response:
    """Turn two-factor off with the password and a code; staff must then enrol again."""
    if not current_user.two_factor_enabled:
        return redirect(url_for(".two_factor_overview"))
    required = two_factor.two_factor_required(current_user)
    form = TwoFactorDisableForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            two_factor.disable_two_factor(current_user, form.password.data, form.code.data)
        if outcome.ok:
            if required:
                flash(_("The old authenticator is removed. Set up the new one now."), "success")
                return redirect(url_for(".two_factor_setup"))
            flash(_("Two-factor authentication is off."), "success")
            return redirect(url_for(".two_factor_overview"))
    return render_form("accounts/two_factor_disable.html", form, required=required)


@bp.route("/two-factor/recovery-codes", methods=["GET", "POST"])
@login_required
@fresh_login_required
@two_factor_limits[0]
@two_factor_limits[1]
def recovery_codes() -> str | Response:
    """Replace all recovery codes with ten new ones (the password is asked first)."""
    if not current_user.two_factor_enabled:
        return redirect(url_for(".two_factor_overview"))
    form = RecoveryCodesForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            codes = two_factor.regenerate_recovery_codes(current_user, form.password.data)
        if outcome.ok:
            flash(_("New recovery codes are ready; the old ones no longer work."), "success")
            onward = safe_next(request.args.get("next", ""), url_for("main.home"))
            return render_template(
                "accounts/recovery_codes.html", codes=codes, form=None, onward=onward
            )
    return render_form("accounts/recovery_codes.html", form, codes=None)


@bp.route("/sessions")
@login_required
def sessions_list() -> str:
    """The account's active sessions (device hint, start, last use) with ways to end them."""
    return render_template(
        "accounts/sessions.html",
        rows=sessions.active_sessions(current_user),
        current=sessions.current_session(),
    )


@bp.route("/sessions/<session_id>/end", methods=["POST"])
@login_required
def session_end(session_id: str) -> Response:
    """Log out one session of one's own account (another account's session is a 404)."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    current = sessions.current_session()
    if current is not None and row.id == current.id:
        sign_out()
        flash(_("You have logged out."), "success")
        return redirect(url_for("main.home"))
    sessions.end_session(row)
    flash(_("That session has ended: the device must log in again."), "success")
    return redirect(url_for(".sessions_list"))


@bp.route("/sessions/end-others", methods=["POST"])
@login_required
def sessions_end_others() -> Response:
    """Log out every other session of the account; this one goes on."""
    ended = sessions.end_sessions(current_user, keep=sessions.current_session())
    if ended:
        message = ngettext(
            "Logged out everywhere else: %(num)d session ended.",
            "Logged out everywhere else: %(num)d sessions ended.",
            ended,
        )
    else:
        message = _("There were no other sessions.")
    flash(message, "success")
    return redirect(url_for(".sessions_list"))
