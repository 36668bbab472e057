"""A trainer starts a cohort from the home page by clicks; three learners join by its link (one
registers through it); the trainer posts an announcement, a learner sees it and its
notification; a week later the gradebook marks the one who did nothing, and its CSV equals the
page. Russian, on a 360 px phone and a desktop; screenshots in tests/browser/artifacts/."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from courses import learning
from courses.models import Course
from tests.browser.login_helpers import DEMO_PASSWORD, log_in
from tests.course_helpers import build_course
from tests.stats_helpers import page_tables
from training.accounts.models import User
from training.accounts.services import create_user
from training.db import utcnow
from training.extensions import db


def russian(page, base: str) -> None:
    """The login helper reads English pages; afterwards the person chooses Russian."""
    page.context.add_cookies([{"name": "lang", "value": "ru", "url": base}])


def prepare(app: Flask) -> None:
    """A published course of the demo trainer and a second learner with an account."""
    with app.app_context():
        trainer = db.session.scalar(sa.select(User).where(User.username == "trainer"))
        learner = db.session.scalar(sa.select(User).where(User.username == "learner"))
        build_course(trainer, slug="cohort-course")
        create_user("olga", DEMO_PASSWORD, learner.organization, display_name="Ольга Петрова")
        db.session.commit()
        db.session.remove()


def join_with(page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", name="Вступить в группу «Школа актива»")).to_be_visible()
    page.get_by_role("button", name="Вступить и начать").click()
    expect(page.get_by_text("Вы вступили в группу «Школа актива».")).to_be_visible()
    expect(page.get_by_role("heading", name="Ваша группа: Школа актива")).to_be_visible()


def test_trainer_runs_a_cohort_from_link_to_gradebook(
    live_app: Flask, live_server, new_page, shot, clock
):
    prepare(live_app)
    trainer = new_page(locale="en-US", width=1280, height=900)
    log_in(trainer, live_server, "trainer")
    russian(trainer, live_server)
    trainer.goto(live_server + "/")
    trainer.get_by_role("link", name="Мои группы").click()
    trainer.get_by_role(
        "link", name="Новая группа курса «Информационная работа»", exact=True
    ).click()
    trainer.get_by_label("Название").fill("Школа актива")
    trainer.get_by_label("Первый день").fill(in_days(0))
    trainer.get_by_label("Последний день").fill(in_days(28))
    trainer.get_by_label("Мест (пусто — без ограничения)").fill("25")
    trainer.locator("#due-osnovy").fill(in_days(14))
    shot(trainer, "trainer-new-cohort")
    trainer.get_by_role("button", name="Создать группу").click()
    expect(trainer.get_by_text("Группа готова. Отправьте слушателям ссылку.")).to_be_visible()
    link = trainer.locator("[data-invite-link]").input_value()
    assert "/cohorts/join/" in link
    shot(trainer, "trainer-link")

    first = new_page(locale="en-US", width=360, height=780)
    log_in(first, live_server, "learner")
    russian(first, live_server)
    join_with(first, link)
    expect(first.get_by_text("Сдать до")).to_be_visible()
    shot(first, "learner-joined-phone")
    assert first.evaluate("document.documentElement.scrollWidth") <= 360

    second = new_page(locale="en-US", width=1280, height=900)
    log_in(second, live_server, "olga")
    russian(second, live_server)
    join_with(second, link)

    newcomer = new_page(width=360, height=780)
    newcomer.goto(link)
    expect(
        newcomer.get_by_role("heading", name="Впервые здесь? Создайте учётную запись")
    ).to_be_visible()
    newcomer.get_by_label("Имя пользователя").fill("novikov")
    newcomer.get_by_label("Ваше имя (необязательно)").fill("Иван Новиков")
    newcomer.get_by_label("Пароль", exact=True).fill("tri dlinnyh slova")
    newcomer.get_by_label("Повторите пароль").fill("tri dlinnyh slova")
    shot(newcomer, "newcomer-registers-phone")
    newcomer.get_by_role("button", name="Создать учётную запись и вступить").click()
    expect(newcomer.get_by_text("Добро пожаловать! Вы в группе «Школа актива».")).to_be_visible()

    trainer.goto(live_server + "/cohorts/")
    trainer.get_by_role("link", name="Школа актива").first.click()
    trainer.get_by_label("Объявление (Markdown)").fill("Встречаемся в **среду** в 18:00.")
    trainer.get_by_role("button", name="Опубликовать и оповестить").click()
    expect(trainer.get_by_text("Объявление опубликовано, слушатели оповещены.")).to_be_visible()

    first.goto(live_server + "/courses/cohort-course")
    expect(first.locator(".announcement strong")).to_have_text("среду")
    shot(first, "learner-announcement-phone")
    first.goto(live_server + "/notifications/")
    expect(first.get_by_text("Новое объявление в вашей группе «Школа актива»")).to_be_visible()

    # A week and a day later (the trainer looks in half-way, so the login stays alive): two
    # learners read a lesson, the newcomer did nothing.
    clock.advance(timedelta(days=4))
    trainer.reload()
    expect(trainer.locator("tr.is-stuck")).to_have_count(0)
    clock.advance(timedelta(days=4))
    with live_app.app_context():
        course = db.session.scalar(sa.select(Course).where(Course.slug == "cohort-course"))
        for name in ("learner", "olga"):
            person = db.session.scalar(sa.select(User).where(User.username == name))
            learning.mark_done(person.id, course, course.published_revision, "intro")
        db.session.commit()
        db.session.remove()
    trainer.reload()
    stuck = trainer.locator("tr.is-stuck")
    expect(stuck).to_have_count(1)
    expect(stuck).to_contain_text("Иван Новиков")
    expect(stuck).to_contain_text("нет активности 7 дней")
    shot(trainer, "trainer-gradebook")
    page_rows = page_tables(trainer.content())[0]
    href = trainer.get_by_role("link", name="CSV").get_attribute("href")
    response = trainer.context.request.get(live_server + href)
    rows = list(csv.reader(io.StringIO(response.body().decode("utf-8-sig"))))
    assert rows == page_rows

    # The same gradebook on the trainer's phone (no new login: the clock moved, codes did not).
    phone = trainer
    phone.set_viewport_size({"width": 360, "height": 780})
    phone.reload()
    expect(phone.locator("tr.is-stuck")).to_have_count(1)
    shot(phone, "trainer-gradebook-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def in_days(days: int) -> str:
    """A date `days` from the platform's today, as a date input takes it."""
    return (utcnow() + timedelta(days=days)).date().isoformat()
