"""An activist on a 360 px phone hands in a note and a PDF, the trainer sends it back for
revision from the review queue, the activist sends a new version, the trainer accepts it and
the certificate is issued. Russian, by clicks; screenshots in tests/browser/artifacts/."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from assignments.models import Submission
from assignments.rubric import parse_rubric
from assignments.services import AssignmentSettings, create_assignment
from certificates.models import Certificate
from courses import learning
from tests.assignment_helpers import PDF, RUBRIC
from tests.browser.login_helpers import log_in
from tests.course_helpers import build_course
from training.accounts.models import User
from training.extensions import db


def russian(page, base: str) -> None:
    """The login helper reads English pages; afterwards the person chooses Russian."""
    page.context.add_cookies([{"name": "lang", "value": "ru", "url": base}])


def prepare(app: Flask) -> str:
    """A published course whose lessons the demo learner has read; its one step left is the
    assignment. Returns the assignment's address."""
    with app.app_context():
        trainer = db.session.scalar(sa.select(User).where(User.username == "trainer"))
        learner = db.session.scalar(sa.select(User).where(User.username == "learner"))
        course = build_course(trainer, slug="practice-course")
        settings = AssignmentSettings(
            title="Заметка о собрании",
            module_key="osnovy",
            task="Напишите **заметку** о собрании и приложите протокол в PDF.",
            hand_in="both",
            criteria=parse_rubric(RUBRIC),
        )
        create_assignment(course, settings, key="note")
        learning.enroll(learner.id, course)
        for key in ("intro", "plan", "reach"):
            learning.mark_done(learner.id, course, course.published_revision, key)
        db.session.commit()
        db.session.remove()
    return "/courses/practice-course/assignments/note"


def test_submit_revise_resubmit_accept_certificate(
    live_app: Flask, live_server, new_page, shot, tmp_path
):
    live_app.config["SUBMISSIONS_ROOT"] = str(tmp_path / "submissions")
    url = prepare(live_app)
    learner = new_page(locale="en-US", width=360, height=780)
    log_in(learner, live_server, "learner")
    russian(learner, live_server)
    learner.goto(live_server + "/courses/practice-course")
    learner.get_by_role("link", name="Заметка о собрании").first.click()
    expect(learner.get_by_role("heading", name="Заметка о собрании")).to_be_visible()
    learner.get_by_label("Ваш ответ (Markdown)").fill("Собрание прошло **вчера**. Решили…")
    learner.get_by_role("button", name="Предпросмотр").click()
    expect(learner.locator(".preview strong")).to_have_text("вчера")
    learner.set_input_files(
        "input[type=file]",
        files=[{"name": "протокол.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    shot(learner, "learner-writes")
    learner.get_by_role("button", name="Отправить на проверку").click()
    expect(learner.get_by_text("Работа отправлена на проверку.")).to_be_visible()
    expect(learner.get_by_text("Работа отправлена и ждёт проверки.")).to_be_visible()
    shot(learner, "learner-waits")
    assert learner.evaluate("document.documentElement.scrollWidth") <= 360

    trainer = new_page(locale="en-US", width=360, height=780)
    log_in(trainer, live_server, "trainer")
    russian(trainer, live_server)
    trainer.goto(live_server + "/author/review")
    trainer.get_by_role("link", name="Заметка о собрании").first.click()
    expect(trainer.get_by_role("link", name="protokol.pdf")).to_be_visible()
    trainer.get_by_label("2 балла — Частично").check()
    trainer.get_by_label("0 баллов — Нет фактов").check()
    trainer.get_by_label("Отзыв (Markdown)").fill("Добавьте *цифры*: сколько было человек.")
    trainer.get_by_label("Решение").select_option("revise")
    shot(trainer, "trainer-asks-for-revision")
    trainer.get_by_role("button", name="Сохранить проверку").click()
    expect(trainer.get_by_text("Проверка сохранена")).to_be_visible()

    learner.goto(live_server + url)
    expect(learner.locator(".review em")).to_have_text("цифры")
    expect(learner.get_by_text("2 из 7 баллов")).to_be_visible()
    learner.get_by_label("Ваш ответ (Markdown)").fill("Собрание прошло вчера, пришли 42 человека.")
    learner.set_input_files(
        "input[type=file]",
        files=[{"name": "протокол-2.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    learner.get_by_role("button", name="Отправить на проверку").click()
    expect(learner.get_by_text("Версия 2")).to_be_visible()
    shot(learner, "learner-resubmits")

    trainer.goto(live_server + "/author/review")
    trainer.get_by_role("link", name="Заметка о собрании").first.click()
    expect(trainer.get_by_text("Прежние версии")).to_be_visible()
    trainer.get_by_label("4 балла — Полностью").check()
    trainer.get_by_label("3 балла — Есть цифры и источники").check()
    trainer.get_by_label("Решение").select_option("accepted")
    trainer.get_by_role("button", name="Сохранить проверку").click()
    expect(trainer.get_by_text("Ничего не ждёт проверки.")).to_be_visible()
    shot(trainer, "trainer-queue-empty")

    learner.goto(live_server + url)
    expect(learner.get_by_text("Работа принята.")).to_be_visible()
    shot(learner, "learner-accepted")
    learner.goto(live_server + "/certificates/")
    expect(learner.get_by_text("Информационная работа").first).to_be_visible()
    shot(learner, "learner-certificate")
    with live_app.app_context():
        statuses = db.session.scalars(
            sa.select(Submission.status)
            .join(Submission.user)
            .where(User.username == "learner")
            .order_by(Submission.id)
        ).all()
        assert statuses[-2:] == ["revise", "accepted"]
        holder = sa.select(User.id).where(User.username == "learner").scalar_subquery()
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Certificate.id)).where(Certificate.user_id == holder)
            )
            == 1
        )
        db.session.remove()
