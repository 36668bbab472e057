"""Notification pages: my notifications, my preferences, and unsubscribing without a login."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from training.accounts.forms import EmptyForm
from training.extensions import csrf, limiter
from training.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_template_global()
def unread_notifications() -> int:
    """The header's count: the signed-in person's unread notifications (0 for visitors)."""
    if not current_user.is_authenticated:
        return 0
    loaded = getattr(current_user, "unread_loaded", None)  # read with the session's row
    return loaded if loaded is not None else services.unread_count(current_user)


@bp.route("/")
@login_required
def index() -> str:
    """The person's newest notifications; showing them marks them read (a small write on GET,
    like a lesson's first view: the page itself is what reading them means)."""
    notes = services.recent(current_user)
    items = [services.shown(note) for note in notes]
    services.mark_read(current_user, notes)
    return render_template("notifications/index.html", items=items)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> str | Response:
    """Per kind: in the app only, or by e-mail too (sent only to a verified address)."""
    form = EmptyForm()
    if form.validate_on_submit():
        for kind in services.kinds():
            chosen = request.form.get(f"kind-{kind.name}", "")
            if chosen not in services.CHANNELS:
                abort(400)  # only a forged form sends anything else
            services.set_preference(current_user, kind.name, chosen)
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for(".settings"))
    return render_template(
        "notifications/settings.html",
        form=form,
        kinds=services.kinds(),
        chosen=services.preferences(current_user),
    )


def _unsubscribe_limit() -> str:
    return current_app.config["UNSUBSCRIBE_LIMIT_PER_IP"]


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@limiter.limit(_unsubscribe_limit)
@csrf.exempt  # the signed token is the authority; mail clients' one-click POST has no form
def unsubscribe(token: str) -> str | Response:
    """Turn off e-mail of one kind for the person the signed link names; no login needed.

    A GET only asks (link scanners open links); the button, or a one-click POST, does it.
    """
    found = services.read_unsubscribe_token(token[:500])
    if found is None:
        return render_template("notifications/unsubscribe.html", kind=None, done=False), 404
    user, kind = found
    if request.method == "POST":
        services.set_preference(user, kind.name, "app")
        return render_template("notifications/unsubscribe.html", kind=kind, done=True)
    return render_template("notifications/unsubscribe.html", kind=kind, done=False, token=token)
