"""A trainer's home page says how much work waits for their review and leads to the queue:
only the courses they review are counted, and nobody else sees the block."""

from __future__ import annotations

import re

import pytest

from assignments import submitting
from assignments.models import ACCEPTED
from quizzes import attempts
from tests.assignment_helpers import all_submissions, build_assignment, enroll
from tests.conftest import count_queries, login
from tests.test_essays import essay_quiz, ready_learner
from training.accounts.models import Role
from training.extensions import db

HEADING = "<h2>Проверка работ</h2>"


def home(app, username: str | None) -> str:
    client = app.test_client()
    if username is not None:
        login(client, username)
    return re.sub(r"\s+", " ", client.get("/").get_data(as_text=True))


@pytest.fixture
def waiting_work(app, users, make_user):
    """Two learners' work on the trainer's assignment, one of them reviewed already, a third
    waiting; one essay test waiting for a grade; and a stranger's course with work of its own."""
    with app.test_request_context():
        course, assignment = build_assignment(users["trainer"], slug="notes")
        learners = [users["learner"], make_user("second"), make_user("third")]
        for learner in learners:
            enroll(learner, course)
            submitting.submit(assignment, learner.id, "Заметка о собрании", [], 0)
        all_submissions()[0].status = ACCEPTED
        quiz = essay_quiz(users["trainer"])
        ready_learner(users["learner"], quiz)
        attempt = attempts.start(quiz, users["learner"].id)
        attempts.submit(attempt, users["learner"].id, {attempt.items[0].id: "Ответ"})
        stranger = make_user("stranger", Role.TRAINER, org="north")
        _other, theirs = build_assignment(stranger, slug="theirs")
        enroll(users["learner"], _other)
        submitting.submit(theirs, users["learner"].id, "Чужая работа", [], 0)
        db.session.commit()


def test_the_trainer_sees_what_waits_in_their_courses_before_the_courses(app, waiting_work):
    page = home(app, "trainer")
    assert HEADING in page
    assert "2 работы по заданиям ждут вашей проверки." in page  # the stranger's is not theirs
    assert "1 тест с развёрнутыми ответами ждёт оценки." in page
    assert '<a class="button" href="/author/review">Открыть очередь проверки</a>' in page
    assert page.index(HEADING) < page.index("<h2>Курсы</h2>")


def test_the_queue_it_leads_to_names_each_cell_for_a_phone(app, waiting_work):
    client = app.test_client()
    login(client, "trainer")
    queue = client.get("/author/review").get_data(as_text=True)
    # On a narrow screen the rows stack; a bare "1" or "—" would say nothing.
    for label in ("Курс", "Задание", "Версия", "Состояние"):  # two works wait
        assert queue.count(f'data-label="{label}"') == 2, label
    for label in ("Слушатель", "Отправлено"):  # and the essay's row in its own table
        assert queue.count(f'data-label="{label}"') == 3, label
    assert '<td class="num" data-label="Оценка участников">—</td>' in queue
    assert '<td data-label="Тест"><a href=' in queue


def test_the_block_costs_three_statements_however_much_waits(app, users, waiting_work, make_user):
    trainer = app.test_client()
    login(trainer, "trainer")

    def statements() -> int:
        trainer.get("/")  # warm: the session row and caches
        with count_queries() as seen:
            assert trainer.get("/").status_code == 200
        return len(seen)

    few = statements()
    with app.test_request_context():
        assignment = all_submissions()[0].assignment
        for n in range(6):
            learner = make_user(f"more{n}")
            enroll(learner, assignment.course)
            submitting.submit(assignment, learner.id, "Ещё заметка", [], 0)
        db.session.commit()
    # The session; the reviewed courses' ids, the waiting count and the waiting essays; the
    # published courses, the trainer's enrollments and their organization.
    assert few == statements() == 7
    assert "8 работ по заданиям ждут вашей проверки." in home(app, "trainer")


def test_the_other_trainer_counts_only_their_own_course(app, waiting_work):
    page = home(app, "stranger")
    assert "1 работа по заданию ждёт вашей проверки." in page
    assert "тест с развёрнутыми ответами" not in page


def test_an_administrator_counts_every_course(app, users, waiting_work):
    page = home(app, users["admin"].username)
    assert "3 работы по заданиям ждут вашей проверки." in page
    assert "1 тест с развёрнутыми ответами ждёт оценки." in page


def test_nothing_waiting_says_so_and_leads_to_the_reviewed_work(app, users):
    with app.test_request_context():
        build_assignment(users["trainer"])
    page = home(app, "trainer")
    assert HEADING in page and "Ничего не ждёт проверки." in page
    assert 'href="/author/review?state=reviewed">Проверенные работы</a>' in page
    assert "ждут вашей проверки" not in page


def test_learners_organizers_visitors_and_trainers_without_courses_see_no_block(
    app, users, waiting_work, make_user
):
    make_user("newcomer", Role.TRAINER, org="north")
    for who in ("learner", "organizer", "newcomer", None):
        page = home(app, users[who].username if who in users else who)
        assert HEADING not in page, who
        assert "Курсы" in page  # the rest of the home page is there
