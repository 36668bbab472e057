"""Getting back in, by clicks from the home page in Russian, on a 360x780 phone and a desktop:
a learner without e-mail gets a reset code from the organizer; a learner with e-mail confirms
it, resets by the link read from the local SMTP server and hears of a certificate in the app
and by e-mail; an administrator resets a trainer's lost second factor.

Mail is delivered after each commit by the app's background thread to the suite's aiosmtpd
server; the test joins those threads before reading the mailbox (no sleeping).
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.login_helpers import DEMO_PASSWORD, ENROLMENTS, Enrolment
from training.accounts.models import Role
from training.accounts.services import create_user, find_user
from training.extensions import db

LIVE_SETTINGS = {"MAIL_SEND_AFTER_COMMIT": True}
SIZES = {"phone": (360, 780), "desktop": (1280, 800)}
NEW_PASSWORD = "новый-пароль-для-входа"


@pytest.fixture(params=sorted(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return request.param


def make_person(live_app, username: str, *roles: Role) -> None:
    """An account in the demo primary organization (set up directly; the flows are clicks)."""
    with live_app.test_request_context():
        learner = find_user("learner")
        create_user(username, DEMO_PASSWORD, learner.organization, roles={Role.LEARNER, *roles})
        db.session.commit()
        db.session.remove()


def delivered(smtp) -> None:
    """Wait for the app's mail threads (started by commits) to finish."""
    for thread in threading.enumerate():
        if thread.name == "mail":
            thread.join(timeout=30)


def enrol_ru(page: Page, base: str, username: str) -> None:
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Код из приложения").fill(totp.now())
    page.get_by_role("button", name="Включить").click()
    expect(page.get_by_text("Двухфакторная аутентификация включена.")).to_be_visible()
    codes = [c.strip() for c in page.locator("ul.recovery-codes code").all_inner_texts()]
    enrolment = Enrolment(secret, codes)
    enrolment.last_step = totp.timecode(datetime.now(UTC))
    ENROLMENTS[(base, username)] = enrolment
    page.get_by_role("link", name="Я сохранил(а) коды, продолжить").click()


def log_in_ru(page: Page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """From the home page: Войти, the password, then the code or the enrolment."""
    page.goto(base + "/")
    page.get_by_role("banner").get_by_role("link", name="Войти").click()
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="Войти").click()
    if re.search(r"/account/two-factor/setup$", page.url):
        enrol_ru(page, base, username)
    elif re.search(r"/account/login/code$", page.url):
        page.get_by_label("Код").fill(ENROLMENTS[(base, username)].next_code())
        page.get_by_role("main").get_by_role("button", name="Войти").click()
    expect(page.get_by_role("link", name="Личный кабинет")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Выйти").click()


def open_person(page: Page, username: str) -> None:
    page.get_by_role("link", name="Люди").click()
    page.get_by_label("Имя пользователя или имя").fill(username)
    page.get_by_role("button", name="Найти").click()
    page.get_by_role("link", name=username, exact=True).click()


def test_a_learner_without_email_gets_a_code_from_the_organizer(
    live_app, live_server, new_page, shot, size
):
    width, height = SIZES[size]
    username = f"ivan-{size}"
    make_person(live_app, username)

    learner = new_page(width=width, height=height)
    learner.goto(live_server + "/")
    learner.get_by_role("banner").get_by_role("link", name="Войти").click()
    learner.get_by_role("link", name="Забыли пароль?").click()
    expect(learner.get_by_role("heading", name="У меня нет почты на платформе")).to_be_visible()
    shot(learner, "forgot")

    organizer = new_page(width=width, height=height)
    log_in_ru(organizer, live_server, "organizer")
    open_person(organizer, username)
    organizer.get_by_role("button", name="Выдать код сброса").click()
    code = organizer.locator("#reset-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    shot(organizer, "code-issued")

    learner.get_by_role("link", name="У меня есть код сброса").click()
    learner.get_by_label("Имя пользователя").fill(username)
    learner.get_by_label("Код сброса").fill(code)
    learner.get_by_label("Новый пароль", exact=True).fill(NEW_PASSWORD)
    learner.get_by_label("Повторите новый пароль").fill(NEW_PASSWORD)
    shot(learner, "code-entered")
    learner.get_by_role("button", name="Сохранить новый пароль").click()
    expect(learner.get_by_text("Пароль изменён. Войдите с новым паролем.")).to_be_visible()
    log_in_ru(learner, live_server, username, NEW_PASSWORD)
    learner.get_by_role("link", name=re.compile("^Уведомления")).click()
    expect(
        learner.get_by_text(re.compile("organizer выдал\\(а\\) одноразовый код"))
    ).to_be_visible()
    shot(learner, "notified")


def test_a_learner_confirms_email_resets_by_link_and_hears_of_a_certificate(
    live_app, live_server, new_page, shot, size, smtp
):
    width, height = SIZES[size]
    username = f"maria-{size}"
    address = f"maria-{size}@example.org"
    make_person(live_app, username)
    page = new_page(width=width, height=height)
    log_in_ru(page, live_server, username)
    page.get_by_role("link", name="Личный кабинет").click()
    page.get_by_role("link", name="Изменить адрес").click()
    page.get_by_label("Электронная почта (необязательно)").fill(address)
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Мы отправили на адрес ссылку для подтверждения.")).to_be_visible()
    shot(page, "email-sent")
    delivered(smtp)
    [verification] = smtp.to(address)
    assert verification["Subject"] == "Профсоюзная школа: Подтвердите адрес электронной почты"
    page.goto(
        smtp.link(verification, "/account/email/verify/").replace(
            "http://127.0.0.1:5000", live_server
        )
    )
    page.get_by_role("button", name="Подтвердить адрес").click()
    expect(page.get_by_text("Адрес электронной почты подтверждён.")).to_be_visible()
    log_out(page)

    page.get_by_role("banner").get_by_role("link", name="Войти").click()
    page.get_by_role("link", name="Забыли пароль?").click()
    page.get_by_label("Имя пользователя или адрес почты").fill(username)
    page.get_by_role("button", name="Отправить ссылку").click()
    expect(page.get_by_text(re.compile("ссылка для нового пароля уже отправлена"))).to_be_visible()
    delivered(smtp)
    reset = smtp.to(address)[-1]
    assert reset["Subject"] == "Профсоюзная школа: восстановление пароля"
    page.goto(smtp.link(reset, "/account/reset/").replace("http://127.0.0.1:5000", live_server))
    page.get_by_label("Новый пароль", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Повторите новый пароль").fill(NEW_PASSWORD)
    shot(page, "new-password")
    page.get_by_role("button", name="Сохранить новый пароль").click()
    log_in_ru(page, live_server, username, NEW_PASSWORD)

    page.get_by_role("link", name="Курсы").first.click()
    page.get_by_role("link", name="Профсоюзная новость: первые шаги").first.click()
    page.get_by_role("button", name="Записаться и начать").click()
    for _ in range(3):  # the starter course has three lessons
        page.locator("main form button.button").first.click()
        if page.get_by_role("link", name="Продолжить").count():
            page.get_by_role("link", name="Продолжить").click()
    expect(page.get_by_role("link", name=re.compile("^Уведомления 1"))).to_be_visible()
    shot(page, "header-count")
    page.get_by_role("link", name=re.compile("^Уведомления")).click()
    expect(
        page.get_by_text(
            "Ваш сертификат о прохождении курса «Профсоюзная новость: первые шаги» готов."
        )
    ).to_be_visible()
    shot(page, "notification")
    delivered(smtp)
    notice = smtp.to(address)[-1]
    assert notice["Subject"] == "Профсоюзная школа: новое уведомление"  # no course, no result
    assert "Профсоюзная новость: первые шаги" in notice.get_body(("plain",)).get_content()


def test_an_admin_resets_a_trainers_lost_second_factor(live_app, live_server, new_page, shot, size):
    width, height = SIZES[size]
    username = f"trainer-{size}"
    make_person(live_app, username, Role.TRAINER)
    trainer = new_page(width=width, height=height)
    log_in_ru(trainer, live_server, username)  # enrols at the first login
    log_out(trainer)

    admin = new_page(width=width, height=height)
    log_in_ru(admin, live_server, "admin")
    open_person(admin, username)
    admin.get_by_role("link", name="Сбросить утерянный второй фактор").click()
    admin.get_by_label("Ваш пароль").fill(DEMO_PASSWORD)
    admin.get_by_label("Ваш код").fill(ENROLMENTS[(live_server, "admin")].next_code())
    shot(admin, "reset-form")
    admin.get_by_role("button", name="Сбросить двухфакторную аутентификацию").click()
    expect(
        admin.get_by_text(re.compile("Двухфакторная аутентификация пользователя .* сброшена"))
    ).to_be_visible()
    shot(admin, "reset-done")

    trainer.goto(live_server + "/")
    trainer.get_by_role("banner").get_by_role("link", name="Войти").click()
    trainer.get_by_label("Имя пользователя").fill(username)
    trainer.get_by_label("Пароль", exact=True).fill(DEMO_PASSWORD)
    trainer.get_by_role("main").get_by_role("button", name="Войти").click()
    expect(trainer).to_have_url(re.compile(r"/account/two-factor/setup$"))  # enrols again
    shot(trainer, "enrol-again")
