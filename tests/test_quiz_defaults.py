"""New quizzes start open and five questions to a page; existing ones and packs keep theirs."""

from __future__ import annotations

import re

from quizzes import services
from tests.course_helpers import build_course
from tests.quiz_helpers import build_quiz
from training.extensions import db


def test_the_new_quiz_form_is_open_with_five_questions_per_page(login_as, users):
    build_course(users["trainer"])
    page = login_as("trainer").get("/author/info-work/quizzes").get_data(as_text=True)
    assert re.search(r'<input checked id="is_open" name="is_open" type="checkbox"', page)
    assert re.search(r'id="questions_per_page" [^>]*value="5"', page)


def test_the_service_default_is_five_and_an_existing_quiz_keeps_its_setting(login_as, users):
    course, old = build_quiz(users["trainer"], questions_per_page=1)
    old.is_open = False  # a trainer closed it
    db.session.commit()
    new = services.create_quiz(course, services.QuizSettings(title="Новая"))
    assert new.questions_per_page == 5
    page = login_as("trainer").get(f"/author/info-work/quizzes/{old.key}").get_data(as_text=True)
    assert re.search(r'id="questions_per_page" [^>]*value="1"', page)
    assert re.search(r'<input id="is_open" name="is_open" type="checkbox"', page)  # unchecked
