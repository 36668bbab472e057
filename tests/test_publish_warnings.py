"""The publish page lists what would stop learners finishing; the trainer may still publish."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from courses import services as course_services
from courses.models import CourseRevision
from quizzes import bank, services
from tests.conftest import post
from tests.course_helpers import add_scheme
from tests.quiz_helpers import build_quiz, sample_specs
from training.extensions import db


def add_quiz(course, title: str, **settings):
    return services.create_quiz(course, services.QuizSettings(title=title, **settings))


@pytest.fixture
def media_root(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))


def test_the_publish_page_lists_closed_and_empty_required_quizzes_and_empty_modules(
    login_as, users, media_root
):
    course, quiz = build_quiz(users["trainer"])
    add_scheme(course)
    closed = add_quiz(course, "Закрытый", is_open=False, module_key="izmereniia")
    services.add_fixed(closed, quiz.slots[0].question)
    add_quiz(course, "Пустой", is_open=True)  # the final quiz, without questions
    drawn = add_quiz(course, "Из пустой категории", is_open=True)
    lonely = bank.add_question(course, sample_specs()[0], users["trainer"], "Одинокие")
    services.add_random(drawn, lonely.category, 1)
    bank.retire_question(lonely)  # the draw's category is empty now
    add_quiz(course, "Необязательный", is_open=False, required=False)  # not a problem
    course_services.add_module(course, "Пустой модуль")
    db.session.commit()
    client = login_as("trainer")
    client.set_cookie("lang", "en")
    page = " ".join(client.get("/author/info-work/publish").get_data(as_text=True).split())
    start = page.index("Check before publishing")
    items = page[start : page.index("</ul>", start)]
    assert items.split("<li>")[1:] == [
        "The required quiz “Закрытый” is closed to learners.</li>",
        "The required quiz “Пустой” has no questions.</li>",
        "The required quiz “Из пустой категории” has no questions.</li>",
        "The module “Пустой модуль” has no lessons and no quizzes.</li>",
    ]
    # informative only: the trainer can still publish
    r = post(client, "/author/info-work/publish", {"comment": "Всё равно"})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseRevision)) == 2


def test_a_sound_course_publishes_without_warnings(login_as, users, media_root):
    add_scheme(build_quiz(users["trainer"])[0])
    client = login_as("trainer")
    client.set_cookie("lang", "en")
    page = client.get("/author/info-work/publish").get_data(as_text=True)
    assert "Check before publishing" not in page
