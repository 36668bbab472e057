"""The trainer's desk: module dates on the learner's path, the gradebook with its stuck marks
and downloads, a learner's page (audited), announcements and reminders."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from assignments.reviewing import Grade, review
from assignments.services import AssignmentSettings, create_assignment
from assignments.submitting import submit
from cohorts.models import CohortMember, CohortModuleDates
from tests.cohort_helpers import make_cohort
from tests.conftest import count_queries, login, post
from tests.quiz_helpers import build_quiz
from tests.stats_helpers import csv_rows, finish_lessons, page_tables, take_quiz
from training.audit import AuditEvent
from training.db import utcnow
from training.extensions import db


def text(response) -> str:
    return response.get_data(as_text=True)


def put_in(cohort, *people) -> None:
    for person in people:
        db.session.add(
            CohortMember(cohort_id=cohort.id, user_id=person.id, course_id=cohort.course_id)
        )
        finish_lessons(person, cohort.course, keys=())
    db.session.commit()


@pytest.fixture
def world(users, make_user):
    """info-work with a module test and an assignment; a cohort of three learners:
    anna on track, boris failed the test twice, vera sent back for revision."""
    course, quiz = build_quiz(users["trainer"])
    assignment = create_assignment(
        course, AssignmentSettings(title="Заметка", module_key="osnovy", task="Текст")
    )
    db.session.commit()
    cohort, code = make_cohort(course, users["trainer"])
    anna, boris, vera = make_user("anna"), make_user("boris"), make_user("vera")
    put_in(cohort, anna, boris, vera)
    finish_lessons(anna, course, keys=("intro", "plan"))
    take_quiz(anna, quiz, right=True)
    take_quiz(boris, quiz, right=False)
    take_quiz(boris, quiz, right=False)
    sent = submit(assignment, vera.id, "Моя заметка", [], 0)
    review(sent, db.session.merge(users["trainer"]), Grade({}, "Допишите вывод", "revise"))
    db.session.commit()
    return {
        "course": course,
        "quiz": quiz,
        "assignment_key": assignment.key,
        "cohort": cohort,
        "code": code,
        "anna": anna,
        "boris": boris,
        "vera": vera,
    }


def gradebook_rows(client, cohort_id: int, query: str = "") -> list[list[str]]:
    response = client.get(f"/cohorts/{cohort_id}{query}")
    assert response.status_code == 200
    return page_tables(text(response))[0]


def test_gradebook_shows_each_learner_state_and_marks_the_stuck(client, world):
    login(client, "trainer")
    rows = gradebook_rows(client, world["cohort"].id)
    header, *body = rows
    assert header[:5] == [
        "Слушатель",
        "Имя пользователя",
        "Пройдено шагов",
        "Последняя активность",
        "Застрял",
    ]
    by_user = {row[1]: row for row in body}
    assert by_user["anna"][4] == ""
    assert "100 % ✓" in by_user["anna"] and "2/2" in by_user["anna"]
    assert "дважды не сдал «Проверка по модулю»" in by_user["boris"][4]
    assert "не доработал «Заметка»" in by_user["vera"][4]
    assert "на доработке" in by_user["vera"]
    stuck = gradebook_rows(client, world["cohort"].id, "?stuck=1")
    assert sorted(r[1] for r in stuck[1:]) == ["boris", "vera"]


def test_a_week_without_activity_is_stuck(client, world, clock):
    clock.advance(timedelta(days=8))
    login(client, "trainer")
    body = gradebook_rows(client, world["cohort"].id)[1:]
    assert all("нет активности 7 дней" in row[4] for row in body)


def test_gradebook_sorts_and_filters_by_module(client, world):
    login(client, "trainer")
    body = gradebook_rows(client, world["cohort"].id, "?sort=progress")[1:]
    assert body[-1][1] == "anna"  # most done last
    header = gradebook_rows(client, world["cohort"].id, "?module=izmereniia")[0]
    assert "Проверка по модулю" not in header and "Основы" not in header


def test_csv_and_xlsx_equal_the_page(client, world):
    login(client, "trainer")
    cohort_id = world["cohort"].id
    page = gradebook_rows(client, cohort_id, "?sort=activity&stuck=1")
    sheet_csv = csv_rows(client.get(f"/cohorts/{cohort_id}/gradebook.csv?sort=activity&stuck=1"))
    assert sheet_csv == page
    response = client.get(f"/cohorts/{cohort_id}/gradebook.xlsx?sort=activity&stuck=1")
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    cells = [
        [c if c is not None else "" for c in row] for row in book.active.iter_rows(values_only=True)
    ]
    assert cells == page


def test_gradebook_costs_the_same_statements_for_any_number_of_learners(client, world, make_user):
    login(client, "trainer")
    cohort_id = world["cohort"].id
    client.get(f"/cohorts/{cohort_id}")
    with count_queries() as few:
        client.get(f"/cohorts/{cohort_id}")
    put_in(world["cohort"], *[make_user(f"extra{n}") for n in range(6)])
    with count_queries() as many:
        response = client.get(f"/cohorts/{cohort_id}")
    assert text(response).count("extra") >= 6
    assert len(many) == len(few), "\n".join(many)


def test_learner_page_shows_path_attempts_and_is_audited(client, world):
    login(client, "trainer")
    boris = world["boris"]
    response = client.get(f"/cohorts/{world['cohort'].id}/learners/{boris.id}")
    page = text(response)
    assert response.status_code == 200
    assert "Проверка по модулю" in page and "Попытки тестов" in page
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "cohort.learner_view")
    )
    assert event.target_id == str(boris.id)


def test_a_learner_cannot_open_the_gradebook_or_a_classmate(client, world):
    login(client, "anna")
    cohort_id = world["cohort"].id
    assert client.get(f"/cohorts/{cohort_id}").status_code == 403
    assert client.get(f"/cohorts/{cohort_id}/learners/{world['boris'].id}").status_code == 403
    assert client.get("/cohorts/").status_code == 403


def test_a_module_not_open_yet_is_locked_with_its_date(client, world):
    cohort = world["cohort"]
    opens = utcnow() + timedelta(days=3)
    due = utcnow() + timedelta(days=10)
    db.session.add(CohortModuleDates(cohort_id=cohort.id, module_key="izmereniia", opens_at=opens))
    db.session.add(CohortModuleDates(cohort_id=cohort.id, module_key="osnovy", due_at=due))
    db.session.commit()
    login(client, "anna")
    page = text(client.get("/courses/info-work"))
    assert "откроется" in page and "Сдать до" in page
    response = client.get("/courses/info-work/lessons/reach")
    assert response.status_code == 403
    assert "Этот урок откроется" in text(response)
    db.session.expire_all()
    assert client.get("/courses/info-work/lessons/intro").status_code == 200


def test_tests_and_assignments_of_a_closed_module_wait_for_its_date(client, world):
    from assignments.models import Submission
    from quizzes.models import Attempt

    quiz, opens = world["quiz"], utcnow() + timedelta(days=3)
    db.session.add(
        CohortModuleDates(cohort_id=world["cohort"].id, module_key=quiz.module_key, opens_at=opens)
    )
    db.session.commit()
    before = [
        db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Attempt, Submission)
    ]
    login(client, "vera")
    for answer in (
        client.get(f"/courses/info-work/quizzes/{quiz.key}"),
        post(client, f"/courses/info-work/quizzes/{quiz.key}/start"),
        client.get("/courses/info-work/assignments/" + world["assignment_key"]),
        post(
            client,
            "/courses/info-work/assignments/" + world["assignment_key"],
            {"text": "x", "action": "send"},
        ),
    ):
        assert answer.status_code == 403
        assert "Откроется" in text(answer) and "вместе со всем модулем" in text(answer)
    db.session.expire_all()
    after = [
        db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Attempt, Submission)
    ]
    assert after == before


def test_the_lesson_page_costs_one_statement_more_at_most(client, world):
    login(client, "anna")
    client.get("/courses/info-work/lessons/intro")
    with count_queries() as statements:
        assert client.get("/courses/info-work/lessons/intro").status_code == 200
    # session, lesson, lesson states, quizzes, assignments, cohort dates, notifications, and the
    # questions under the lesson (cohorts/questions)
    assert len(statements) <= 7, "\n".join(statements)
