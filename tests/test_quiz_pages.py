"""Taking a quiz through the pages: start, page by page, leave and resume, submit, review."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from quizzes.models import Attempt, AttemptItem
from tests.conftest import login, post
from tests.quiz_helpers import RIGHT, build_quiz, enroll, form_fields
from training.extensions import db


def form_for(attempt: Attempt, page_items, right: bool = True) -> dict:
    data = {}
    for item in page_items:
        if right:
            data.update(form_fields(item, RIGHT[item.version.name]))
    return data


def current_attempt() -> Attempt:
    db.session.expire_all()
    return db.session.scalar(sa.select(Attempt).order_by(Attempt.id.desc()))


def test_take_a_quiz_page_by_page_leave_resume_and_pass(login_as, users):
    course, quiz = build_quiz(users["trainer"], questions_per_page=2, review="answers")
    enroll(users["learner"], course)
    client = login_as("learner")
    page = client.get("/courses/info-work").get_data(as_text=True)
    assert "/courses/info-work/quizzes/" in page  # the quiz sits in the outline
    r = post(client, f"/courses/info-work/quizzes/{quiz.key}/start")
    attempt = current_attempt()
    assert r.headers["Location"].endswith(f"/attempts/{attempt.id}")
    url = f"/courses/info-work/quizzes/{quiz.key}/attempts/{attempt.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Вопрос 1" in page
    items = attempt.items
    r = post(client, url, {"page": 0, "action": "next", **form_for(attempt, items[:2])})
    assert r.headers["Location"].endswith("page=1")
    # leave and come back: the quiz page offers to continue the same attempt
    page = client.get(f"/courses/info-work/quizzes/{quiz.key}").get_data(as_text=True)
    assert f"/attempts/{attempt.id}" in page
    post(client, url, {"page": 1, "action": "next", **form_for(attempt, items[2:4])})
    r = post(client, url, {"page": 2, "action": "submit", **form_for(attempt, items[4:])})
    assert r.headers["Location"].endswith("/result")
    attempt = current_attempt()
    assert attempt.score == 1.0 and attempt.passed
    result = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "100%" in result
    assert "Правильный ответ" in result  # review="answers" shows them
    # a replayed submit returns the same result and makes no new attempt
    r = post(client, url, {"page": 2, "action": "submit"})
    assert r.headers["Location"].endswith("/result")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1


def start_as_learner(login_as, users, course, quiz):
    """The learner enrols and starts the quiz: their client, the attempt and its page's URL."""
    enroll(users["learner"], course)
    client = login_as("learner")
    post(client, f"/courses/info-work/quizzes/{quiz.key}/start")
    attempt = current_attempt()
    return client, attempt, f"/courses/info-work/quizzes/{quiz.key}/attempts/{attempt.id}"


def test_feedback_shown_after_failing(login_as, users):
    course, quiz = build_quiz(users["trainer"], questions_per_page=0, review="feedback")
    client, attempt, url = start_as_learner(login_as, users, course, quiz)
    single = next(i for i in attempt.items if i.version.type == "single")
    r = post(client, url, {"page": 0, "action": "submit", f"q{single.id}": single.token("o2")})
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Нет: предыстория — в конце." in page
    assert "Перевёрнутая пирамида." in page  # general feedback
    assert "Правильный ответ" not in page  # review="feedback" does not


def test_forged_fields_are_refused_and_nothing_saved(login_as, users):
    course, quiz = build_quiz(users["trainer"], questions_per_page=0)
    client, attempt, url = start_as_learner(login_as, users, course, quiz)
    single = next(i for i in attempt.items if i.version.type == "single")
    for data in (
        {f"q{single.id}": "o99"},
        {f"q{single.id}": "o1"},  # a real id is no token: the author's ids are never served
        {f"q{single.id}": single.token("o1"), "q999999": single.token("o1")},
    ):
        r = post(client, url, {"page": 0, "action": "save", **data}, follow_redirects=True)
        assert r.status_code == 200
        assert "alert--error" in r.get_data(as_text=True)
    db.session.expire_all()
    assert all(i.response is None for i in db.session.scalars(sa.select(AttemptItem)))
    assert current_attempt().is_open


def test_another_learners_attempt_is_403(app, login_as, users, make_user):
    course, quiz = build_quiz(users["trainer"])
    enroll(users["learner"], course)
    other = make_user("other")
    enroll(other, course)
    client = login_as("learner")
    post(client, f"/courses/info-work/quizzes/{quiz.key}/start")
    attempt = current_attempt()
    url = f"/courses/info-work/quizzes/{quiz.key}/attempts/{attempt.id}"
    stranger = app.test_client()
    login(stranger, "other")
    assert stranger.get(url).status_code == 403
    assert post(stranger, url, {"page": 0, "action": "submit"}).status_code == 403
    assert stranger.get(url + "/result").status_code == 403
    assert current_attempt().is_open
    assert stranger.get(f"/courses/info-work/quizzes/{quiz.key}/attempts/999999").status_code == 404


def test_attempt_limit_and_deadline_through_pages(login_as, users):
    course, quiz = build_quiz(
        users["trainer"], attempts_allowed=1, time_limit_seconds=60, questions_per_page=0
    )
    enroll(users["learner"], course)
    client = login_as("learner")
    post(client, f"/courses/info-work/quizzes/{quiz.key}/start")
    attempt = current_attempt()
    attempt.deadline_at = attempt.deadline_at - timedelta(hours=1)  # the clock runs out
    db.session.commit()
    url = f"/courses/info-work/quizzes/{quiz.key}/attempts/{attempt.id}"
    r = post(client, url, {"page": 0, "action": "submit", **form_for(attempt, attempt.items)})
    assert r.headers["Location"].endswith("/result")
    assert current_attempt().score == 0.0  # nothing was saved in time
    r = post(client, f"/courses/info-work/quizzes/{quiz.key}/start", follow_redirects=True)
    assert "alert--error" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1


def test_quizzes_need_enrollment_and_an_open_quiz(client, login_as, users):
    course, quiz = build_quiz(users["trainer"])
    login_as("learner")
    r = client.get(f"/courses/info-work/quizzes/{quiz.key}")
    assert r.status_code == 302 and r.headers["Location"] == "/courses/info-work"
    enroll(users["learner"], course)
    quiz.is_open = False
    db.session.commit()
    assert client.get(f"/courses/info-work/quizzes/{quiz.key}").status_code == 404
    assert client.get("/courses/info-work/quizzes/nope").status_code == 404


def test_a_second_submission_says_so_and_changes_nothing(login_as, users):
    course, quiz = build_quiz(users["trainer"], questions_per_page=0)
    enroll(users["learner"], course)
    client = login_as("learner")
    client.set_cookie("lang", "en")
    post(client, f"/courses/info-work/quizzes/{quiz.key}/start")
    attempt = current_attempt()
    url = f"/courses/info-work/quizzes/{quiz.key}/attempts/{attempt.id}"
    right = form_for(attempt, attempt.items)
    assert post(client, url, {"page": 0, "action": "submit", **right}).status_code == 302
    again = post(client, url, {"page": 0, "action": "submit"}, follow_redirects=True)
    page = again.get_data(as_text=True)
    assert "This attempt has already been submitted." in page
    assert "Time is up" not in page
    assert current_attempt().score == 1.0  # the empty second copy changed nothing
