"""Writing mail: a message to a person, in their language, queued in the current transaction.

Nothing is sent here. The row is flushed with the request's other changes; once the request
commits, a background thread delivers what is due (training.mail.delivery), and the
`mail send` command delivers anything left. A request that rolls back sends nothing.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from training.accounts.models import User
from training.db import after_commit
from training.extensions import db
from training.mail.models import OutboxMessage

#: Subject lines name no course, result or person: they show on lock screens and in lists.
SUBJECTS = {
    "email_verify": _l("Confirm your e-mail address"),
    "password_reset": _l("Resetting your password"),
    "notification": _l("A new notification"),
}


def user_locale(user: User) -> str:
    """The language a person reads: their chosen one, else the platform's default."""
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def external_url(endpoint: str, **values: object) -> str:
    """An absolute address on this platform (PUBLIC_BASE_URL), from a request or a command."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context():
        return base + url_for(endpoint, **values)


def queue_mail(
    user: User,
    template: str,
    *,
    address: str | None = None,
    unsubscribe_url: str = "",
    **context: object,
) -> OutboxMessage | None:
    """Put a message to `user` in the outbox, rendered in their language; None without an
    address. Only the verification mail may go to an address not yet verified (`address`)."""
    recipient = address or user.verified_email
    if not recipient:
        return None
    # Templates need a request (the site's template globals); commands get a stand-in one.
    outside = nullcontext() if has_request_context() else current_app.test_request_context()
    with outside, force_locale(user_locale(user)):
        subject = f"{current_app.config['PLATFORM_NAME']}: {SUBJECTS[template]}"
        values = {
            "user": user,
            "platform_name": current_app.config["PLATFORM_NAME"],
            "home_url": external_url("main.home"),
            "unsubscribe_url": unsubscribe_url,
            **context,
        }
        text = render_template(f"mail/{template}.txt", **values)
        html = render_template(f"mail/{template}.html", **values)
    message = OutboxMessage(
        user_id=user.id,
        recipient=recipient,
        kind=template,
        subject=subject[:200],
        body_text=text,
        body_html=html,
        unsubscribe_url=unsubscribe_url,
    )
    db.session.add(message)
    db.session.flush()
    deliver_after_commit()
    return message


def deliver_after_commit() -> None:
    """Once this transaction commits, deliver what is due in a background thread (once)."""
    if not current_app.config["MAIL_SEND_AFTER_COMMIT"]:
        return
    pending = db.session().info.get("after_commit", [])
    if _start_delivery not in pending:
        after_commit(_start_delivery)


def _start_delivery() -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    threading.Thread(target=_deliver_in_background, args=(app,), name="mail", daemon=True).start()


def _deliver_in_background(app: object) -> None:
    """Deliver due mail outside the request (a hung SMTP server delays no page)."""
    from training.mail.delivery import deliver_due

    with app.app_context():  # type: ignore[attr-defined]
        try:
            deliver_due()
        except Exception:  # the outbox keeps the messages; `mail send` retries them
            app.logger.exception("background mail delivery failed")  # type: ignore[attr-defined]
        finally:
            db.session.remove()
