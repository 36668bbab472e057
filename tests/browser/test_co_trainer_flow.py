"""A co-trainer who does not author the course reviews their cohort's work from the home page by
clicks on a 360 px phone, and sees the decision on the learner's page in the cohort at desktop
size; a learner outside the cohort stays out of their queue. Russian; screenshots in
tests/browser/artifacts/."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from assignments import submitting
from assignments.models import Assignment, Submission
from cohorts import services as cohorts
from courses import learning
from courses.models import Course
from tests.assignment_helpers import build_assignment
from tests.browser.login_helpers import DEMO_PASSWORD, log_in
from tests.cohort_helpers import make_cohort
from training.accounts.models import Role, User
from training.accounts.services import create_user
from training.extensions import db


def prepare(app: Flask) -> None:
    """The demo trainer's course with a task and a cohort co-run by "helper", who authors
    nothing; the demo learner in the cohort and Olga outside it have each sent a note."""
    with app.app_context():
        trainer = db.session.scalar(sa.select(User).where(User.username == "trainer"))
        learner = db.session.scalar(sa.select(User).where(User.username == "learner"))
        create_user(
            "helper",
            DEMO_PASSWORD,
            trainer.organization,
            roles={Role.LEARNER, Role.TRAINER},
            display_name="Ирина Соколова",
        )
        olga = create_user(
            "olga", DEMO_PASSWORD, learner.organization, display_name="Ольга Петрова"
        )
        course, task = build_assignment(trainer, slug="group-course", hand_in="text")
        cohort, _code = make_cohort(course, trainer, "Школа актива", co_trainers=["helper"])
        cohorts.join(db.session.merge(cohort), db.session.merge(learner))
        learning.enroll(olga.id, course)
        for person in (learner, olga):
            submitting.submit(task, person.id, f"Собрание прошло. Пишет {person.username}.", [], 0)
        db.session.commit()
        db.session.remove()


def test_a_co_trainer_reviews_their_cohorts_work(live_app: Flask, live_server, new_page, shot):
    prepare(live_app)
    phone = new_page(locale="en-US", width=360, height=780)
    log_in(phone, live_server, "helper")
    phone.context.add_cookies([{"name": "lang", "value": "ru", "url": live_server}])
    phone.goto(live_server + "/")
    block = phone.locator("section.home-review")
    expect(block.get_by_role("heading", name="Проверка работ")).to_be_visible()
    expect(block.get_by_text("1 работа по заданию ждёт вашей проверки.")).to_be_visible()
    shot(phone, "home-phone")
    block.get_by_role("link", name="Открыть очередь проверки").click()
    queue = phone.get_by_role("main")
    expect(queue.get_by_text("Лев Слушатель")).to_be_visible()
    expect(queue.get_by_text("Ольга Петрова")).to_have_count(0)  # not in the cohort
    shot(phone, "queue-phone")
    queue.get_by_role("link", name="Заметка для сайта").click()
    expect(phone.get_by_text("Собрание прошло. Пишет learner.")).to_be_visible()
    for criterion in phone.locator("fieldset").all():
        criterion.get_by_role("radio").last.check()
    phone.get_by_label("Отзыв (Markdown)").fill("Хорошая заметка: есть дата и решение.")
    phone.get_by_label("Решение").select_option(label="Принято")
    shot(phone, "review-phone")
    phone.get_by_role("button", name="Сохранить проверку").click()
    expect(phone.get_by_text("Проверка сохранена, слушатель получит уведомление.")).to_be_visible()
    expect(phone.get_by_text("Ничего не ждёт проверки.")).to_be_visible()
    shot(phone, "queue-empty-phone")
    with live_app.app_context():
        statuses = dict(
            db.session.execute(
                sa.select(User.username, Submission.status)
                .join(User, User.id == Submission.user_id)
                .join(Submission.assignment)
                .join(Assignment.course)
                .where(Course.slug == "group-course")
            ).all()
        )
        db.session.remove()
    assert statuses == {"learner": "accepted", "olga": "waiting"}

    desk = new_page(locale="ru-RU", width=1366, height=800)
    desk.context.add_cookies(phone.context.cookies())  # the same person on a laptop
    desk.goto(live_server + "/")
    desk.get_by_role("link", name="Мои группы").click()
    desk.get_by_role("link", name="Школа актива").first.click()
    desk.get_by_role("link", name="Лев Слушатель").click()
    row = desk.get_by_role("row", name="Заметка для сайта")
    expect(row).to_contain_text("принято")
    shot(desk, "cohort-learner-desktop")
    row.get_by_role("link", name="Заметка для сайта").click()
    expect(desk.get_by_text("Хорошая заметка: есть дата и решение.")).to_be_visible()
    shot(desk, "review-desktop")
