"""The outbox: mail is written in the request's transaction and delivered after it, through a
real local SMTP server; a refusing, failing or hung server never fails the request, the
message stays queued and is retried with backoff, and administrators see the failure."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.conftest import login, post
from tests.mail_helpers import free_port, hanging_server
from training.db import utcnow
from training.extensions import db
from training.mail.delivery import SmtpSettings, SmtpTransport, deliver_due, retry_delay
from training.mail.models import OutboxMessage
from training.mail.outbox import queue_mail


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def transport_to(port: int, timeout: float = 5) -> SmtpTransport:
    return SmtpTransport(SmtpSettings("127.0.0.1", port, "none", "", "", timeout))


def change_email(client, address: str):
    return post(client, "/account/email", {"email": address})


def test_adding_an_email_queues_a_verification_delivered_after_commit(client, users, mailbox):
    login(client, "learner")
    r = change_email(client, "Learner@Example.org")
    assert r.status_code == 302
    [row] = outbox()
    assert row.status == "pending" and row.recipient == "learner@example.org"
    assert mailbox.messages == []  # nothing is sent inside the request
    report = deliver_due()
    assert report.sent == 1
    [message] = mailbox.messages
    assert message["To"] == "learner@example.org"
    # The subject names the platform and what it is, nothing personal; Russian by default.
    assert message["Subject"] == "Профсоюзная школа: Подтвердите адрес электронной почты"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
    html = message.get_body(("html",)).get_content()
    assert "<img" not in html  # no remote images
    [row] = outbox()
    assert row.status == "sent" and row.sent_at is not None
    assert row.body_text == row.body_html == ""  # a queue, not an archive
    assert deliver_due().sent == 0  # sent once


def test_the_message_is_in_the_recipients_language(ctx, users, mailbox):
    learner = users["learner"]
    learner.email, learner.locale = "l@example.org", "en"
    queue_mail(learner, "email_verify", address="l@example.org", link="http://x/y", hours=48)
    deliver_due()
    [message] = mailbox.messages
    assert message["Subject"] == "Профсоюзная школа: Confirm your e-mail address"
    assert "Hello, learner!" in message.get_body(("plain",)).get_content()


def test_a_refused_form_queues_nothing(client, users, make_user, mailbox):
    make_user("other", email="taken@example.org")
    login(client, "learner")
    assert change_email(client, "taken@example.org").status_code == 422
    assert outbox() == []


def queue_one(client) -> None:
    login(client, "learner")
    assert change_email(client, "learner@example.org").status_code == 302


def test_a_refused_connection_keeps_the_message_and_retries_with_backoff(client, users, clock):
    queue_one(client)
    report = deliver_due(transport_to(free_port()))
    assert report.retrying == 1 and report.sent == 0
    [row] = outbox()
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error == "connection refused by the mail server"
    assert row.next_attempt_at > utcnow()
    # Not due again before the backoff has passed...
    assert deliver_due(transport_to(free_port())).retrying == 0
    clock.advance(retry_delay(1) + timedelta(seconds=1))
    deliver_due(transport_to(free_port()))
    [row] = outbox()
    assert row.attempts == 2
    assert row.next_attempt_at - row.last_attempt_at == retry_delay(2) == 2 * retry_delay(1)


def test_4xx_and_5xx_answers_keep_the_message_queued(client, users, mailbox, clock):
    queue_one(client)
    mailbox.mode = "4xx"
    assert deliver_due().retrying == 1
    assert outbox()[0].last_error.startswith("SMTP 451")
    clock.advance(timedelta(hours=1))
    mailbox.mode = "5xx"
    assert deliver_due().retrying == 1
    assert outbox()[0].last_error.startswith("SMTP 550")
    assert mailbox.messages == []
    clock.advance(timedelta(hours=1))
    mailbox.mode = "ok"
    assert deliver_due().sent == 1
    [row] = outbox()
    assert row.status == "sent" and row.attempts == 3 and row.last_error == ""


def test_a_hung_server_is_given_up_on_and_retried(client, users):
    queue_one(client)
    with hanging_server() as port:
        report = deliver_due(transport_to(port, timeout=0.5))
    assert report.retrying == 1
    [row] = outbox()
    assert row.status == "pending" and row.last_error.startswith("timed out")


def test_after_the_last_attempt_the_message_is_given_up(app, client, users, clock):
    queue_one(client)
    for _attempt in range(app.config["MAIL_MAX_ATTEMPTS"]):
        deliver_due(transport_to(free_port()))
        clock.advance(timedelta(days=1))
    [row] = outbox()
    assert row.status == "failed" and row.attempts == app.config["MAIL_MAX_ATTEMPTS"]
    assert deliver_due(transport_to(free_port())).given_up == 0  # never tried again


def test_admins_see_failures_but_not_bodies_and_can_retry(client, users, mailbox, clock):
    queue_one(client)
    deliver_due(transport_to(free_port()))
    body = outbox()[0].body_text
    post(client, "/account/logout")
    login(client, "admin")
    page = client.get("/admin/mail/").get_data(as_text=True)
    assert "learner@example.org" in page
    assert "connection refused by the mail server" in page
    assert "Проверка адреса электронной почты" in page
    link_line = next(line for line in body.splitlines() if "/account/email/verify/" in line)
    assert link_line.strip() not in page  # the verification link is not shown
    [row] = outbox()
    assert post(client, f"/admin/mail/{row.id}/retry").status_code == 302
    assert deliver_due().sent == 1  # due at once, without waiting for the backoff
    assert len(mailbox.messages) == 1


def test_only_admins_see_delivery(login_as, client):
    login_as("organizer")
    assert client.get("/admin/mail/").status_code == 403


def test_two_nodes_never_send_one_message_twice(ctx, users, mailbox):
    """Two claims running one after the other in separate transactions take disjoint rows;
    the claim is one UPDATE (SKIP LOCKED on PostgreSQL, the write lock on SQLite)."""
    from training.mail.delivery import claim_due

    learner = users["learner"]
    for n in range(3):
        queue_mail(learner, "email_verify", address=f"a{n}@example.org", link="x", hours=1)
    first = claim_due(utcnow(), 2)
    second = claim_due(utcnow(), 2)
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)
    assert claim_due(utcnow(), 2) == []  # all claimed until the claim expires


def test_unconfigured_smtp_leaves_mail_queued(tmp_path):
    from tests.conftest import extra_app

    app = extra_app(tmp_path, MAIL_HOST="", MAIL_BACKEND="smtp")
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 1 and "MAIL_HOST is not set" in result.output


def test_development_writes_mail_to_the_console(tmp_path):
    from tests.conftest import extra_app
    from training.mail.delivery import ConsoleTransport, default_transport

    app = extra_app(tmp_path, ENVIRONMENT="development", MAIL_BACKEND="")
    with app.app_context():
        assert isinstance(default_transport(), ConsoleTransport)
