"""Getting back in: a verified e-mail address, reset links by e-mail, reset codes from staff.

Every refusal (forged, expired, reused or another account's secret; staff of another region;
a higher role) shows a clear error and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import login, post
from training.accounts.models import AccountToken, Role, User
from training.accounts.passwords import verify_password
from training.audit import AuditEvent
from training.db import utcnow
from training.extensions import db
from training.mail.delivery import deliver_due
from training.notifications.models import Notification

NEW_PASSWORD = "a-brand-new-secret-phrase"


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def actions(user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.target_type == "user", AuditEvent.target_id == str(user_id))
            .order_by(AuditEvent.id)
        )
    )


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def verify_address(client, mailbox, address: str) -> None:
    """Add an address on the e-mail page and open the link the local SMTP server received."""
    assert post(client, "/account/email", {"email": address}).status_code == 302
    deliver_due()
    link = path_of(mailbox.link(mailbox.to(address)[-1], "/account/email/verify/"))
    assert post(client, link).status_code == 302


# ---- e-mail verification ---------------------------------------------------------------------


def test_an_address_is_verified_by_the_link_and_a_get_changes_nothing(client, users, mailbox):
    login(client, "learner")
    assert post(client, "/account/email", {"email": "me@example.org"}).status_code == 302
    assert fresh(users["learner"]).email_verified_at is None
    deliver_due()
    link = path_of(mailbox.link(mailbox.to("me@example.org")[0], "/account/email/verify/"))
    page = client.get(link)  # a mail scanner opening the link confirms nothing
    assert page.status_code == 200 and "Подтвердить адрес" in page.get_data(as_text=True)
    assert fresh(users["learner"]).email_verified_at is None
    assert post(client, link).status_code == 302
    assert fresh(users["learner"]).email_verified_at is not None
    assert "account.email_verified" in actions(users["learner"].id)
    # Used once: the link is gone.
    assert client.get(link).status_code == 404


def test_forged_expired_and_replaced_verification_links_change_nothing(
    client, users, mailbox, clock
):
    login(client, "learner")
    assert client.get("/account/email/verify/forged-token").status_code == 404
    post(client, "/account/email", {"email": "old@example.org"})
    deliver_due()
    old_link = path_of(mailbox.link(mailbox.to("old@example.org")[0], "/email/verify/"))
    post(client, "/account/email", {"email": "new@example.org"})  # replaces the address
    assert client.get(old_link).status_code == 404  # the new link replaced it
    deliver_due()
    new_link = path_of(mailbox.link(mailbox.to("new@example.org")[0], "/email/verify/"))
    clock.advance(timedelta(hours=49))
    r = client.get(new_link)
    assert r.status_code == 404 and "недействительна" in r.get_data(as_text=True)
    assert post(client, new_link).status_code == 404
    assert fresh(users["learner"]).email_verified_at is None


def test_a_link_for_an_address_changed_since_is_refused(ctx, users):
    from training.accounts import recovery
    from training.errors import ServiceError
    from training.mail.models import OutboxMessage

    learner = users["learner"]
    recovery.change_email(learner, "first@example.org")
    body = db.session.scalar(sa.select(OutboxMessage.body_text))
    secret = body.split("/account/email/verify/")[1].split()[0]
    learner.email = "changed@example.org"  # changed by another way meanwhile
    db.session.flush()
    with pytest.raises(ServiceError, match="адрес с тех пор изменился"):
        recovery.verify_email(secret)
    assert learner.email_verified_at is None


def test_unverified_addresses_get_no_reset_mail(client, users, mailbox):
    login(client, "learner")
    post(client, "/account/email", {"email": "me@example.org"})
    post(client, "/account/logout")
    deliver_due()
    mailbox.reset()
    assert post(client, "/account/forgot", {"identifier": "learner"}).status_code == 302
    assert deliver_due().sent == 0 and mailbox.messages == []


def test_changing_the_email_asks_for_the_password_after_ten_minutes(client, users, clock):
    login(client, "learner")
    clock.advance(timedelta(minutes=11))
    r = post(client, "/account/email", {"email": "late@example.org"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/account/confirm")
    assert fresh(users["learner"]).email is None


# ---- reset by e-mail link --------------------------------------------------------------------


@pytest.fixture
def verified(client, users, mailbox):
    """The learner with a verified address, logged out; the mailbox emptied."""
    login(client, "learner")
    verify_address(client, mailbox, "learner@example.org")
    post(client, "/account/logout")
    mailbox.reset()
    return users["learner"]


def reset_link(client, mailbox, identifier: str = "learner") -> str:
    r = post(client, "/account/forgot", {"identifier": identifier})
    assert r.status_code == 302
    deliver_due()
    message = mailbox.to("learner@example.org")[-1]
    assert message["Subject"] == "Профсоюзная школа: восстановление пароля"
    return path_of(mailbox.link(message, "/account/reset/"))


def test_the_forgot_page_answers_the_same_for_anyone(client, users, verified, mailbox):
    answers = set()
    for identifier in ("learner", "nobody-here", "trainer", "LEARNER@example.org"):
        r = post(client, "/account/forgot", {"identifier": identifier}, follow_redirects=True)
        answers.add((r.status_code, "ссылка для нового пароля" in r.get_data(as_text=True)))
    assert answers == {(200, True)}
    deliver_due()
    # One link for the username, one for the address; nothing for the others.
    assert len(mailbox.messages) == len(mailbox.to("learner@example.org")) == 2


def test_a_reset_link_sets_the_password_once_and_ends_every_session(app, client, verified, mailbox):
    other = app.test_client()
    login(other, "learner")
    link = reset_link(client, mailbox)
    page = client.get(link)
    assert page.status_code == 200 and "Задайте новый пароль" in page.get_data(as_text=True)
    r = post(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 302
    assert verify_password(fresh(verified).password_hash, NEW_PASSWORD)
    assert other.get("/account/").status_code == 302  # logged out everywhere
    assert "password.reset_link" in actions(verified.id)
    assert client.get(link).status_code == 404  # single use
    again = post(
        client, link, {"password": "yet-another-phrase-9", "confirm": "yet-another-phrase-9"}
    )
    assert again.status_code == 404
    assert verify_password(fresh(verified).password_hash, NEW_PASSWORD)


def test_forged_and_expired_reset_links_change_nothing(client, verified, mailbox, clock):
    before = fresh(verified).password_hash
    forged = post(
        client,
        "/account/reset/not-a-real-token",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert forged.status_code == 404 and "недействительна" in forged.get_data(as_text=True)
    link = reset_link(client, mailbox)
    clock.advance(timedelta(minutes=61))
    r = post(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 404
    assert fresh(verified).password_hash == before


def test_a_weak_password_through_the_link_keeps_the_link(client, verified, mailbox):
    link = reset_link(client, mailbox)
    r = post(client, link, {"password": "password", "confirm": "password"})
    assert r.status_code == 422 and "слишком" in r.get_data(as_text=True).lower()
    assert client.get(link).status_code == 200  # still usable


# ---- reset codes from staff ------------------------------------------------------------------


def issue_code(client, user_id: int) -> str:
    import re

    r = post(client, f"/people/{user_id}/reset-code")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.headers["Cache-Control"] == "no-store"
    match = re.search(r'id="reset-code">([0-9A-Z-]+)<', r.get_data(as_text=True))
    assert match
    return match.group(1)


def use_code(client, username: str, code: str, password: str = NEW_PASSWORD):
    return post(
        client,
        "/account/reset-code",
        {"username": username, "code": code, "password": password, "confirm": password},
    )


def test_an_organizer_issues_a_code_and_the_learner_sets_a_new_password(app, login_as, users):
    staff = login_as("organizer")
    learner = users["learner"]
    code = issue_code(staff, learner.id)
    assert "password.reset_code_issued" in actions(learner.id)
    [note] = db.session.scalars(sa.select(Notification).where(Notification.user_id == learner.id))
    assert note.kind == "reset_code" and note.params == {"by": "organizer"}
    visitor = app.test_client()
    r = use_code(visitor, "learner", code.lower().replace("-", " "))  # typed loosely
    assert r.status_code == 302
    assert verify_password(fresh(learner).password_hash, NEW_PASSWORD)
    assert "password.reset_code_used" in actions(learner.id)
    login(visitor, "learner", NEW_PASSWORD)
    # Used once.
    r = use_code(app.test_client(), "learner", code, "another-new-phrase-2")
    assert r.status_code == 422 and "код истёк или уже использован" in r.get_data(as_text=True)


def test_wrong_expired_and_other_account_codes_change_nothing(
    app, login_as, users, make_user, clock
):
    staff = login_as("organizer")
    make_user("neighbour")
    code = issue_code(staff, users["learner"].id)
    before = {name: fresh(users[name]).password_hash for name in ("learner",)}
    visitor = app.test_client()
    assert use_code(visitor, "neighbour", code).status_code == 422  # another account's code
    assert use_code(visitor, "learner", "AAAA-BBBB-CCCC").status_code == 422  # forged
    assert use_code(visitor, "nobody", code).status_code == 422
    clock.advance(timedelta(hours=24, seconds=1))
    r = use_code(visitor, "learner", code)
    assert r.status_code == 422
    assert fresh(users["learner"]).password_hash == before["learner"]
    assert db.session.scalar(sa.select(User).where(User.username == "neighbour")).auth_version == 1


def test_staff_of_another_region_cannot_issue_codes(login_as, users, make_user):
    southerner = make_user("southern-learner", org="college")
    staff = login_as("organizer")  # organizer of the northern region
    assert staff.get(f"/people/{southerner.id}").status_code == 403
    assert post(staff, f"/people/{southerner.id}/reset-code").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken)) == 0
    assert "password.reset_code_issued" not in actions(southerner.id)
    listing = staff.get("/people/").get_data(as_text=True)
    assert "southern-learner" not in listing and "learner" in listing


def test_no_codes_for_a_higher_role_or_oneself(login_as, users, make_user):
    boss = make_user("boss", Role.ADMIN, org="school")  # inside the organizer's subtree
    staff = login_as("organizer")
    page = staff.get(f"/people/{boss.id}").get_data(as_text=True)
    assert "роль выше вашей" in page and "Выдать код сброса" not in page
    r = post(staff, f"/people/{boss.id}/reset-code", follow_redirects=True)
    assert "роль выше вашей" in r.get_data(as_text=True)
    r = post(staff, f"/people/{users['organizer'].id}/reset-code", follow_redirects=True)
    assert "Сменить пароль" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken)) == 0


def test_learners_and_trainers_have_no_people_pages(login_as, users):
    client = login_as("trainer")
    assert client.get("/people/").status_code == 403
    assert post(client, f"/people/{users['learner'].id}/reset-code").status_code == 403


def test_a_new_code_replaces_the_previous_one(app, login_as, users):
    staff = login_as("admin")
    first = issue_code(staff, users["learner"].id)
    second = issue_code(staff, users["learner"].id)
    assert use_code(app.test_client(), "learner", first).status_code == 422
    assert use_code(app.test_client(), "learner", second).status_code == 302


def test_codes_are_stored_hashed(login_as, users):
    code = issue_code(login_as("admin"), users["learner"].id)
    row = db.session.scalar(sa.select(AccountToken))
    assert code.replace("-", "") not in row.token_hash and len(row.token_hash) == 64
    assert row.expires_at - row.created_at == timedelta(hours=24)
    assert row.expires_at > utcnow()
