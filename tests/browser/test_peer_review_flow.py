"""Peer review on a 360 px phone, in Russian: an activist hands in a note and a PDF, two
participants who sent their own work review it with the rubric (never seeing who wrote it),
the activist gives their own reviews to see the result, the trainer asks for a revision, the
activist sends a new version, the trainer accepts it and the certificate is issued."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from assignments import peers, submitting
from assignments.files import check_uploads
from assignments.models import Submission
from assignments.rubric import parse_rubric
from assignments.services import AssignmentSettings, create_assignment
from certificates.models import Certificate
from courses import learning
from tests.assignment_helpers import PDF, RUBRIC
from tests.browser.login_helpers import DEMO_PASSWORD, log_in
from tests.course_helpers import build_course
from training.accounts.models import Role, User
from training.accounts.services import create_user
from training.extensions import db

URL = "/courses/peer-course/assignments/note"


def russian(page: Page, base: str) -> None:
    """The login helper reads English pages; afterwards the person chooses Russian."""
    page.context.add_cookies([{"name": "lang", "value": "ru", "url": base}])


def prepare(app: Flask) -> None:
    """A course whose one step left for the demo learner is a peer-reviewed assignment; two
    participants have sent their work and reviewed each other's already."""
    with app.app_context():
        trainer = db.session.scalar(sa.select(User).where(User.username == "trainer"))
        learner = db.session.scalar(sa.select(User).where(User.username == "learner"))
        course = build_course(trainer, slug="peer-course")
        settings = AssignmentSettings(
            title="Заметка о собрании",
            module_key="osnovy",
            task="Напишите **заметку** о собрании и приложите протокол в PDF.",
            hand_in="both",
            review_mode="peer",
            peer_reviews=2,
            criteria=parse_rubric(RUBRIC),
        )
        assignment = create_assignment(course, settings, key="note")
        learning.enroll(learner.id, course)
        for key in ("intro", "plan", "reach"):
            learning.mark_done(learner.id, course, course.published_revision, key)
        fellows = []
        for name, shown in (("peer-one", "Пётр Первый"), ("peer-two", "Вера Вторая")):
            user = create_user(
                name,
                DEMO_PASSWORD,
                learner.organization,
                roles={Role.LEARNER},
                display_name=shown,
            )
            learning.enroll(user.id, course)
            uploads = check_uploads([("план.pdf", PDF)])
            submitting.submit(assignment, user.id, f"Заметка участника {name}", uploads, 0)
            fellows.append(user)
        for reviewer in fellows:
            given = peers.allocate(assignment, reviewer)
            peers.peer_review(given.submission, reviewer, {0: 1, 1: 1}, "Хорошо")
        db.session.commit()
        db.session.remove()


def review_as(page: Page, base: str, feedback: str, levels: tuple[str, str]) -> None:
    """Open "review peers", grade the work given with the rubric, send."""
    page.goto(base + URL + "/peers")
    expect(page.get_by_role("heading", name="Работа участника")).to_be_visible()
    page.get_by_label(levels[0]).check()
    page.get_by_label(levels[1]).check()
    page.get_by_label("Отзыв (Markdown)").fill(feedback)
    page.get_by_role("button", name="Отправить отзыв").click()
    expect(page.get_by_text("Спасибо, ваш отзыв отправлен.")).to_be_visible()


def open_learners_work(trainer: Page) -> None:
    """In the queue, the demo learner's row of this course (peers' work waits there too)."""
    row = (
        trainer.get_by_role("row")
        .filter(has_text="Информационная работа")
        .filter(has_text="Лев Слушатель")
    )
    row.get_by_role("link", name="Заметка о собрании").click()


def test_peers_review_trainer_revises_and_accepts_certificate(
    live_app: Flask, live_server, new_page, shot, tmp_path
):
    live_app.config["SUBMISSIONS_ROOT"] = str(tmp_path / "submissions")
    prepare(live_app)
    learner = new_page(locale="en-US", width=360, height=780)
    log_in(learner, live_server, "learner")
    russian(learner, live_server)
    learner.goto(live_server + URL)
    expect(learner.get_by_text("Каждую версию проверяют 2 участника курса")).to_be_visible()
    learner.get_by_label("Ваш ответ (Markdown)").fill("Собрание прошло **вчера**.")
    learner.set_input_files(
        "input[type=file]",
        files=[{"name": "протокол.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    learner.get_by_role("button", name="Отправить на проверку").click()
    expect(learner.get_by_text("Работа отправлена на проверку.")).to_be_visible()

    for name, feedback, levels in (
        ("peer-one", "Ясно и коротко.", ("2 балла — Частично", "3 балла — Есть цифры и источники")),
        ("peer-two", "Добавьте цифры.", ("4 балла — Полностью", "0 баллов — Нет фактов")),
    ):
        peer = new_page(locale="en-US", width=360, height=780)
        log_in(peer, live_server, name)
        russian(peer, live_server)
        peer.goto(live_server + URL + "/peers")
        expect(peer.get_by_role("link", name="Файл 1")).to_be_visible()
        html = peer.content()
        assert "Лев" not in html and "learner" not in html and "протокол.pdf" not in html
        shot(peer, f"{name}-reviews")
        review_as(peer, live_server, feedback, levels)
        assert peer.evaluate("document.documentElement.scrollWidth") <= 360

    learner.goto(live_server + URL)
    expect(learner.get_by_text("Осталось проверить работ: 2.")).to_be_visible()
    expect(learner.get_by_text("Добавьте цифры.")).to_have_count(0)
    shot(learner, "learner-result-hidden")
    learner.get_by_role("link", name="Проверить работы участников").click()
    shot(learner, "learner-reviews-a-peer")
    for _turn in range(2):
        review_as(
            learner, live_server, "Хорошая работа.", ("2 балла — Частично", "0 баллов — Нет фактов")
        )
    learner.goto(live_server + URL)
    expect(learner.get_by_text("Участник 2").first).to_be_visible()
    expect(learner.get_by_text("Добавьте цифры.")).to_be_visible()
    shot(learner, "learner-sees-peer-reviews")
    assert "Пётр" not in learner.content() and "peer-one" not in learner.content()

    trainer = new_page(locale="en-US", width=360, height=780)
    log_in(trainer, live_server, "trainer")
    russian(trainer, live_server)
    trainer.goto(live_server + "/author/review?course=&state=waiting")
    shot(trainer, "trainer-queue-with-peer-scores")
    open_learners_work(trainer)
    expect(trainer.get_by_text("Оценка по правилу задания")).to_be_visible()
    trainer.get_by_label("2 балла — Частично").check()
    trainer.get_by_label("0 баллов — Нет фактов").check()
    trainer.get_by_label("Решение").select_option("revise")
    trainer.get_by_role("button", name="Сохранить проверку").click()
    expect(trainer.get_by_text("Проверка сохранена")).to_be_visible()

    learner.goto(live_server + URL)
    learner.get_by_label("Ваш ответ (Markdown)").fill("Собрание прошло вчера, пришли 42 человека.")
    learner.set_input_files(
        "input[type=file]",
        files=[{"name": "протокол-2.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    learner.get_by_role("button", name="Отправить на проверку").click()
    expect(learner.get_by_text("Версия 2")).to_be_visible()

    trainer.goto(live_server + "/author/review")
    open_learners_work(trainer)
    trainer.get_by_label("4 балла — Полностью").check()
    trainer.get_by_label("3 балла — Есть цифры и источники").check()
    trainer.get_by_label("Решение").select_option("accepted")
    trainer.get_by_role("button", name="Сохранить проверку").click()
    expect(trainer.get_by_text("Проверка сохранена")).to_be_visible()

    learner.goto(live_server + URL)
    expect(learner.get_by_text("Работа принята.")).to_be_visible()
    shot(learner, "learner-accepted")
    learner.set_viewport_size({"width": 1280, "height": 800})
    shot(learner, "learner-accepted-desktop")
    trainer.set_viewport_size({"width": 1280, "height": 800})
    trainer.goto(live_server + "/author/review?state=all")
    shot(trainer, "trainer-queue-desktop")
    learner.goto(live_server + "/certificates/")
    expect(learner.get_by_text("Информационная работа").first).to_be_visible()
    with live_app.app_context():
        statuses = db.session.scalars(
            sa.select(Submission.status)
            .join(Submission.user)
            .where(User.username == "learner", Submission.assignment.has(key="note"))
            .order_by(Submission.id)
        ).all()
        assert statuses == ["revise", "accepted"]
        holder = sa.select(User.id).where(User.username == "learner").scalar_subquery()
        count = sa.select(sa.func.count(Certificate.id)).where(Certificate.user_id == holder)
        assert db.session.scalar(count) == 1
        db.session.remove()
