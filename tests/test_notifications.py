"""In-app notifications: kinds registered through the hook, the header count, per-kind
preferences, e-mail only to verified addresses, and unsubscribing without logging in."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from tests.conftest import login, post
from tests.privacy_helpers import earn_certificate
from tests.quiz_helpers import build_quiz
from training import hooks
from training.accounts.models import Role, User
from training.db import utcnow
from training.extensions import db
from training.mail.delivery import deliver_due
from training.mail.models import OutboxMessage
from training.notifications import services
from training.notifications.models import Notification, NotificationPreference


def notes_of(user_id: int) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        )
    )


def verify(user: User, address: str) -> None:
    """Mark an address verified directly (the verification flow has its own tests)."""
    row = db.session.get(User, user.id)
    row.email, row.email_verified_at = address, utcnow()
    db.session.commit()


def test_a_certificate_notifies_in_the_app_and_by_email(client, users, mailbox):
    verify(users["learner"], "learner@example.org")
    _course, quiz = build_quiz(users["trainer"], questions_per_page=0)
    login(client, "learner")
    certificate = earn_certificate(client, quiz, own_words="слово")
    [note] = notes_of(users["learner"].id)
    assert note.kind == "certificate_issued" and note.read_at is None
    home = client.get("/").get_data(as_text=True)
    assert 'Уведомления <span class="badge">1' in home
    page = client.get("/notifications/").get_data(as_text=True)
    assert f"«{certificate.course_title}» готов" in page and 'href="/certificates/"' in page
    assert 'class="badge"' not in client.get("/").get_data(as_text=True)  # read now
    assert deliver_due().sent == 1
    [message] = mailbox.messages
    # The subject names neither the course nor the result.
    assert message["Subject"] == "Профсоюзная школа: новое уведомление"
    assert certificate.course_title in message.get_body(("plain",)).get_content()
    assert message["List-Unsubscribe"].startswith(
        "<http://127.0.0.1:5000/notifications/unsubscribe/"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_unverified_addresses_get_no_notification_mail(ctx, users):
    learner = users["learner"]
    learner.email = "unverified@example.org"
    services.notify(learner, "certificate_issued", course="Курс")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_app_only_is_respected(client, users, mailbox):
    verify(users["learner"], "learner@example.org")
    login(client, "learner")
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "Мне выдан сертификат" in page and "Письма приходят на learner@example.org" in page
    choices = {f"kind-{kind.name}": "email" for kind in services.kinds()}
    choices["kind-certificate_issued"] = "app"
    assert post(client, "/notifications/settings", choices).status_code == 302
    services.notify(db.session.get(User, users["learner"].id), "certificate_issued", course="К")
    services.notify(db.session.get(User, users["learner"].id), "role_granted", role="trainer")
    db.session.commit()
    deliver_due()
    assert len(mailbox.messages) == 1  # only the role


def test_a_forged_preference_changes_nothing(client, users):
    login(client, "learner")
    choices = {f"kind-{kind.name}": "app" for kind in services.kinds()}
    choices["kind-certificate_issued"] = "sms"
    assert post(client, "/notifications/settings", choices).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationPreference)) == 0


def unsubscribe_path(mailbox) -> str:
    deliver_due()
    header = mailbox.messages[-1]["List-Unsubscribe"].strip("<>")
    return "/" + header.split("/", 3)[3]


def test_the_unsubscribe_link_works_without_login(app, ctx, users, mailbox):
    verify(users["learner"], "learner@example.org")
    learner = db.session.get(User, users["learner"].id)
    services.notify(learner, "certificate_issued", course="Курс")
    db.session.commit()
    path = unsubscribe_path(mailbox)
    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200 and "Больше не присылать" in page.get_data(as_text=True)
    assert services.channel(learner, services.find_kind("certificate_issued")) == "email"
    # The mail client's one-click POST carries no form token; the signature is the authority.
    done = visitor.post(path)
    assert done.status_code == 200 and "Готово" in done.get_data(as_text=True)
    db.session.expire_all()
    assert services.channel(learner, services.find_kind("certificate_issued")) == "app"
    assert services.channel(learner, services.find_kind("role_granted")) == "email"


def test_a_forged_unsubscribe_token_changes_nothing(app, ctx, users):
    learner = users["learner"]
    token = services.unsubscribe_token(learner, "certificate_issued")
    visitor = app.test_client()
    for bad in (
        # The second-to-last character: the last one also carries padding bits, so a change
        # there alone may decode to the same signature.
        token[:-2] + ("x" if token[-2] != "x" else "y") + token[-1],
        "garbage",
        token.replace(token[2], "Q" if token[2] != "Q" else "R"),
    ):
        assert visitor.post(f"/notifications/unsubscribe/{bad}").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationPreference)) == 0


def test_granting_a_staff_role_says_two_factor_comes_next(client, users, make_user):
    person = make_user("newcomer")
    login(client, "admin")
    post(
        client,
        f"/admin/users/{person.id}",
        {"roles": ["trainer"], "organization": person.organization_id, "active": "y"},
    )
    [note] = notes_of(person.id)
    assert note.kind == "role_granted" and note.params == {"role": "trainer", "two_factor": True}
    other = client.application.test_client()
    login(other, "newcomer")  # enrols two-factor on the way in
    page = other.get("/notifications/").get_data(as_text=True)
    assert "Вам назначена роль «Тренер»" in page
    assert "потребуется двухфакторная аутентификация" in page


def test_packages_register_kinds_and_unknown_kinds_are_a_bug(app, ctx, users):
    kind = hooks.NotificationKind(
        "test_kind", _l("Test"), lambda p: f"test {p['n']}", lambda p: None, email_by_default=False
    )
    hooks.notification_kinds.register(app, kind)
    try:
        note = services.notify(users["learner"], "test_kind", n=7)
        assert services.shown(note)["text"] == "test 7"
        with pytest.raises(ValueError):
            services.notify(users["learner"], "nobody_registered_this")
    finally:
        app.extensions["training.hooks"]["notification_kinds"].remove(kind)


def test_the_notifications_page_shows_only_ones_own(client, users):
    with client.application.test_request_context():
        services.notify(db.session.get(User, users["trainer"].id), "role_granted", role="trainer")
        db.session.commit()
    login(client, "learner")
    assert "Вам назначена роль" not in client.get("/notifications/").get_data(as_text=True)


def test_retention_deletes_old_notifications_and_sent_mail(app, ctx, users, clock):
    from training.privacy.messages import purge_messages

    learner = users["learner"]
    verify(learner, "learner@example.org")
    services.notify(learner, "role_granted", role=str(Role.TRAINER))
    db.session.query(OutboxMessage).update({"status": "sent"})
    db.session.flush()
    clock.advance(timedelta(days=app.config["MAIL_RETENTION_DAYS"] + 1))
    report = purge_messages(utcnow() - timedelta(days=730))
    assert report.mail == 1 and report.notifications == 0
    clock.advance(timedelta(days=app.config["NOTIFICATION_RETENTION_DAYS"]))
    assert purge_messages(utcnow() - timedelta(days=730)).notifications == 1


def test_inactive_accounts_lose_their_address_and_messages(ctx, users):
    from training.privacy.messages import purge_messages

    learner = users["learner"]
    verify(learner, "learner@example.org")
    services.notify(db.session.get(User, learner.id), "role_granted", role="trainer")
    report = purge_messages(utcnow() + timedelta(days=1))  # everyone counts as inactive
    assert report.addresses >= 1 and report.notifications == 1 and report.mail == 1
    db.session.expire_all()
    assert db.session.get(User, learner.id).email is None


def test_export_and_deletion_cover_address_notifications_preferences_and_mail(client, users):
    import io
    import json
    import zipfile

    from tests.conftest import PASSWORD

    learner_id = users["learner"].id
    verify(users["learner"], "learner@example.org")
    with client.application.test_request_context():
        learner = db.session.get(User, learner_id)
        services.notify(learner, "certificate_issued", course="Курс о новостях")
        services.set_preference(learner, "role_granted", "app")
        db.session.commit()
    login(client, "learner")
    archive = zipfile.ZipFile(io.BytesIO(post(client, "/account/data/export").get_data()))
    files = {
        name: json.loads(archive.read(name))
        for name in archive.namelist()
        if name.endswith(".json")
    }
    assert files["email.json"]["address"] == "learner@example.org"
    assert files["email.json"]["confirmed_at"]
    assert "«Курс о новостях» готов" in files["notifications.json"][0]["text"]
    assert files["notification_preferences.json"] == {"role_granted": "app"}
    assert files["mail.json"][0]["subject"] == "Профсоюзная школа: новое уведомление"
    assert post(client, "/account/delete", {"password": PASSWORD}).status_code == 302
    for model in (Notification, NotificationPreference, OutboxMessage):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
