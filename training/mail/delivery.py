"""Delivering the outbox: claim due messages, hand them to SMTP, record what happened.

Safe on several nodes at once. A claim is one UPDATE of the due rows: on PostgreSQL its
subquery locks them with FOR UPDATE SKIP LOCKED, so two nodes take different rows; on
SQLite the UPDATE holds the database's write lock. The claim is committed before any SMTP
traffic (no transaction waits on a mail server) and each result is committed on its own;
this module and the `mail send` command are the stated exceptions to "the request commits".
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Protocol

import sqlalchemy as sa
from flask import current_app

from training.db import utcnow
from training.extensions import db
from training.mail.models import OutboxMessage

log = logging.getLogger(__name__)


class Transport(Protocol):
    """Something that hands one message on, or raises."""

    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to reach the mail server (MAIL_* settings)."""

    host: str
    port: int
    security: str  # starttls | tls | none
    username: str
    password: str
    timeout: float

    @classmethod
    def from_config(cls) -> SmtpSettings:
        config = current_app.config
        return cls(
            host=config["MAIL_HOST"],
            port=int(config["MAIL_PORT"]),
            security=str(config["MAIL_SECURITY"]).lower(),
            username=config["MAIL_USERNAME"],
            password=config["MAIL_PASSWORD"],
            timeout=float(config["MAIL_TIMEOUT"]),
        )


class SmtpTransport:
    """Sends through an SMTP server; every step is bounded by the timeout."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        context = ssl.create_default_context()
        if s.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        with smtp:
            if s.security == "starttls":
                smtp.starttls(context=context)
            if s.username:
                smtp.login(s.username, s.password)
            smtp.send_message(message)


class ConsoleTransport:
    """Development: writes each message to standard error instead of sending it."""

    def send(self, message: EmailMessage) -> None:
        text = message.get_body(("plain",))
        body = text.get_content() if text is not None else ""
        print(
            f"---- mail to {message['To']}: {message['Subject']}\n{body}----",
            file=sys.stderr,
            flush=True,
        )


def default_transport() -> Transport | None:
    """The configured transport, or None when SMTP has no host (mail waits in the outbox)."""
    if current_app.config["MAIL_BACKEND"] == "console":
        return ConsoleTransport()
    settings = SmtpSettings.from_config()
    return SmtpTransport(settings) if settings.host else None


def build_message(row: OutboxMessage) -> EmailMessage:
    """The e-mail for an outbox row: plain text with a simple HTML alternative."""
    sender = current_app.config["MAIL_SENDER"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(idstring=f"outbox{row.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    if row.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message


def describe_failure(error: BaseException) -> str:
    """What went wrong, for administrators: the kind of fault and the server's code."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _text in error.recipients.values()})
        return f"SMTP {'/'.join(codes)}: recipient refused"
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode("utf-8", "replace") if error.smtp_error else ""
        return f"SMTP {error.smtp_code}: {text}"[:200]
    if isinstance(error, TimeoutError) or "timed out" in str(error):
        # smtplib reports a reply that never came as a disconnection "timed out"
        return "timed out: the mail server did not answer"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused by the mail server"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "the mail server closed the connection"
    return f"{type(error).__name__}: {error}"[:200]


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: doubling, up to the maximum."""
    config = current_app.config
    base = int(config["MAIL_RETRY_BASE_SECONDS"])
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), config["MAIL_RETRY_MAX_SECONDS"])
    )


def claim_due(now: datetime, limit: int) -> list[int]:
    """Take up to `limit` due messages for this node and commit the claim; their ids."""
    due = (
        sa.select(OutboxMessage.id)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(
            claimed_until=now + timedelta(seconds=int(current_app.config["MAIL_CLAIM_SECONDS"])),
            attempts=OutboxMessage.attempts + 1,
            last_attempt_at=now,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(claimed.scalars())
    db.session.commit()
    return ids


@dataclass
class DeliveryReport:
    """What one run did."""

    sent: int = 0
    retrying: int = 0
    given_up: int = 0


def deliver_due(transport: Transport | None = None, limit: int | None = None) -> DeliveryReport:
    """Deliver every due message (one claimed batch at a time); commits each result."""
    report = DeliveryReport()
    transport = transport or default_transport()
    if transport is None:
        return report
    batch = int(limit or current_app.config["MAIL_BATCH_SIZE"])
    db.session.commit()  # start the claim in a fresh transaction
    while ids := claim_due(utcnow(), batch):
        for message_id in ids:
            _deliver_one(message_id, transport, report)
        if limit is not None:
            break
    return report


def _deliver_one(message_id: int, transport: Transport, report: DeliveryReport) -> None:
    row = db.session.get(OutboxMessage, message_id)
    if row is None:  # the account was deleted meanwhile
        return
    message = build_message(row)
    db.session.commit()  # no transaction stays open while the server is talked to
    try:
        transport.send(message)
    except (smtplib.SMTPException, OSError) as error:
        _record_failure(row, describe_failure(error), report)
    else:
        row.status = "sent"
        row.sent_at = utcnow()
        row.claimed_until = None
        row.last_error = ""
        row.body_text = row.body_html = ""  # a queue, not an archive
        report.sent += 1
    db.session.commit()


def _record_failure(row: OutboxMessage, reason: str, report: DeliveryReport) -> None:
    log.warning("mail %s to account %s not delivered: %s", row.id, row.user_id, reason)
    row.last_error = reason
    row.claimed_until = None
    if row.attempts >= int(current_app.config["MAIL_MAX_ATTEMPTS"]):
        row.status = "failed"
        report.given_up += 1
    else:
        row.next_attempt_at = (row.last_attempt_at or utcnow()) + retry_delay(row.attempts)
        report.retrying += 1


def retry_now(row: OutboxMessage) -> None:
    """An administrator asks for another try of a failed or waiting message (flushes)."""
    row.status = "pending"
    row.next_attempt_at = utcnow()
    if row.attempts >= int(current_app.config["MAIL_MAX_ATTEMPTS"]):
        row.attempts = int(current_app.config["MAIL_MAX_ATTEMPTS"]) - 1  # one more try
    db.session.flush()
