"""A trainer brings questions from Moodle and builds a quiz; a learner fails, waits, passes."""

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
"""


def answer(page: Page, right: bool) -> None:
    page.get_by_label("Главное" if right else "Предысторию").check()
    page.get_by_label("False" if right else "True", exact=True).check()
    page.get_by_role("button", name="Submit all answers").click()


def test_import_build_fail_wait_pass_and_analyse(live_server, new_page, shot, clock):
    trainer = new_page(locale="en-US", width=1100, height=900)
    log_in(trainer, live_server, "trainer")
    trainer.goto(live_server + "/author/news-first-steps")
    trainer.get_by_role("link", name="Question bank").click()
    trainer.get_by_label("…or paste GIFT text").fill(GIFT)
    trainer.get_by_role("button", name="Import").click()
    expect(trainer.get_by_text("Imported 2 questions.")).to_be_visible()
    shot(trainer, "bank")

    trainer.get_by_role("link", name="Quizzes").first.click()
    trainer.get_by_label("Title").fill("Проверка: что такое новость")
    trainer.get_by_label("Place").select_option(label="After module: Что такое новость")
    trainer.get_by_label("Pass mark, %").fill("100")
    trainer.get_by_label("Pause between attempts, minutes").fill("10")
    trainer.get_by_label("Questions per page").fill("0")
    trainer.get_by_label("After submitting, learners see").select_option("feedback")
    trainer.get_by_label("Open to learners").check()
    trainer.get_by_role("button", name="Create the quiz").click()
    trainer.get_by_label("How many").fill("2")
    trainer.get_by_role("button", name="Add a random draw").click()
    expect(trainer.get_by_text("2 random from “Новости”")).to_be_visible()
    shot(trainer, "quiz")

    learner = new_page(locale="en-US")
    log_in(learner, live_server, "learner")
    learner.goto(live_server + "/courses/news-first-steps")
    enroll = learner.get_by_role("button", name="Enroll and start")
    if enroll.count():
        enroll.click()
        learner.goto(live_server + "/courses/news-first-steps")
    learner.get_by_role("link", name=re.compile("Quiz: Проверка")).click()
    learner.get_by_role("button", name="Start an attempt").click()
    shot(learner, "attempt-1")
    answer(learner, right=False)
    expect(learner.get_by_text("Your score: 0%")).to_be_visible()
    expect(learner.get_by_text("Нет: предыстория уходит в конец.")).to_be_visible()
    shot(learner, "failed-with-feedback")

    learner.get_by_role("link", name="Back to the course").click()
    learner.get_by_role("link", name=re.compile("Quiz: Проверка")).click()
    expect(learner.get_by_text("The next attempt opens later.")).to_be_visible()
    clock.advance(timedelta(minutes=9))  # not yet
    learner.reload()
    expect(learner.get_by_text("The next attempt opens later.")).to_be_visible()
    clock.advance(timedelta(minutes=1))  # the trainer's pause has passed
    learner.reload()
    learner.get_by_role("button", name="Try again").click()
    answer(learner, right=True)
    expect(learner.get_by_text("Your score: 100%")).to_be_visible()
    expect(learner.get_by_text("Passed", exact=True)).to_be_visible()
    shot(learner, "passed")

    trainer.get_by_role("link", name="Item analysis").first.click()
    expect(trainer.get_by_role("cell", name="pyramid", exact=True)).to_be_visible()
    expect(trainer.get_by_text("Предысторию: 1")).to_be_visible()  # first attempts only
    trainer.get_by_role("link", name="Use all attempts").click()
    expect(trainer.locator("dd").first).to_have_text("2")
    expect(trainer.get_by_text("Главное: 1; Предысторию: 1")).to_be_visible()
    shot(trainer, "analysis")
