"""Site-wide pages: the home page and the language switch."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from werkzeug.routing import Map
from werkzeug.wrappers import Response

from training import hooks
from training.accounts.two_factor import two_factor_required
from training.fragments import fragment
from training.security import safe_next
from training.urls import fixed_url

bp = Blueprint("main", __name__)

# The core's own header links; feature packages register theirs in their init_app. The order
# numbers interleave them: Courses 10, Authoring 20, Organizations 30, Statistics 40, Users 50,
# Certificates 60, My account 70.
CORE_LINKS = (
    hooks.NavLink(_l("Organizations"), "organizations.index", 30, hooks.holding("organizer")),
    hooks.NavLink(_l("Users"), "admin.users", 50, hooks.holding("admin")),
    hooks.NavLink(_l("My account"), "accounts.profile", 70, hooks.signed_in),
)


@bp.record_once
def _register_core_links(state: BlueprintSetupState) -> None:
    """Put the core's links in the header of each app this blueprint is registered on."""
    for link in CORE_LINKS:
        hooks.navigation.register(state.app, link)


def header_links() -> tuple[tuple[str, str], ...]:
    """The header's links for the current user: ((label, url), ...) in order."""
    if enrolment_pending():  # every link would bounce back to the enrolment page
        return ()
    viewer = current_user._get_current_object()  # once, not through the proxy for each link
    shown = tuple(link.endpoint for link in hooks.navigation if link.visible(viewer))
    return _labelled(current_app.url_map, request.script_root, str(get_locale()), shown)


@lru_cache(maxsize=64)
def _labelled(
    _url_map: Map, _script_root: str, _locale: str, shown: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    # Keyed by what the labels and links depend on: a few link sets per role, per language.
    links = sorted((x for x in hooks.navigation if x.endpoint in shown), key=lambda x: x.order)
    return tuple((str(x.label), fixed_url(x.endpoint)) for x in links)


@bp.app_template_global()
def footer_links() -> tuple[tuple[str, str], ...]:
    """The footer's package links as ((label, url), ...), for base.html's footer fragment."""
    return _footer_labelled(current_app.url_map, request.script_root, str(get_locale()))


@lru_cache(maxsize=16)
def _footer_labelled(_url_map: Map, _script_root: str, _locale: str) -> tuple[tuple[str, str], ...]:
    # Keyed as the header's (_labelled): the app's links, its root and the language.
    return tuple((str(x.label), fixed_url(x.endpoint)) for x in hooks.footer_links)


@bp.app_template_global()
def site_links() -> Markup:
    """The header's links as HTML for base.html: rendered once per set of links and language."""
    return fragment("site_links.fragment.html", links=header_links())


@bp.app_template_global()
def enrolment_pending() -> bool:
    """True for staff who must set up two-factor before anything else opens to them."""
    user = current_user._get_current_object()
    return bool(user.is_authenticated and not user.two_factor_enabled and two_factor_required(user))


@bp.route("/")
def home() -> str:
    """Landing page for visitors and the starting point for logged-in users."""
    # Each section is HTML its package rendered from its own template.
    sections = [
        Markup(section.render())  # noqa: S704 - rendered from our own autoescaped templates
        for section in sorted(hooks.home_sections, key=lambda section: section.order)
    ]
    return render_template("home.html", sections=sections)


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Switch the interface language; remembered in a cookie and on the account.

    CSRF is checked for every POST by CSRFProtect before any view runs.
    """
    response = _language_cookie(request.form)
    lang = request.form.get("lang", "")
    if current_user.is_authenticated and lang in current_app.config["LANGUAGES"]:
        current_user.locale = lang
    return response


@bp.route("/language/choose")
def choose_language() -> Response:
    """Switch the language of a visitor without an account: the cookie only.

    A link rather than a form with a CSRF token, so that public pages (the certificate check
    page) carry nothing of one visitor and can be kept and served to the next. Changing only
    display preference, it is harmless if someone else's page triggers it; logged-in people
    switch with the form above, so a link elsewhere cannot change what they see.
    """
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for(".home")))
    return _language_cookie(request.args)


def _language_cookie(values: Mapping[str, str]) -> Response:
    """Back to the page the switch was on, with the language cookie set when it is known."""
    back = safe_next(values.get("next"), url_for(".home"))
    lang = values.get("lang", "")
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
    return response
