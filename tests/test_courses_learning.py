"""Learners: catalog, enrollment, lessons, progress, continue, new revisions."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from courses import learning, path, publishing, services
from courses.models import Course, Enrollment, Lesson, LessonProgress
from tests.conftest import count_queries, csrf_token, post
from tests.course_helpers import build_course
from training.events import LearningEvent
from training.extensions import db


def events(verb: str | None = None) -> list[LearningEvent]:
    query = sa.select(LearningEvent).order_by(LearningEvent.id)
    if verb:
        query = query.where(LearningEvent.verb == verb)
    return list(db.session.scalars(query))


def test_catalog_filters_by_language_and_topic(client, users):
    build_course(users["trainer"])
    english = build_course(users["trainer"], slug="english-course", publish=False)
    english.language = "en"
    english.topics = ["reports"]
    publishing.publish(english, users["trainer"])
    build_course(users["trainer"], slug="unpublished", publish=False)
    db.session.commit()
    page = client.get("/courses/").get_data(as_text=True)
    assert "/courses/info-work" in page and "/courses/english-course" in page
    assert "/courses/unpublished" not in page
    page = client.get("/courses/?lang=en").get_data(as_text=True)
    assert "/courses/english-course" in page and "/courses/info-work" not in page
    page = client.get("/courses/?topic=новости").get_data(as_text=True)
    assert "/courses/info-work" in page and "/courses/english-course" not in page
    assert client.get("/courses/unpublished").status_code == 404


def test_enroll_read_mark_done_and_continue(login_as, users):
    build_course(users["trainer"])
    client = login_as("learner")
    page = client.get("/courses/info-work").get_data(as_text=True)
    assert "Основы" in page and "Охват" in page
    r = post(client, "/courses/info-work/enroll")
    assert r.headers["Location"] == "/courses/info-work/lessons/intro"
    post(client, "/courses/info-work/enroll")  # a second click is harmless
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 1
    assert len(events("enrolled")) == 1

    page = client.get("/courses/info-work/lessons/intro").get_data(as_text=True)
    assert "<strong>первого</strong>" in page
    assert "/courses/info-work/lessons/plan" in page  # next
    r = post(client, "/courses/info-work/lessons/intro/done")
    assert r.headers["Location"] == "/courses/info-work/lessons/plan"
    post(client, "/courses/info-work/lessons/intro/done")  # idempotent
    assert len([e for e in events("completed") if e.object_type == "lesson"]) == 1
    r = post(client, "/courses/info-work/lessons/plan/done")
    assert r.headers["Location"] == "/courses/info-work/modules/osnovy/done"
    page = client.get("/courses/info-work/modules/osnovy/done").get_data(as_text=True)
    assert "Измерения" in page  # says what comes next

    r = client.get("/courses/info-work/continue")
    assert r.headers["Location"] == "/courses/info-work/lessons/reach"
    home = client.get("/").get_data(as_text=True)
    assert "Пройдено шагов: 2 из 3" in home and "<progress" in home

    r = post(client, "/courses/info-work/lessons/reach/done")
    assert r.headers["Location"] == "/courses/info-work/finished"
    page = client.get("/courses/info-work/finished").get_data(as_text=True)
    assert "Вы прошли курс «Информационная работа»" in page
    assert len([e for e in events("completed") if e.object_type == "course"]) == 1
    assert client.get("/courses/info-work/continue").headers["Location"].endswith("/finished")


def test_lessons_need_enrollment_and_login(client, login_as, users):
    build_course(users["trainer"])
    r = client.get("/courses/info-work/lessons/intro")
    assert r.status_code == 302 and "/account/login" in r.headers["Location"]
    login_as("learner")
    r = client.get("/courses/info-work/lessons/intro")
    assert r.status_code == 302 and r.headers["Location"] == "/courses/info-work"
    assert post(client, "/courses/info-work/lessons/intro/done").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0
    post(client, "/courses/info-work/enroll")
    assert client.get("/courses/info-work/lessons/nope").status_code == 404
    assert post(client, "/courses/info-work/lessons/nope/done").status_code == 404
    assert client.get("/courses/info-work/lessons/intro/done").status_code == 405


def test_progress_records_first_view_and_completion(login_as, users):
    build_course(users["trainer"])
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    client.get("/courses/info-work/lessons/plan")
    client.get("/courses/info-work/lessons/plan")
    row = db.session.get(
        LessonProgress, (users["learner"].id, db.session.scalar(sa.select(Course.id)), "plan")
    )
    assert row.first_viewed_at is not None and row.completed_at is None
    assert len(events("viewed")) == 1  # later visits write nothing
    post(client, "/courses/info-work/lessons/plan/done")
    db.session.expire_all()
    row = db.session.get(LessonProgress, (users["learner"].id, row.course_id, "plan"))
    assert row.completed_at is not None and row.completed_at.tzinfo is not None


def test_lesson_page_costs_seven_queries(app, login_as, users):
    build_course(users["trainer"])
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    client.get("/courses/info-work/lessons/plan")  # first view writes its record
    with count_queries() as statements:
        r = client.get("/courses/info-work/lessons/plan")
    assert r.status_code == 200
    # The session with its user, the lesson, the enrollment, the progress, one statement per
    # path step source besides lessons (quizzes, assignments), the module dates of cohorts,
    # the header's unread-notifications count (one indexed COUNT), and the questions under the
    # lesson with their answer counts (one statement, whatever the number of threads).
    assert len(statements) <= 7, "\n".join(statements)


def test_new_revision_keeps_progress_of_surviving_lessons(login_as, users):
    build_course(users["trainer"])
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    post(client, "/courses/info-work/lessons/intro/done")
    post(client, "/courses/info-work/lessons/plan/done")
    # the trainer removes "plan", adds "new-one" and publishes revision 2
    course = db.session.scalar(sa.select(Course))
    services.delete_lesson(db.session.scalar(sa.select(Lesson).where(Lesson.key == "plan")))
    services.add_lesson(course.modules[0], "Новый урок", "Текст", key="new-one")
    publishing.publish(course, users["trainer"])
    db.session.commit()
    page = client.get("/courses/info-work").get_data(as_text=True)
    assert "Пройдено шагов: 1 из 3" in page  # intro done; plan gone; new-one and reach to do
    assert client.get("/courses/info-work/continue").headers["Location"].endswith("/new-one")
    assert client.get("/courses/info-work/lessons/plan").status_code == 404
    assert client.get("/courses/info-work/lessons/new-one").status_code == 200
    assert client.get("/").status_code == 200


def test_catalog_shows_progress_on_started_courses(login_as, users):
    build_course(users["trainer"])
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    post(client, "/courses/info-work/lessons/intro/done")
    page = client.get("/courses/").get_data(as_text=True)
    assert "1 из 3" in page


def test_the_catalog_puts_the_readers_language_first(client, users):
    english = build_course(users["trainer"], slug="aaa-english", publish=False)
    english.language = "en"
    english.topics = ["planning"]
    publishing.publish(english, users["trainer"])
    build_course(users["trainer"])
    db.session.commit()
    page = client.get("/courses/").get_data(as_text=True)  # a Russian page
    assert page.index("/courses/info-work") < page.index("/courses/aaa-english")
    assert '<option value="planning"' not in page and '<option value="новости"' in page
    assert "Любой язык" in page and "Любая тема" in page
    english_page = client.get("/courses/?lang=en").get_data(as_text=True)
    assert '<option value="planning"' in english_page


def test_a_first_view_that_another_request_recorded_meanwhile_is_noted_once(login_as, users):
    """Two first views at once (two tabs): the later request finds the progress row the other
    committed after this one read the path, and records nothing instead of failing."""
    build_course(users["trainer"])
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    course = db.session.scalar(sa.select(Course))
    revision = course.published_revision
    lesson = next(item for item in revision.lesson_rows if item.key == "plan")
    db.session.add(
        LessonProgress(user_id=users["learner"].id, course_id=course.id, lesson_key="plan")
    )
    db.session.flush()  # the other request's row: there before this one's insert
    learning.record_view(users["learner"].id, course, revision, lesson)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 1
    assert events("viewed") == []  # the other request records its own event
    client.get("/courses/info-work/lessons/intro")
    assert len(events("viewed")) == 1  # a first view still counts


def test_a_lesson_another_request_finished_meanwhile_is_completed_once(login_as, users):
    """Two "Done" posts at once (a double tap): the later request finds the lesson finished by
    the other one's commit, even though it had read the row unfinished, and records nothing."""
    build_course(users["trainer"])
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    client.get("/courses/info-work/lessons/plan")
    course = db.session.scalar(sa.select(Course))
    key = (users["learner"].id, course.id, "plan")
    row = db.session.get(LessonProgress, key)
    assert row.completed_at is None  # what this request saw
    # The other request's commit, behind this session's back.
    finished = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    db.session.execute(
        sa.update(LessonProgress.__table__)
        .where(LessonProgress.lesson_key == "plan")
        .values(completed_at=finished)
    )
    revision = course.published_revision
    assert learning.mark_done(users["learner"].id, course, revision, "plan") is False
    db.session.commit()
    assert events("completed") == []  # the other request records its own
    db.session.expire_all()
    assert db.session.get(LessonProgress, key).completed_at == finished
    # A lesson nobody finished yet is completed by this call, once.
    assert learning.mark_done(users["learner"].id, course, revision, "intro") is True
    assert learning.mark_done(users["learner"].id, course, revision, "intro") is False
    db.session.commit()
    lessons = [e.object_path for e in events("completed") if e.object_type == "lesson"]
    assert lessons == ["courses/info-work/lessons/intro"]


def test_done_evaluates_the_learning_path_once(login_as, users, monkeypatch):
    """The learning record, the certificate rule and the choice of the next page share one
    evaluation of the path after the change; the next request evaluates it afresh."""
    build_course(users["trainer"])
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    token = {"csrf_token": csrf_token(client)}  # read from the home page, which has paths too
    evaluations = []
    real = path.gather
    monkeypatch.setattr(path, "gather", lambda *args: evaluations.append(args[1]) or real(*args))
    with count_queries() as statements:
        response = client.post("/courses/info-work/lessons/intro/done", data=token)
    assert response.headers["Location"] == "/courses/info-work/lessons/plan"
    assert evaluations == [[users["learner"].id]]
    # The session; the course, revision, lesson and enrollment in one; the progress claim
    # (insert if absent, then the update); the event, the statistics' two reads (history,
    # organization) and their counters; one path evaluation (lessons, quizzes, assignments,
    # module dates); the certificate rule's read. Was 19: a second path, three loads.
    assert len(statements) <= 13, "\n".join(statements)
    evaluations.clear()
    response = client.post("/courses/info-work/lessons/plan/done", data=token)  # module's end
    assert response.headers["Location"] == "/courses/info-work/modules/osnovy/done"
    assert evaluations == [[users["learner"].id]]
    assert path._shared.get() is None  # nothing shared outside the request's block
    page = client.get("/courses/info-work").get_data(as_text=True)
    assert "Пройдено шагов: 2 из 3" in page
