"""A trainer brings questions from Moodle and builds a quiz; a learner on a phone fails, waits,
tries again in one tap and passes."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.browser.login_helpers import log_in

GIFT = """$CATEGORY: Новости

::pyramid::Что ставят в начало новости?{
  =Главное#Верно: главное — в начале.
  ~Предысторию#Нет: предыстория уходит в конец.
}

::consent::Фото коллег можно публиковать без их согласия.{F#Нет: сначала спросите.#Верно.}

::lead::Первый абзац новости называется…{=лид#Да, лид.}
"""


def answer(page: Page, right: bool) -> None:
    """Answer every question, then press Enter in the text answer: it submits (goes forward)."""
    page.get_by_role("radio", name="Главное" if right else "Предысторию").check()
    page.get_by_role("radio", name="Неверно" if right else "Верно", exact=True).check()
    text = page.get_by_label("Ваш ответ")
    text.fill("лид" if right else "заголовок")
    text.press("Enter")


def test_import_build_fail_wait_pass_and_analyse(live_server, new_page, shot, clock):
    trainer = new_page(locale="en-US", width=1100, height=900)
    log_in(trainer, live_server, "trainer")
    trainer.goto(live_server + "/author/news-first-steps")
    trainer.get_by_role("link", name="Question bank").click()
    trainer.get_by_label("…or paste GIFT text").fill(GIFT)
    trainer.get_by_role("button", name="Import").click()
    expect(trainer.get_by_text("Imported 3 questions.")).to_be_visible()
    shot(trainer, "bank")

    trainer.get_by_role("link", name="Quizzes").first.click()
    trainer.get_by_label("Title").fill("Проверка: что такое новость")
    trainer.get_by_label("Place").select_option(label="After module: Что такое новость")
    trainer.get_by_label("Pass mark, %").fill("100")
    trainer.get_by_label("Pause between attempts, minutes").fill("10")
    trainer.get_by_label("Questions per page").fill("0")
    trainer.get_by_label("After submitting, learners see").select_option("feedback")
    expect(trainer.get_by_label("Open to learners")).to_be_checked()  # new quizzes are open
    trainer.get_by_role("button", name="Create the quiz").click()
    trainer.get_by_label("How many").fill("3")
    trainer.get_by_role("button", name="Add a random draw").click()
    expect(trainer.get_by_text("3 random from “Новости”")).to_be_visible()
    shot(trainer, "quiz")

    learner = new_page(locale="en-US", width=360, height=780)
    log_in(learner, live_server, "learner")  # the helper reads the English login page
    learner.context.add_cookies([{"name": "lang", "value": "ru", "url": live_server}])
    learner.goto(live_server + "/courses/news-first-steps")
    enroll = learner.get_by_role("button", name="Записаться и начать")
    if enroll.count():
        enroll.click()
        learner.goto(live_server + "/courses/news-first-steps")
    learner.locator(".path").get_by_role("link", name=re.compile("^Проверка")).click()
    facts = learner.locator("ul.rules li")
    expect(facts.nth(0)).to_have_text(re.compile(r"^3 \D+ 1 \D+$"))  # questions, pages
    expect(facts.nth(1)).to_have_text("Проходной балл: 100%")
    shot(learner, "start-facts")
    learner.get_by_role("button", name="Начать попытку").click()
    shot(learner, "attempt-1")
    answer(learner, right=False)
    expect(learner.get_by_text("Ваш результат: 0%")).to_be_visible()
    expect(learner.get_by_text("Нет: предыстория уходит в конец.")).to_be_visible()
    expect(learner.get_by_text(re.compile("^Следующая попытка откроется "))).to_be_visible()
    shot(learner, "failed-with-feedback")

    clock.advance(timedelta(minutes=9))  # not yet
    learner.reload()
    expect(learner.get_by_role("button", name="Попробовать ещё раз")).to_have_count(0)
    clock.advance(timedelta(minutes=1))  # the trainer's pause has passed
    learner.reload()
    learner.get_by_role("button", name="Попробовать ещё раз").click()  # one tap: a new attempt
    expect(learner.get_by_label("Ваш ответ")).to_be_visible()
    answer(learner, right=True)
    expect(learner.get_by_text("Ваш результат: 100%")).to_be_visible()
    expect(learner.get_by_text("Сдано", exact=True)).to_be_visible()
    shot(learner, "passed")

    trainer.get_by_role("link", name="Item analysis").first.click()
    # the question by its text, not its GIFT name
    expect(
        trainer.get_by_role("cell", name=re.compile("^Что ставят в начало новости"))
    ).to_be_visible()
    expect(trainer.get_by_text("Предысторию: 1")).to_be_visible()  # first attempts only
    trainer.get_by_role("link", name="Use all attempts").click()
    expect(trainer.locator("dd").first).to_have_text("2")
    expect(trainer.get_by_text("Главное: 1", exact=True)).to_be_visible()
    expect(trainer.get_by_text("Предысторию: 1", exact=True)).to_be_visible()
    shot(trainer, "analysis")
