"""In-app notifications: stored per person, counted in the header, mailed when wanted.

Kinds are registered through `training.hooks.notification_kinds` by whoever sends them; the
core registers its own two here (a reset code issued for my account, a role granted).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from training import hooks
from training.accounts.models import Role


def _reset_code_text(params: dict[str, Any]) -> str:
    return _(
        "A one-time code to set a new password for your account was issued by %(by)s. "
        "If you did not ask for it, tell your organization at once.",
        by=params.get("by", "?"),
    )


def _role_text(params: dict[str, Any]) -> str:
    try:
        role = Role(params.get("role", "")).label
    except ValueError:
        role = str(params.get("role", ""))
    text = _("You have been given the role “%(role)s”.", role=role)
    if params.get("two_factor"):
        text += " " + _(
            "Two-factor authentication will be required at your next login: have a phone "
            "with an authenticator app ready."
        )
    return text


def _no_link(_params: dict[str, Any]) -> None:
    return None


CORE_KINDS = (
    hooks.NotificationKind(
        "reset_code", _l("A reset code issued for my account"), _reset_code_text, _no_link
    ),
    hooks.NotificationKind("role_granted", _l("A role given to me"), _role_text, _no_link),
)


def init_app(app: Flask) -> None:
    """Register the notification pages, the header count and the core's kinds."""
    from training.notifications.views import bp

    app.register_blueprint(bp)
    for kind in CORE_KINDS:
        hooks.notification_kinds.register(app, kind)
