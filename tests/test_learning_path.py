"""The learning path: one progress over lessons and tests, one "what next", truthful ends."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from certificates.models import Certificate
from certificates.services import completion
from courses import learning, path, publishing
from courses.models import Course, Lesson
from quizzes import attempts, bank, services
from quizzes.models import Attempt, Quiz
from tests.conftest import count_queries, post
from tests.course_helpers import build_course
from tests.quiz_helpers import RIGHT, build_quiz, form_fields, sample_specs
from training.db import utcnow
from training.extensions import db


def add_final(course: Course, owner, **settings) -> Quiz:
    """An open final test (no module) with the sample questions."""
    quiz = services.create_quiz(
        course,
        services.QuizSettings(title="Итоговый тест", is_open=True, **settings),
        key="final",
    )
    for spec in sample_specs()[:3]:
        services.add_fixed(quiz, bank.add_question(course, spec, owner, "Итог"))
    db.session.commit()
    return quiz


@pytest.fixture
def course_with_tests(users):
    """info-work: intro, plan, module test | reach | final test."""
    course, module_quiz = build_quiz(users["trainer"])
    final = add_final(course, users["trainer"])
    return course, module_quiz, final


def take(client, course: Course, quiz: Quiz, right: bool):
    """Start (one POST), answer every question right or blank, submit; the result response."""
    r = post(client, f"/courses/{course.slug}/quizzes/{quiz.key}/start")
    attempt_url = r.headers["Location"]
    attempt_id = int(re.search(r"/attempts/(\d+)", attempt_url).group(1))
    attempt = db.session.get(attempts.Attempt, attempt_id)
    size = quiz.questions_per_page or len(attempt.items)
    pages = [attempt.items[i : i + size] for i in range(0, len(attempt.items), size)]
    for number, items in enumerate(pages):
        data = {"page": number, "action": "submit" if number == len(pages) - 1 else "next"}
        for item in items if right else []:
            data.update(form_fields(item, RIGHT[item.version.name]))
        r = post(client, attempt_url, data)
    return client.get(r.headers["Location"])


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_path_is_lessons_then_the_module_test_then_the_final(course_with_tests, users):
    course, module_quiz, _final = course_with_tests
    walked = path.path_for(course, users["learner"].id)
    assert [(s.kind, s.key) for s in walked.steps] == [
        ("lesson", "intro"),
        ("lesson", "plan"),
        ("quiz", module_quiz.key),
        ("lesson", "reach"),
        ("quiz", "final"),
    ]
    assert [m.key for m in walked.modules] == ["osnovy", "izmereniia"]
    assert [s.key for s in walked.closing] == ["final"]
    assert (walked.total, walked.done_count, walked.complete) == (5, 0, False)


def test_closed_and_optional_tests(course_with_tests, users):
    course, module_quiz, final = course_with_tests
    module_quiz.is_open = False  # closed: not a step, and not in the certificate rule
    final.required = False
    db.session.commit()
    walked = path.path_for(course, users["learner"].id)
    assert [s.key for s in walked.steps] == ["intro", "plan", "reach", "final"]
    assert walked.total == 3  # the optional final test is shown, not counted


def test_module_end_points_to_the_pending_module_test(course_with_tests, login_as):
    _course, module_quiz, _final = course_with_tests
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    post(client, "/courses/info-work/lessons/intro/done")
    r = post(client, "/courses/info-work/lessons/plan/done")
    assert r.headers["Location"] == "/courses/info-work/modules/osnovy/done"
    page = text(client.get(r.headers["Location"]))
    assert "Модуль «Основы»: остался один шаг" in page
    assert "пройден" not in page.split("<h1>")[1].split("</h1>")[0]
    quiz_url = f"/courses/info-work/quizzes/{module_quiz.key}"
    assert f'<a class="button" href="{quiz_url}">Продолжить</a>' in page
    assert client.get("/courses/info-work/continue").headers["Location"] == quiz_url


def test_the_course_end_lists_what_is_left_until_every_test_is_passed(course_with_tests, login_as):
    _course, module_quiz, _final = course_with_tests
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    for key in ("intro", "plan", "reach"):
        r = post(client, f"/courses/info-work/lessons/{key}/done")
    assert r.headers["Location"] == "/courses/info-work/modules/izmereniia/done"
    page = text(client.get("/courses/info-work/finished"))
    assert "Курс ещё не пройден: что осталось" in page
    assert "Вы прошли курс" not in page and "Отлично" not in page
    assert f"/courses/info-work/quizzes/{module_quiz.key}" in page
    assert "/courses/info-work/quizzes/final" in page
    assert "Пройдено шагов: 3 из 5" in page
    continue_to = client.get("/courses/info-work/continue").headers["Location"]
    assert continue_to == f"/courses/info-work/quizzes/{module_quiz.key}"


def test_failing_then_passing_everything_ends_at_the_certificate(course_with_tests, login_as):
    course, module_quiz, final = course_with_tests
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    for key in ("intro", "plan", "reach"):
        post(client, f"/courses/info-work/lessons/{key}/done")
    failed = text(take(client, course, module_quiz, right=False))
    assert "Пока не сдано" in failed or "пока не сдан" in failed.lower()
    assert "Попробовать ещё раз" in failed  # one tap
    assert "Ваш сертификат" not in failed
    course_page = text(client.get("/courses/info-work"))
    assert "пока не сдан" in course_page  # the state sits on its step
    passed = text(take(client, course, module_quiz, right=True))
    assert "Пройдено шагов: 4 из 5" in passed
    assert 'href="/courses/info-work/quizzes/final"' in passed  # what is next
    assert "Вы прошли курс" not in passed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0

    result = text(take(client, course, final, right=True))
    assert "Вы прошли курс «Информационная работа»" in result
    assert "Ваш сертификат готов" in result
    certificate = db.session.scalar(sa.select(Certificate))
    assert f"/certificates/{certificate.id}/certificate.pdf" in result
    assert "/verify/" in result and f"/certificates/{certificate.id}/name" in result
    for page in ("/", "/courses/", "/courses/info-work"):
        html = text(client.get(page))
        assert "Курс пройден" in html and f"#certificate-{certificate.id}" in html, page
    assert client.get("/courses/info-work/continue").headers["Location"].endswith("/finished")
    end = text(client.get("/courses/info-work/finished"))
    assert "Вы прошли курс" in end and "Ваш сертификат готов" in end


def test_waiting_and_locked_tests(users, login_as, clock):
    course, quiz = build_quiz(users["trainer"], attempts_allowed=2, min_delay_seconds=600)
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    take(client, course, quiz, right=False)
    walked = path.path_for(course, users["learner"].id)
    step = walked.step("quiz", quiz.key)
    assert step.status == path.WAITING and step.state.attempts_left == 1
    assert "следующая попытка с" in text(client.get("/courses/info-work"))
    # while the test waits, Continue offers what can be done now
    assert walked.next_step().key == "intro"
    clock.advance(timedelta(minutes=10))
    assert path.path_for(course, users["learner"].id).step("quiz", quiz.key).status == path.FAILED
    take(client, course, quiz, right=False)
    step = path.path_for(course, users["learner"].id).step("quiz", quiz.key)
    assert step.status == path.LOCKED
    assert "попытки закончились: обратитесь к тренеру" in text(client.get("/courses/info-work"))


def test_next_step_skips_optional_lessons_left_behind(users):
    course = build_course(users["trainer"], publish=False)
    plan = db.session.scalar(sa.select(Lesson).where(Lesson.key == "plan"))
    plan.required = False
    publishing.publish(course, users["trainer"])
    db.session.commit()
    learner = users["learner"].id
    learning.enroll(learner, course)
    assert path.path_for(course, learner).next_step().key == "intro"
    learning.mark_done(learner, course, course.published_revision, "intro")
    assert path.path_for(course, learner).next_step().key == "plan"  # on the way: offered
    learning.mark_done(learner, course, course.published_revision, "reach")
    walked = path.path_for(course, learner)
    assert walked.complete and walked.next_step() is None  # plan was passed by
    assert (walked.done_count, walked.total) == (2, 2)


def test_the_same_progress_everywhere(course_with_tests, login_as, users):
    course, module_quiz, _final = course_with_tests
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    post(client, "/courses/info-work/lessons/intro/done")
    take(client, course, module_quiz, right=True)
    figure = "Пройдено шагов: 2 из 5"
    for page in ("/", "/courses/", "/courses/info-work", "/courses/info-work/lessons/plan"):
        assert figure in text(client.get(page)), page
    assert completion(users["learner"].id, course).remaining[0].key == "plan"


def test_lesson_page_with_its_path_costs_at_most_seven_statements(course_with_tests, login_as):
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    client.get("/courses/info-work/lessons/plan")  # the first view writes its record
    with count_queries() as statements:
        r = client.get("/courses/info-work/lessons/plan")
    page = text(r)
    assert r.status_code == 200
    assert 'class="path-nav"' in page and "Итоговый тест" in page  # the sidebar, tests included
    # session, lesson, lesson states, one per step source (quizzes, assignments), cohorts'
    # module dates, notifications, and the questions under the lesson (one statement:
    # cohorts/questions/listing.py)
    assert len(statements) <= 7, "\n".join(statements)


def test_home_computes_progress_in_a_constant_number_of_statements(users, login_as):
    learner = users["learner"]
    client = login_as("learner")

    def statements_for_home() -> int:
        with count_queries() as statements:
            assert client.get("/").status_code == 200
        return len(statements)

    build_quiz(users["trainer"])  # info-work with a test
    learning.enroll(learner.id, db.session.scalar(sa.select(Course)))
    db.session.commit()
    one = statements_for_home()
    for n in range(9):
        other = build_course(users["trainer"], slug=f"course-{n}")
        learning.enroll(learner.id, other)
        learning.mark_done(learner.id, other, other.published_revision, "intro")
    db.session.commit()
    html = text(client.get("/"))
    assert html.count('class="card"') >= 10
    with count_queries() as statements:
        client.get("/")
    assert statements_for_home() == one, "\n".join(statements)


def test_a_tests_state_adds_up_every_attempt_in_the_database(users):
    """The path counts a learner's attempts in SQL: the pass, the best score, the attempts
    left, the pause and an open attempt, with and without a renewal's `since`."""
    course, quiz = build_quiz(users["trainer"], attempts_allowed=5, min_delay_seconds=600)
    learner = users["learner"].id
    now = utcnow()
    since = now - timedelta(days=30)
    rows = [  # number, submitted (days ago), score, passed
        (1, 40, 0.9, True),  # before the renewal: counts for the attempts used, nothing else
        (2, 20, 0.4, False),
        (3, 1, 0.6, False),
    ]
    db.session.execute(
        sa.insert(Attempt),
        [
            {
                "quiz_id": quiz.id,
                "user_id": learner,
                "number": number,
                "started_at": now - timedelta(days=days, minutes=10),
                "submitted_at": now - timedelta(days=days),
                "score": score,
                "passed": passed,
            }
            for number, days, score, passed in rows
        ],
    )
    db.session.commit()

    def state(since=None):
        return path.path_for(course, learner, since).step("quiz", quiz.key).state

    assert (state().status, state().score, state().attempts_left) == (path.DONE, 90, 2)
    renewed = state(since)
    assert (renewed.status, renewed.score, renewed.attempts_left) == (path.FAILED, 60, 2)
    # The pause runs from the last submission, whichever attempts count.
    db.session.execute(
        sa.update(Attempt).where(Attempt.number == 3).values(submitted_at=now),
        execution_options={"synchronize_session": False},
    )
    renewed = state(since)
    assert renewed.status == path.WAITING
    assert renewed.wait_until == now + timedelta(minutes=10)
    # An essay waiting for its grade, then an open attempt.
    db.session.execute(
        sa.update(Attempt)
        .where(Attempt.number == 3)
        .values(score=None, passed=None)
        .execution_options(synchronize_session=False)
    )
    assert (state(since).status, state(since).wait_until) == (path.WAITING, None)
    db.session.add(Attempt(quiz_id=quiz.id, user_id=learner, number=4, started_at=now))
    db.session.flush()
    assert state(since).status == path.STARTED and state(since).score == 40
    # Other learners' attempts are theirs: a blank state for a learner who never tried.
    other = path.path_for(course, users["organizer"].id).step("quiz", quiz.key)
    assert other.state == path.StepState()


def test_learners_evaluated_together_keep_their_own_states(course_with_tests, login_as, users):
    """paths() arranges every learner from one set of blank steps (shared when a learner has
    no state of a step, copied when they have one): no learner's state reaches another's."""
    course, module_quiz, _final = course_with_tests
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    post(client, "/courses/info-work/lessons/intro/done")
    take(client, course, module_quiz, right=False)
    learner, other = users["learner"].id, users["trainer"].id
    found = path.paths([course], [learner, other])
    mine, theirs = found[(learner, course.id)], found[(other, course.id)]
    assert mine.step("lesson", "intro").status == path.DONE
    assert mine.step("quiz", module_quiz.key).status == path.FAILED
    assert [s.status for s in theirs.steps] == [path.NOT_STARTED] * 5
    assert theirs.step("lesson", "intro") is not mine.step("lesson", "intro")
    # Untouched steps are the same objects for both (nothing to copy); the index agrees
    # with the order of the steps, and an unknown step is None.
    assert theirs.step("lesson", "reach") is mine.step("lesson", "reach")
    assert [mine.step(s.kind, s.key) for s in mine.steps] == mine.steps
    assert mine.step("lesson", "nowhere") is None
    assert path.path_for(course, other).steps == theirs.steps
