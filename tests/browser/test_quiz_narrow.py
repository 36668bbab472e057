"""A quiz page with a matching question fits a 320 px phone screen without sideways scrolling."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from courses.models import Course
from quizzes.models import Quiz
from tests.browser.login_helpers import log_in
from training.extensions import db


def test_a_matching_question_fits_320_px(live_app: Flask, live_server, new_page, shot):
    with live_app.app_context():
        # Every question on one page, so the page holds the quiz's matching questions.
        quiz = db.session.scalar(
            sa.select(Quiz).join(Course).where(Course.slug == "correspondents", Quiz.is_open)
        )
        quiz.questions_per_page = 0
        key = quiz.key
        db.session.commit()
    page = new_page(locale="en-US", width=320, height=700)
    log_in(page, live_server, "learner")
    page.goto(f"{live_server}/courses/correspondents")
    enroll = page.locator("form[action$='/enroll'] button")
    if enroll.count():
        enroll.first.click()
    page.goto(f"{live_server}/courses/correspondents/quizzes/{key}")
    page.locator("form[action$='/start'] button").click()
    expect(page.locator("table.matching select").first).to_be_visible()
    shot(page, "matching-320")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
