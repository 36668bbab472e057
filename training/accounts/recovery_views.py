"""Pages for getting back in and for the e-mail address, on the accounts blueprint.

Public: forgot password (a link to a verified address), the link's page, the reset-code page
(username + code from staff + new password), the e-mail confirmation link. Signed in: the
e-mail address page and the confirm-your-password page for sensitive changes.
Registered on the accounts blueprint (see the end of training/accounts/views.py).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from training.accounts import recovery
from training.accounts.models import TokenPurpose, normalise_username
from training.accounts.reauth import confirm_identity, fresh_login_required
from training.accounts.recovery_forms import (
    ConfirmIdentityForm,
    EmailForm,
    ForgotPasswordForm,
    ResetCodeForm,
    ResetPasswordForm,
)
from training.accounts.views import bp, two_factor_limits
from training.extensions import limiter
from training.security import safe_next
from training.transaction import render_form, service_errors


def _ip_limit() -> str:
    return current_app.config["RESET_LIMIT_PER_IP"]


def _account_limit() -> str:
    return current_app.config["RESET_LIMIT_PER_ACCOUNT"]


def _code_account_limit() -> str:
    return current_app.config["RESET_CODE_LIMIT_PER_ACCOUNT"]


def _email_change_limit() -> str:
    return current_app.config["EMAIL_CHANGE_LIMIT_PER_ACCOUNT"]


def _identifier_key() -> str:
    raw = request.form.get("identifier", "")
    return "reset:account:" + (raw.strip().lower() if "@" in raw else normalise_username(raw))


def _code_username_key() -> str:
    return "reset-code:account:" + normalise_username(request.form.get("username", ""))


def _signed_in_key() -> str:
    if current_user.is_authenticated:
        return f"email-change:account:{current_user.id}"
    return f"email-change:address:{get_remote_address()}"


def _refused(response: Response) -> bool:
    return response.status_code != 302


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
@limiter.limit(_account_limit, methods=["POST"], key_func=_identifier_key)
def forgot() -> str | Response:
    """Ask for a reset link; the answer is the same whether or not the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_password_reset(form.identifier.data)
        flash(
            _(
                "If this account has a confirmed e-mail address, a link to set a new password "
                "is on its way; it works for one hour. No e-mail? Ask your organizer for a "
                "reset code."
            ),
            "info",
        )
        return redirect(url_for(".login"))
    return render_form("accounts/forgot.html", form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def reset_with_link(token: str) -> str | Response | tuple[str, int]:
    """Choose a new password through the e-mailed link (a GET only shows the form)."""
    if recovery.find_token(token, TokenPurpose.PASSWORD_RESET) is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            recovery.reset_with_link(token, form.password.data)
        if outcome.ok:
            flash(_("Your password has been changed. Log in with the new one."), "success")
            return redirect(url_for(".login"))
    return render_form("accounts/reset_password.html", form)


@bp.route("/reset-code", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
@limiter.limit(
    _code_account_limit, methods=["POST"], key_func=_code_username_key, deduct_when=_refused
)
def reset_with_code() -> str | Response:
    """Set a new password with the one-time code an organizer or administrator gave."""
    form = ResetCodeForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            recovery.reset_with_code(form.username.data, form.code.data, form.password.data)
        if outcome.ok:
            flash(_("Your password has been changed. Log in with the new one."), "success")
            return redirect(url_for(".login"))
    return render_form("accounts/reset_code.html", form)


@bp.route("/email", methods=["GET", "POST"])
@login_required
@fresh_login_required
@limiter.limit(_email_change_limit, methods=["POST"], key_func=_signed_in_key)
def email() -> str | Response:
    """Add, change or remove the e-mail address; a new one gets a confirmation link."""
    form = EmailForm(obj=current_user)
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            sent = recovery.change_email(current_user, form.email.data)
        if outcome.ok:
            if sent:
                flash(_("We sent a confirmation link to the address. Open it to confirm."), "info")
            else:
                flash(_("Your details are saved."), "success")
            return redirect(url_for(".profile"))
    return render_form("accounts/email.html", form)


@bp.route("/email/verify/<token>", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def email_verify(token: str) -> str | Response | tuple[str, int]:
    """Confirm an address from the e-mailed link; a GET asks (mail scanners open links)."""
    if recovery.find_token(token, TokenPurpose.EMAIL_VERIFY) is None:
        return render_template("accounts/email_verify.html", valid=False), 404
    if request.method == "POST":  # CSRFProtect has checked the form's token
        with service_errors() as outcome:
            recovery.verify_email(token)
        if outcome.ok:
            flash(_("Your e-mail address is confirmed."), "success")
            return redirect(url_for("main.home"))
        return render_template("accounts/email_verify.html", valid=False), 422
    return render_template("accounts/email_verify.html", valid=True, token=token)


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
@two_factor_limits[0]
@two_factor_limits[1]
def reauthenticate() -> str | Response:
    """Give the password (and a code) again before a sensitive change."""
    form = ConfirmIdentityForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            confirm_identity(current_user, form.password.data, form.code.data)
        if outcome.ok:
            return redirect(safe_next(form.next.data, url_for(".profile")))
    return render_form("accounts/confirm.html", form)
