"""A trainer grades an essay question and the learner's test becomes passed.

The learner (a phone, Russian) answers an essay in Markdown and sees the test «ждёт проверки»;
the trainer (a desktop, Russian) finds the attempt on the quiz's page, grades it with
feedback, and the learner's result shows the score, «Сдано» and the trainer's feedback.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.login_helpers import log_in

GIFT = """$CATEGORY: Эссе

::note::Напишите короткую заметку о собрании профкома. {
\t####Хорошая заметка отвечает: кто, что, где, когда.
}

::pyramid::Что ставят в начало новости?{=Главное ~Предысторию}
"""


def in_russian(page: Page, base: str) -> None:
    page.context.add_cookies([{"name": "lang", "value": "ru", "url": base}])


def test_a_trainer_grades_an_essay_and_the_learners_test_becomes_passed(
    live_server, new_page, shot
):
    trainer = new_page(locale="en-US", width=1100, height=900)
    log_in(trainer, live_server, "trainer")
    trainer.goto(live_server + "/author/news-first-steps")
    trainer.get_by_role("link", name="Question bank").click()
    trainer.get_by_label("…or paste GIFT text").fill(GIFT)
    trainer.get_by_role("button", name="Import").click()
    expect(trainer.get_by_text("Imported 2 questions.")).to_be_visible()
    trainer.get_by_role("link", name="Quizzes").first.click()
    trainer.get_by_label("Title").fill("Практика: заметка")
    trainer.get_by_label("Place").select_option(label="After module: Что такое новость")
    trainer.get_by_label("Pass mark, %").fill("70")
    trainer.get_by_label("Questions per page").fill("0")
    trainer.get_by_role("button", name="Create the quiz").click()
    trainer.get_by_label("How many").fill("2")
    trainer.get_by_label("Category").select_option(label="Эссе")
    trainer.get_by_role("button", name="Add a random draw").click()
    expect(trainer.get_by_text("2 random from “Эссе”")).to_be_visible()
    quiz_url = trainer.url

    learner = new_page(locale="en-US", width=360, height=780)
    log_in(learner, live_server, "learner")  # the helper reads the English login page
    in_russian(learner, live_server)
    learner.goto(live_server + "/courses/news-first-steps")
    enroll = learner.get_by_role("button", name="Записаться и начать")
    if enroll.count():
        enroll.click()
        learner.goto(live_server + "/courses/news-first-steps")
    learner.locator(".path").get_by_role("link", name=re.compile("^Практика")).click()
    learner.get_by_role("button", name="Начать попытку").click()
    learner.get_by_role("radio", name="Главное").check()
    essay = learner.get_by_role("textbox", name="Ваш ответ")
    essay.fill("**Собрание профкома** прошло 5 мая.\n\n- решили провести субботник")
    shot(learner, "essay-answer")
    learner.get_by_role("button", name="Отправить все ответы").click()
    expect(learner.locator(".milestone").get_by_text("ждёт проверки")).to_be_visible()
    expect(learner.get_by_text(re.compile("^Преподаватель проверит"))).to_be_visible()
    expect(learner.get_by_text("Ваш результат")).to_have_count(0)
    shot(learner, "waiting")

    in_russian(trainer, live_server)
    trainer.goto(quiz_url)
    expect(trainer.get_by_role("heading", name="Ждут проверки")).to_be_visible()
    trainer.locator(".waiting-grades").get_by_role(
        "link", name=re.compile("^Лев Слушатель")
    ).click()
    expect(trainer.locator(".essay-answer strong")).to_have_text("Собрание профкома")
    shot(trainer, "grading")
    trainer.get_by_label("Оценка").fill("80%")
    trainer.get_by_label("Отзыв для слушателя").fill("**Хорошо.** Добавьте, где прошло собрание.")
    trainer.get_by_role("button", name="Сохранить оценку").click()
    expect(trainer.get_by_text("Тест проверен, слушатель получил уведомление.")).to_be_visible()
    expect(trainer.get_by_text(re.compile(r"^Оценка: 80%"))).to_be_visible()
    shot(trainer, "graded")

    learner.reload()
    expect(learner.get_by_text("Ваш результат: 90%")).to_be_visible()
    expect(learner.get_by_text("Сдано", exact=True)).to_be_visible()
    expect(learner.locator(".feedback strong", has_text="Хорошо.")).to_be_visible()
    shot(learner, "passed")
