"""Administrators' view of mail delivery: what failed or waits, why, and a retry button.

Bodies are never shown: administrators see the facts of delivery, not what people were told.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from training.accounts.models import Role
from training.extensions import db
from training.mail.delivery import retry_now
from training.mail.models import OutboxMessage
from training.paging import numbered_pager
from training.params import int_arg
from training.permissions import roles_required

bp = Blueprint("mail", __name__, url_prefix="/admin/mail")

KIND_LABELS = {
    "email_verify": _l("E-mail address check"),
    "password_reset": _l("Password reset link"),
    "notification": _l("Notification"),
}


@bp.route("/")
@roles_required(Role.ADMIN)
def failures() -> str:
    """Messages that failed for good or failed at least once and wait for a retry."""
    query = (
        sa.select(OutboxMessage)
        .where(
            sa.or_(
                OutboxMessage.status == "failed",
                sa.and_(OutboxMessage.status == "pending", OutboxMessage.last_error != ""),
            )
        )
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )
    page_number = int_arg("page", 1, minimum=1, maximum=100_000) or 1
    page = db.paginate(query, page=page_number, per_page=50, error_out=False)
    waiting = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == "pending")
    )
    return render_template(
        "admin/mail.html",
        page=page,
        page_links=numbered_pager(page, lambda n: url_for(".failures", page=n)),
        waiting=waiting,
        kind_labels=KIND_LABELS,
    )


@bp.route("/<int:message_id>/retry", methods=["POST"])
@roles_required(Role.ADMIN)
def retry(message_id: int) -> Response:
    """Try a failed or waiting message again at the next delivery."""
    row = db.get_or_404(OutboxMessage, message_id)
    if row.status == "sent":
        flash(_("This message has been delivered already."), "info")
    else:
        retry_now(row)
        flash(_("The message will be tried again at the next delivery."), "success")
    return redirect(url_for(".failures"))
