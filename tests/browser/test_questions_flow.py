"""A learner on a 360 px phone asks a question under a lesson; the trainer, at a desktop,
finds it on the "Unanswered questions" page, opens the lesson (not enrolled: they read it as
one who teaches the course) and answers there; the learner sees the notification,
reads the answer and accepts it. Russian, by clicks; screenshots in tests/browser/artifacts/."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from cohorts.questions.models import QuestionPost
from courses import learning
from tests.browser.login_helpers import log_in
from tests.course_helpers import build_course
from training.accounts.models import User
from training.extensions import db

LESSON = "/courses/questions-course/lessons/intro"


def russian(page, base: str) -> None:
    """The login helper reads English pages; afterwards the person chooses Russian."""
    page.context.add_cookies([{"name": "lang", "value": "ru", "url": base}])


def prepare(app: Flask) -> None:
    """A published course of the demo trainer's, the demo learner enrolled (self-paced)."""
    with app.app_context():
        trainer = db.session.scalar(sa.select(User).where(User.username == "trainer"))
        learner = db.session.scalar(sa.select(User).where(User.username == "learner"))
        course = build_course(trainer, slug="questions-course")
        learning.enroll(learner.id, course)
        db.session.commit()
        db.session.remove()


def test_ask_answer_from_the_unanswered_page_notify_accept(
    live_app: Flask, live_server, new_page, shot
):
    prepare(live_app)
    learner = new_page(locale="en-US", width=360, height=780)
    log_in(learner, live_server, "learner")
    russian(learner, live_server)
    learner.goto(live_server + LESSON)
    expect(learner.get_by_role("heading", name="Вопросы по уроку")).to_be_visible()
    learner.get_by_role("link", name="Задать вопрос").click()
    learner.get_by_label("Заголовок (необязательно)").fill("С чего начать заметку?")
    learner.get_by_label("Ваш вопрос").fill("Пишу о собрании. Начинать с **решения** или с повода?")
    shot(learner, "learner-asks")
    learner.get_by_role("button", name="Отправить вопрос").click()
    expect(learner.get_by_text("Ваш вопрос опубликован.")).to_be_visible()
    expect(learner.locator(".post--question .prose strong")).to_have_text("решения")
    learner.goto(live_server + LESSON)
    expect(learner.get_by_role("link", name="С чего начать заметку?")).to_be_visible()
    expect(learner.get_by_text("0 ответов")).to_be_visible()
    shot(learner, "lesson-lists-the-question")
    assert learner.evaluate("document.documentElement.scrollWidth") <= 360

    trainer = new_page(locale="en-US", width=1280, height=800)
    log_in(trainer, live_server, "trainer")
    russian(trainer, live_server)
    trainer.goto(live_server + "/")
    trainer.get_by_role("link", name="Вопросы без ответа").click()
    expect(trainer.get_by_role("heading", name="Вопросы без ответа")).to_be_visible()
    shot(trainer, "trainer-unanswered")
    # The trainer is not enrolled: the lesson opens to them as one who teaches the course.
    trainer.get_by_role("link", name="Открыть урок").click()
    expect(trainer.get_by_text("Вы читаете урок как автор или тренер курса.")).to_be_visible()
    expect(trainer.get_by_role("link", name="Задать вопрос")).to_have_count(0)
    shot(trainer, "trainer-reads-the-lesson")
    trainer.get_by_role("link", name="С чего начать заметку?").click()
    trainer.get_by_label("Ваш ответ").fill(
        "Начните с *решения*: это новость. Повод — во втором абзаце."
    )
    trainer.get_by_role("button", name="Отправить ответ").click()
    expect(trainer.get_by_text("Ваш ответ опубликован.")).to_be_visible()
    shot(trainer, "trainer-answered")
    trainer.goto(live_server + "/questions/unanswered")
    expect(trainer.get_by_text("На все вопросы тренеры уже ответили.")).to_be_visible()

    learner.goto(live_server + "/notifications/")
    note = learner.get_by_text("Тренер ответил на ваш вопрос «С чего начать заметку?».")
    expect(note).to_be_visible()
    shot(learner, "learner-notified")
    learner.locator(".notification").filter(has=note).get_by_role("link", name="Открыть").click()
    expect(learner.locator(".post .prose em")).to_have_text("решения")
    learner.get_by_role("button", name="Принять этот ответ").click()
    expect(learner.get_by_text("Ответ отмечен как принятый.")).to_be_visible()
    expect(learner.get_by_text("✓ Принятый ответ")).to_be_visible()
    shot(learner, "learner-accepted")
    assert learner.evaluate("document.documentElement.scrollWidth") <= 360

    desk = new_page(locale="en-US", width=1280, height=800)
    log_in(desk, live_server, "learner")
    russian(desk, live_server)
    desk.goto(live_server + LESSON)
    expect(desk.get_by_text("✓ Ответ принят")).to_be_visible()
    expect(desk.get_by_text("1 ответ", exact=True)).to_be_visible()
    shot(desk, "lesson-desktop")
    with live_app.app_context():
        accepted = db.session.scalars(sa.select(QuestionPost).where(QuestionPost.accepted)).all()
        assert [p.by_trainer for p in accepted] == [True]
        db.session.remove()
