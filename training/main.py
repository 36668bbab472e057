"""Site-wide pages: the home page and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from training import hooks
from training.security import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
def home() -> str:
    """Landing page for visitors and the starting point for logged-in users."""
    # Each section is HTML its package rendered from its own template.
    sections = [
        Markup(render())  # noqa: S704 - rendered from our own autoescaped templates
        for render in hooks.home_sections
    ]
    return render_template("home.html", sections=sections)


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Switch the interface language; remembered in a cookie and on the account.

    CSRF is checked for every POST by CSRFProtect before any view runs.
    """
    back = safe_next(request.form.get("next"), url_for(".home"))
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        return redirect(back)
    response = redirect(back)
    response.set_cookie(
        current_app.config["LANGUAGE_COOKIE"],
        lang,
        max_age=365 * 24 * 3600,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    if current_user.is_authenticated:
        current_user.locale = lang
    return response
