"""Re-authentication for sensitive changes: the password (and a code) again after 10 minutes.

Turning on or replacing two-factor, new recovery codes, changing the e-mail address, deleting
the account and resetting someone's second factor ask for it, so a copied session cookie
alone cannot lock the owner out. The moment is kept on the server-side session row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import current_app, redirect, request, url_for
from flask_login import current_user

from training.accounts import sessions
from training.accounts.models import User
from training.accounts.passwords import verify_password
from training.accounts.two_factor import verify_second_factor
from training.db import utcnow
from training.errors import ServiceError
from training.extensions import db


def recently_authenticated() -> bool:
    """True when this session's login or last confirmation is within REAUTH_SECONDS."""
    row = sessions.current_session()
    if row is None:
        return False
    moment = row.reauthenticated_at or row.created_at
    return utcnow() - moment <= timedelta(seconds=int(current_app.config["REAUTH_SECONDS"]))


def fresh_login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send the user to confirm their password first, unless they gave it moments ago.

    Put below @login_required. A POST that arrives stale is not carried out: the user
    confirms, comes back to the page and sends it again.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.is_authenticated and not recently_authenticated():
            return redirect(url_for("accounts.reauthenticate", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def confirm_identity(user: User, password: str, code: str | None) -> None:
    """Check the password (and the second factor when on); mark this session as fresh."""
    from flask_babel import gettext as _

    if not verify_password(user.password_hash, password):
        raise ServiceError(_("The password is not correct."), "password")
    if user.two_factor_enabled:
        if not code:
            raise ServiceError(_("Enter the code from your authenticator app."), "code")
        verify_second_factor(user, code)
    row = sessions.current_session()
    if row is not None:
        row.reauthenticated_at = utcnow()
    db.session.flush()
