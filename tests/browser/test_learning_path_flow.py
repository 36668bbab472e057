"""A new activist on a 360 px phone takes a whole starter course by the buttons the pages offer:
every lesson, every module test on the way, one test failed and retried in one tap, every
practical assignment sent (the trainer accepts it), the final test, and the certificate moment.
No page before it says the course is finished. axe-core checks the path's pages."""

from __future__ import annotations

import re

import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Page, expect

from assignments import reviewing
from assignments.models import ACCEPTED, WAITING, Submission
from quizzes.models import AttemptItem
from quizzes.types import full_marks_response
from training.accounts.services import find_user
from training.demo import DEMO_INVITE_CODE
from training.extensions import db

COURSE = "Информационная работа в профсоюзной организации"
SLUG = "info-work-basics"
FINISHED_WORDS = ("Вы прошли курс", "Курс пройден", "Ваш сертификат")
axe = Axe()


def accessible(page: Page, what: str) -> None:
    """No serious or critical axe-core violation on the page."""
    found = axe.run(page).response["violations"]
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not bad, (what, [(v["id"], v["nodes"][0]["html"]) for v in bad])


def answer(page: Page, app: Flask, right: bool) -> None:
    """Answer the questions on the attempt page: all right, or leave them blank."""
    if not right:
        return
    names = page.locator("main form [name^='q']").evaluate_all("els => els.map(e => e.name)")
    item_ids = sorted({int(re.match(r"q(\d+)", name).group(1)) for name in names})
    with app.app_context():
        for item_id in item_ids:
            item = db.session.get(AttemptItem, item_id)
            value = full_marks_response(item.version.spec)
            name = f"q{item_id}"
            if isinstance(value, dict):  # matching: a select per left side
                for left, right_id in value.items():
                    page.locator(f"select[name='{name}-{left}']").select_option(
                        item.token(right_id)
                    )
            elif isinstance(value, list):  # several options
                for option in value:
                    page.locator(f"input[name='{name}'][value='{item.token(option)}']").check()
            elif page.locator(f"input[type=radio][name='{name}']").count():
                page.locator(f"input[name='{name}'][value='{item.token(value)}']").check()
            else:  # typed: short answer, number
                page.locator(f"input[name='{name}']").fill(str(value))
        db.session.remove()


def trainer_accepts(app: Flask) -> None:
    """The trainer accepts the walker's waiting work with the best level of every criterion."""
    with app.app_context():
        walker = find_user("putnik")
        waiting = db.session.scalars(
            sa.select(Submission).where(
                Submission.status == WAITING, Submission.user_id == walker.id
            )
        ).all()
        assert len(waiting) == 1, waiting
        criteria = waiting[0].assignment.rubric.criteria
        best = {i: len(c["levels"]) - 1 for i, c in enumerate(criteria)}
        grade = reviewing.Grade(best, "Принято.", ACCEPTED)
        reviewing.review(waiting[0], find_user("trainer"), grade)
        db.session.commit()
        db.session.remove()


def register(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    page.get_by_role("link", name="Зарегистрироваться").first.click()
    page.get_by_label("Код приглашения").fill(DEMO_INVITE_CODE)
    page.get_by_label("Имя пользователя").fill("putnik")
    page.get_by_label("Ваше имя (необязательно)").fill("Пётр Путников")
    page.get_by_label("Пароль", exact=True).fill("po-shagam-do-kontsa")
    page.get_by_label("Повторите пароль").fill("po-shagam-do-kontsa")
    page.get_by_role("button", name="Создать учётную запись").click()


def test_a_new_learner_walks_a_starter_course_to_the_certificate(
    live_app, live_server, new_page, shot
):
    page = new_page(locale="ru-RU", width=360, height=780)
    register(page, live_server)
    page.get_by_role("link", name="Курсы", exact=True).first.click()
    page.locator(".cards").get_by_role("link", name=COURSE).click()
    accessible(page, "course page (before enrolling)")
    page.get_by_role("button", name="Записаться и начать").click()

    tests_met: list[str] = []
    works_sent: list[str] = []
    failed_once = False
    checked: set[str] = set()
    for _step in range(120):
        url = page.url
        html = page.content()
        if "/finished" in url or ("/result" in url and "Ваш сертификат готов" in html):
            break
        assert not any(words in html for words in FINISHED_WORDS), url
        if re.search(r"/lessons/[^/]+$", url):
            if "lesson" not in checked:
                expect(page.locator("details.path-nav")).to_be_visible()
                shot(page, "lesson-with-folded-path")
                page.locator("details.path-nav > summary").click()
                shot(page, "lesson-path-open")
                accessible(page, "lesson with its path")
                checked.add("lesson")
            page.locator(".lesson-actions form button").click()
        elif "/modules/" in url:
            expect(page.get_by_role("heading", level=1)).to_contain_text("Модуль")
            if "module-end" not in checked:
                shot(page, "module-end-points-to-the-test")
                checked.add("module-end")
            page.locator(".milestone a.button").first.click()
        elif re.search(r"/quizzes/[^/]+$", url):
            tests_met.append(page.get_by_role("heading", level=1).inner_text())
            if "quiz-start" not in checked:
                shot(page, "test-start")
                accessible(page, "quiz start")
                checked.add("quiz-start")
            page.get_by_role("button", name="Начать попытку").click()
        elif re.search(r"/assignments/[^/]+$", url):
            works_sent.append(page.get_by_role("heading", level=1).inner_text())
            page.get_by_label("Ваш ответ (Markdown)").fill("Моя работа по заданию: план и таблица.")
            if "assignment" not in checked:
                shot(page, "assignment-to-send")
                accessible(page, "assignment")
                checked.add("assignment")
            page.get_by_role("button", name="Отправить на проверку").click()
            expect(page.get_by_text("Работа отправлена на проверку.")).to_be_visible()
            trainer_accepts(live_app)
            page.goto(f"{live_server}/courses/{SLUG}/continue")
        elif "/attempts/" in url and "/result" not in url:
            if "attempt" not in checked:
                accessible(page, "quiz page")
                checked.add("attempt")
            fail = len(tests_met) == 2 and not failed_once
            answer(page, live_app, right=not fail)
            page.locator(".quiz-nav button.button").first.click()
        elif "/result" in url:
            if page.get_by_role("button", name="Попробовать ещё раз").count():
                failed_once = True
                shot(page, "failed-try-again-in-one-tap")
                accessible(page, "result (failed)")
                page.get_by_role("button", name="Попробовать ещё раз").click()
            else:
                if "result" not in checked:
                    shot(page, "passed-next-step")
                    accessible(page, "result (passed)")
                    checked.add("result")
                page.locator(".milestone a.button").first.click()
        else:
            raise AssertionError(f"unexpected page {url}")
    else:
        raise AssertionError("the walk did not end")

    assert failed_once
    assert len(tests_met) == 7  # six module tests, the final test; a retry skips the start
    assert len(works_sent) == 7  # an assignment per module and the closing one
    assert tests_met[-1] == "Итоговый тест"
    expect(page.get_by_role("heading", name="Ваш сертификат готов")).to_be_visible()
    expect(page.get_by_role("link", name="Скачать PDF")).to_be_visible()
    expect(page.get_by_role("link", name="Страница публичной проверки")).to_be_visible()
    shot(page, "certificate-moment")
    accessible(page, "result with the certificate")

    page.get_by_role("link", name="Профсоюзная школа").first.click()  # home
    card = page.locator(".card", has_text=COURSE)
    expect(card.get_by_text("Курс пройден")).to_be_visible()
    expect(card.get_by_role("link", name="Ваш сертификат")).to_be_visible()
    shot(page, "home-with-the-certificate")
    card.get_by_role("link", name=COURSE).click()
    accessible(page, "course page (finished)")
    shot(page, "course-page-finished")

    desk = new_page(locale="ru-RU", width=1366, height=768)
    desk.goto(live_server + "/account/login")
    desk.get_by_label("Имя пользователя").fill("putnik")
    desk.get_by_label("Пароль").fill("po-shagam-do-kontsa")
    desk.get_by_role("main").get_by_role("button", name="Войти").click()
    desk.get_by_role("link", name=COURSE).first.click()
    desk.locator(".path a").first.click()
    expect(desk.locator(".path-nav .path")).to_be_visible()  # open beside the lesson
    shot(desk, "desktop-lesson-with-path")
