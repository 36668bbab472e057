"""Privacy pages: the public privacy notice, "My data" with its download, account deletion.

Every route acts on the logged-in account only; none takes an account id, so another
person's data can be neither downloaded nor deleted from here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user
from limits import parse_many
from werkzeug.wrappers import Response as BaseResponse

from training.accounts.reauth import fresh_login_required
from training.db import utcnow
from training.downloads import file_response
from training.errors import show_error
from training.extensions import limiter
from training.privacy import services
from training.privacy.forms import DeleteAccountForm
from training.transaction import service_errors

bp = Blueprint("privacy", __name__)


def _export_limit() -> str:
    return current_app.config["EXPORT_LIMIT_PER_ACCOUNT"]


def _delete_limit() -> str:
    return current_app.config["DELETE_LIMIT_PER_ACCOUNT"]


def _account_key(prefix: str) -> Callable[[], str]:
    """Rate-limit key per account (per address for visitors, who are sent to log in anyway)."""

    def key() -> str:
        if current_user.is_authenticated:
            return f"{prefix}:account:{current_user.id}"
        return f"{prefix}:address:{get_remote_address()}"

    return key


def _failed(response: BaseResponse) -> bool:
    """Count a deletion attempt against the limit only when it was refused."""
    return response.status_code != 302


@bp.route("/account/data")
@login_required
def my_data() -> str:
    """The person's own data page: what is kept, the download, the way to delete the account."""
    return render_template("privacy/my_data.html")


@bp.route("/account/data/export", methods=["POST"])
@login_required
@limiter.limit(_export_limit, key_func=_account_key("export"))
def export() -> Response:
    """Download everything the platform holds about the logged-in person, as a zip of JSON."""
    data = services.export_personal_data(current_user._get_current_object())
    response = file_response(data, f"my-data-{utcnow():%Y-%m-%d}.zip", "application/zip")
    response.headers["Cache-Control"] = "no-store"  # personal data: no copy in any cache
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@fresh_login_required
@limiter.limit(
    _delete_limit, methods=["POST"], key_func=_account_key("delete"), deduct_when=_failed
)
def delete_account() -> str | BaseResponse:
    """The logged-in person deletes their own account after typing their password again."""
    form = DeleteAccountForm()
    problem = None
    if form.validate_on_submit():
        with service_errors(form, show=False) as outcome:
            services.delete_account(current_user._get_current_object(), form.password.data)
        if outcome.error and outcome.error.field:
            show_error(form, outcome.error)
        elif outcome.error:  # a rule refuses the deletion itself: shown above the form, not flashed
            problem = outcome.error.message
        else:
            logout_user()
            flash(_("Your account has been deleted. Thank you for learning with us."), "success")
            return redirect(url_for("main.home"))
    page = render_template(
        "privacy/delete.html",
        form=form,
        problem=problem or services.deletion_problem(current_user),
    )
    return page, 422 if request.method == "POST" else 200  # a POST that gets here was refused


def _duration(value: timedelta | float) -> str:
    """A duration setting (timedelta or seconds) for people: "14 days", "12 hours"."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    # Russian abbreviates the unit ("дн.", "ч."), so singular and plural share a translation.
    if seconds >= 86400:
        days = f"{round(seconds / 86400, 1):g}"
        return _("%(num)s day", num=days) if days == "1" else _("%(num)s days", num=days)
    hours = f"{round(seconds / 3600, 1):g}"
    return _("%(num)s hour", num=hours) if hours == "1" else _("%(num)s hours", num=hours)


def _longest_rate_window_hours() -> int:
    """The longest window of any rate limit in the configuration, in hours (at least 1)."""
    longest = 3600
    for name, value in current_app.config.items():
        if name.endswith(("_LIMIT_PER_IP", "_LIMIT_PER_ACCOUNT")) and isinstance(value, str):
            longest = max([longest, *(item.get_expiry() for item in parse_many(value))])
    return max(1, round(longest / 3600))


@bp.route("/privacy")
def privacy() -> str:
    """What the platform stores, who sees it and for how long (from the live configuration)."""
    config = current_app.config
    return render_template(
        "privacy/privacy.html",
        retention_days=int(config["PRIVACY_RETENTION_DAYS"]),
        min_group=int(config["STATS_MIN_GROUP"]),
        idle=_duration(config["SESSION_IDLE_TIMEOUT"]),
        absolute=_duration(config["SESSION_ABSOLUTE_TIMEOUT"]),
        rate_hours=_longest_rate_window_hours(),
    )
