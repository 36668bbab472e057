"""Those who teach a course read its published lessons without enrolling: its authors, the
trainers of its cohorts and administrators, to answer the questions under them. Nothing is
recorded for them; anyone else is still asked to enrol."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from courses.models import LessonProgress
from tests.conftest import post
from tests.question_helpers import LESSON, ask, build_world, client_of, flat, last_thread
from training.accounts.models import Role
from training.events import LearningEvent
from training.extensions import db

NOTICE = "Вы читаете урок как автор или тренер курса"


@pytest.fixture
def world(app, users, make_user):
    return build_world(app, users, make_user)


def recorded(user_id: int) -> tuple[int, int]:
    """Progress rows and learning events of one account."""
    db.session.expire_all()
    progress = db.session.scalar(
        sa.select(sa.func.count()).where(LessonProgress.user_id == user_id)
    )
    events = db.session.scalar(sa.select(sa.func.count()).where(LearningEvent.actor_id == user_id))
    return progress, events


@pytest.mark.parametrize("name", ["trainer", "coach", "admin"])
def test_the_author_a_cohort_trainer_and_an_admin_read_a_lesson_without_enrolling(
    app, world, users, name
):
    ask(client_of(app, "ann"), title="Вопрос Севера")
    reader = client_of(app, name)
    user_id = world[name].id if name in world else users[name].id
    before = recorded(user_id)
    r = reader.get(LESSON)
    assert r.status_code == 200
    page = flat(r)
    assert NOTICE in page
    assert "Вопрос Севера" in page  # they moderate: every group's questions are listed
    assert "/lessons/intro/done" not in page  # no "Done" button: they have no path
    assert 'class="path' not in page
    assert "/lessons/intro/ask" not in page  # asking is a learner's; they answer in threads
    assert recorded(user_id) == before  # no progress, no learning record, no statistics
    # Marking a lesson done stays a learner's act.
    assert post(reader, "/courses/info-work/lessons/intro/done").status_code == 403
    assert recorded(user_id) == before


def test_the_unanswered_list_leads_a_trainer_to_the_lesson(app, world):
    ask(client_of(app, "ann"), title="Вопрос Севера")
    coach = client_of(app, "coach")
    listed = flat(coach.get("/questions/unanswered"))
    assert 'href="/courses/info-work/lessons/intro">Открыть урок' in listed
    page = flat(coach.get("/courses/info-work/lessons/intro"))
    assert NOTICE in page and "Вопрос Севера" in page


def test_learners_not_enrolled_and_other_trainers_are_still_asked_to_enrol(
    app, world, users, make_user
):
    make_user("stranger")
    make_user("elsewhere", Role.TRAINER, org="north")  # trains no cohort of this course
    for name in ("stranger", "elsewhere", "organizer"):
        client = client_of(app, name)
        r = client.get(LESSON)
        assert r.status_code == 302 and r.headers["Location"] == "/courses/info-work", name
        assert "Чтобы читать уроки, запишитесь на курс" in flat(client.get(r.headers["Location"]))


def test_a_cohort_trainer_without_the_trainer_role_is_asked_to_enrol(app, world):
    """Taking the role away takes the cohort away, as it does for the cohort's own pages."""
    coach = world["coach"]
    db.session.merge(coach).role_rows.clear()
    db.session.commit()
    assert client_of(app, "coach").get(LESSON).status_code == 302


def test_an_enrolled_trainer_gets_the_learners_page(app, world, users):
    from courses import learning
    from courses.models import Course

    with app.test_request_context():
        learning.enroll(world["coach"].id, db.session.get(Course, world["course_id"]))
        db.session.commit()
    page = flat(client_of(app, "coach").get(LESSON))
    assert NOTICE not in page
    assert "/lessons/intro/done" in page and 'class="path' in page
    assert "/lessons/intro/ask" in page


def test_an_unknown_lesson_is_404_for_those_who_teach_too(app, world):
    trainer = client_of(app, "trainer")
    assert trainer.get("/courses/info-work/lessons/nope").status_code == 404
    assert last_thread() is None


def test_the_course_page_opens_the_lessons_to_those_who_teach(app, world, users, make_user):
    from courses.models import Course
    from quizzes import services

    with app.test_request_context():
        course = db.session.get(Course, world["course_id"])
        settings = services.QuizSettings(title="Проверка", module_key="osnovy", is_open=True)
        services.create_quiz(course, settings)
        db.session.commit()
    coach = flat(client_of(app, "coach").get("/courses/info-work"))
    assert "Как автор или тренер этого курса вы можете читать его уроки" in coach
    assert 'href="/courses/info-work/lessons/intro"' in coach
    assert "Проверка" in coach and "/quiz" not in coach  # tests stay a learner's
    learner = flat(client_of(app, "learner").get("/courses/info-work"))
    assert "/quiz" in learner  # (where the enrolled follow the test)
    make_user("stranger")
    stranger = flat(client_of(app, "stranger").get("/courses/info-work"))
    assert "читать его уроки" not in stranger and "/lessons/intro" not in stranger
    visitor = flat(app.test_client().get("/courses/info-work"))
    assert "читать его уроки" not in visitor and "/lessons/intro" not in visitor
