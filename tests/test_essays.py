"""Essay questions: the type, the attempt that waits for a trainer, grading, and what follows.

The whole way through the real pages: a learner answers an essay, the attempt waits
(«ждёт проверки»), a trainer of the course grades it, and the score, the pass, the learning
path, the certificate, the learning record and the learner's notification follow. Refusals
(another trainer, a learner, an organizer, a grade out of range, grading twice, an attempt
not waiting) answer with a clear error and leave every row as it was.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from certificates.models import Certificate
from courses import learning
from courses.path import DONE, WAITING
from courses.reviewers import ReviewScope
from quizzes import attempts, bank, services
from quizzes.analysis import analyse
from quizzes.essays import grade_item, parse_grade, pending_essay_attempts
from quizzes.models import Attempt, AttemptItem, Quiz
from quizzes.reports import attempt_records, question_labels
from quizzes.spec import Option, QuestionSpec
from quizzes.steps import Tries, quiz_state
from quizzes.types import REGISTRY, InvalidResponse
from quizzes.types.essay import ESSAY_MAX_CHARS
from tests.conftest import count_queries, login, post
from tests.course_helpers import build_course
from tests.quiz_helpers import form_fields
from tests.test_authorization_matrix import fingerprint
from training.accounts.models import Role, User
from training.audit import AuditEvent
from training.db import utcnow
from training.errors import ServiceError
from training.events import LearningEvent
from training.extensions import db
from training.notifications.models import Notification

ESSAY = QuestionSpec(type="essay", text="Напишите заметку о собрании профкома.", name="note")
CHOICE = QuestionSpec(
    type="single",
    text="Что ставят в начало новости?",
    name="pyramid",
    options=[Option("o1", "Главное", 1.0), Option("o2", "Предысторию", 0.0)],
)
ANSWER = "**Собрание** прошло 5 мая.\r\n\r\n- решили провести субботник"


def essay_quiz(owner: User, essays: int = 1) -> Quiz:
    """The standard course with a test of `essays` essays and one choice question."""
    course = build_course(owner)
    specs = [
        QuestionSpec(type="essay", text=f"{ESSAY.text} ({n})", name=f"note-{n}")
        for n in range(essays)
    ]
    questions = [bank.add_question(course, spec, owner, "Эссе") for spec in [*specs, CHOICE]]
    quiz = services.create_quiz(
        course,
        services.QuizSettings(
            title="Практика", module_key="osnovy", is_open=True, questions_per_page=0
        ),
    )
    for question in questions:
        services.add_fixed(quiz, question)
    db.session.commit()
    return quiz


def ready_learner(learner: User, quiz: Quiz) -> None:
    """Enrolled, every lesson read: the test is the last step of the course."""
    course = quiz.course
    learning.enroll(learner.id, course)
    for key in ("intro", "plan", "reach"):
        learning.mark_done(learner.id, course, course.published_revision, key)
    db.session.commit()


def submit_on_page(client, quiz: Quiz, essay_text: str = ANSWER) -> Attempt:
    """Start the test and submit it through the attempt page: essays and the right choice."""
    base = f"/courses/{quiz.course.slug}/quizzes/{quiz.key}"
    assert post(client, f"{base}/start").status_code == 302
    attempt = db.session.scalar(sa.select(Attempt).order_by(Attempt.id.desc()))
    page = client.get(f"{base}/attempts/{attempt.id}").get_data(as_text=True)
    assert "<textarea" in page and f'maxlength="{ESSAY_MAX_CHARS}"' in page
    fields: dict = {"page": 0, "action": "submit"}
    for item in attempt.items:
        if item.version.type == "essay":
            fields[f"q{item.id}"] = essay_text
        else:
            fields.update(form_fields(item, "o1"))
    r = post(client, f"{base}/attempts/{attempt.id}", fields)
    assert r.status_code == 302 and r.headers["Location"].endswith("/result")
    db.session.expire_all()
    return db.session.get(Attempt, attempt.id)


def grade_url(quiz: Quiz, attempt: Attempt) -> str:
    return f"/author/{quiz.course.slug}/quizzes/{quiz.key}/attempts/{attempt.id}/grade"


def essay_items(attempt: Attempt) -> list[AttemptItem]:
    return [item for item in attempt.items if item.version.type == "essay"]


def grade_fields(item: AttemptItem, score: str, comment: str = "") -> dict:
    return {"item": item.id, f"item{item.id}-score": score, f"item{item.id}-comment": comment}


# ---- the type --------------------------------------------------------------------------------


def test_essay_type_keeps_markdown_and_leaves_the_grade_to_a_trainer(ctx):
    kind = REGISTRY["essay"]
    assert kind.graded_by_hand and kind.in_gift
    assert kind.check(ESSAY, None) == ""
    assert kind.check(ESSAY, "a\r\nb") == "a\nb"  # one kind of line end
    assert kind.check(ESSAY, "я" * ESSAY_MAX_CHARS) == "я" * ESSAY_MAX_CHARS
    with pytest.raises(InvalidResponse):
        kind.check(ESSAY, "я" * (ESSAY_MAX_CHARS + 1))
    with pytest.raises(InvalidResponse):
        kind.check(ESSAY, ["not", "text"])
    result = kind.grade(ESSAY, "Текст")
    assert not result.graded and result.choices == ()
    assert kind.correct_answer(ESSAY) == [] and kind.review_answers(ESSAY, str) == []
    assert kind.invalid_message() == "Ответ слишком длинный: не больше 20000 символов."
    kind.check_spec(ESSAY)
    with pytest.raises(ServiceError, match="нет вариантов ответа"):
        kind.check_spec(QuestionSpec(type="essay", text="Q", options=[Option("o1", "a", 1.0)]))
    assert [kind.band(s) for s in (0.0, 0.09, 0.7, 0.69999999999, 0.95, 1.0)] == [
        "0",
        "0",
        "70",
        "70",
        "90",
        "90",
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1.0), ("0", 0.0), ("0.5", 0.5), ("0,75", 0.75), ("50%", 0.5), (" 100 % ", 1.0)],
)
def test_grades_are_points_or_percentages(ctx, text, value):
    assert parse_grade(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["1.5", "101%", "-0.1", "-5%", "abc", "", "%", "1e3", "nan"])
def test_grades_out_of_range_or_not_numbers_are_refused(ctx, text):
    with pytest.raises(ServiceError) as refused:
        parse_grade(text)
    assert refused.value.field == "score"


def test_a_waiting_attempt_is_a_waiting_step_without_a_date(ctx):
    quiz = Quiz(attempts_allowed=0, done_when="passed", min_delay_seconds=0)
    now = utcnow()
    waiting = Tries(ever=1, counted=1, waiting=True, last_submitted_at=now)
    state = quiz_state(quiz, waiting, now)
    assert (state.status, state.wait_until, state.score) == (WAITING, None, None)
    state = quiz_state(quiz, replace(waiting, ever=2, counted=2, best_score=0.5), now)
    assert (state.status, state.score) == (WAITING, 50)
    graded = replace(waiting, ever=2, counted=2, best_score=0.9, passed=True)
    assert quiz_state(quiz, graded, now).status == DONE


# ---- the whole way through the pages -----------------------------------------------------------


def test_learner_waits_then_trainer_grades_and_the_test_is_passed_with_a_certificate(app, users):
    quiz = essay_quiz(users["trainer"])
    ready_learner(users["learner"], quiz)
    learner = app.test_client()
    login(learner, "learner")
    attempt = submit_on_page(learner, quiz)

    # Submitted, but waiting: no score, no pass, no statement, no certificate.
    assert attempt.submitted_at is not None and attempt.waiting
    assert (attempt.score, attempt.passed) == (None, None)
    essay = essay_items(attempt)[0]
    assert essay.response == ANSWER.replace("\r\n", "\n") and essay.score is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0
    verbs = db.session.scalars(sa.select(LearningEvent.verb).where(LearningEvent.verb == "passed"))
    assert list(verbs) == []
    result_url = f"/courses/info-work/quizzes/{quiz.key}/attempts/{attempt.id}/result"
    page = learner.get(result_url).get_data(as_text=True)
    assert "ждёт проверки" in page and "Ваш результат" not in page
    assert "Преподаватель проверит ваши письменные ответы" in page
    assert "<strong>Собрание</strong>" in page  # the learner's Markdown, safely rendered
    course_page = learner.get("/courses/info-work").get_data(as_text=True)
    assert "ждёт проверки" in course_page
    # No second attempt while the first waits.
    r = post(learner, f"/courses/info-work/quizzes/{quiz.key}/start")
    assert r.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1

    trainer = app.test_client()
    login(trainer, "trainer")
    authoring = trainer.get(f"/author/info-work/quizzes/{quiz.key}").get_data(as_text=True)
    assert "Ждут проверки" in authoring and grade_url(quiz, attempt) in authoring
    page = trainer.get(grade_url(quiz, attempt)).get_data(as_text=True)
    assert "<strong>Собрание</strong>" in page and "Сохранить оценку" in page
    r = post(
        trainer, grade_url(quiz, attempt), grade_fields(essay, "80%", "**Хорошо**, но мало фактов")
    )
    assert r.status_code == 302

    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.score == pytest.approx(0.9) and attempt.passed is True
    essay = essay_items(attempt)[0]
    assert essay.score == pytest.approx(0.8) and essay.choices == "80"
    assert essay.graded_by_id == users["trainer"].id and essay.comment.startswith("**Хорошо**")
    assert db.session.scalar(sa.select(Certificate.user_id)) == users["learner"].id
    event = db.session.scalar(sa.select(LearningEvent).where(LearningEvent.verb == "passed"))
    essay_question = str(essay.version.question_id)
    assert event.result["score"]["scaled"] == pytest.approx(0.9)
    assert event.context["items"][essay_question] == pytest.approx(0.8)  # stats' question score
    audit_row = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "quiz.essay_grade")
    )
    assert audit_row.actor_id == users["trainer"].id and audit_row.target_id == str(attempt.id)
    note = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == users["learner"].id, Notification.kind == "quiz_graded"
        )
    )
    assert note is not None

    page = learner.get(result_url).get_data(as_text=True)
    assert "Ваш результат: 90%" in page and "Сдано" in page
    assert "<strong>Хорошо</strong>, но мало фактов" in page and "Отзыв преподавателя" in page
    notes = learner.get("/notifications/").get_data(as_text=True)
    assert "Преподаватель проверил ваш тест «Практика»." in notes
    assert "ждёт проверки" not in learner.get("/courses/info-work").get_data(as_text=True)


def test_the_last_essay_finishes_the_attempt_and_a_low_grade_fails_it(ctx, users):
    quiz = essay_quiz(users["trainer"], essays=2)
    ready_learner(users["learner"], quiz)
    attempt = attempts.start(quiz, users["learner"].id)
    attempts.submit(attempt, users["learner"].id, {})
    first, second = essay_items(attempt)
    assert grade_item(attempt, first.id, users["trainer"], "0", "") is False
    assert attempt.waiting and attempt.passed is None
    assert grade_item(attempt, second.id, users["trainer"], "0.1", "Перечитайте урок") is True
    assert attempt.score == pytest.approx(0.1 / 3) and attempt.passed is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0
    assert db.session.scalar(sa.select(LearningEvent.verb).where(LearningEvent.verb == "failed"))


# ---- refusals --------------------------------------------------------------------------------


@pytest.fixture
def waiting(app, users, make_user):
    """A waiting attempt at a two-essay test, and a client per identity."""
    with app.test_request_context():
        quiz = essay_quiz(users["trainer"], essays=2)
        ready_learner(users["learner"], quiz)
        attempt = attempts.start(quiz, users["learner"].id)
        attempts.submit(attempt, users["learner"].id, {attempt.items[0].id: "Ответ"})
        make_user("stranger", Role.TRAINER, org="north")
        db.session.commit()
        return quiz, attempt


def client_of(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


@pytest.mark.parametrize("who", ["stranger", "learner", "organizer"])
def test_only_the_courses_trainers_and_admins_may_grade(app, users, waiting, who):
    quiz, attempt = waiting
    client = client_of(app, who if who == "stranger" else users[who].username)
    first = essay_items(attempt)[0]
    assert client.get(grade_url(quiz, attempt)).status_code == 403
    before = fingerprint()
    assert post(client, grade_url(quiz, attempt), grade_fields(first, "1")).status_code == 403
    assert fingerprint() == before
    admin = client_of(app, users["admin"].username)
    assert admin.get(grade_url(quiz, attempt)).status_code == 200


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("1.5", "Оценка должна быть от 0 до 1 или от 0% до 100%."),
        ("150%", "Оценка должна быть от 0 до 1 или от 0% до 100%."),
        ("хорошо", "Укажите оценку баллами от 0 до 1 (0,5) или в процентах (50%)."),
        ("", "Это обязательное поле."),
    ],
)
def test_a_grade_out_of_range_is_refused_and_nothing_changes(app, waiting, score, message):
    quiz, attempt = waiting
    trainer = client_of(app, "trainer")
    first = essay_items(attempt)[0]
    before = fingerprint()
    r = post(trainer, grade_url(quiz, attempt), grade_fields(first, score))
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert fingerprint() == before


def test_grading_twice_and_grading_an_attempt_not_waiting_are_refused(app, waiting):
    quiz, attempt = waiting
    trainer = client_of(app, "trainer")
    first, second = essay_items(attempt)
    assert post(trainer, grade_url(quiz, attempt), grade_fields(first, "1")).status_code == 302
    before = fingerprint()
    r = post(trainer, grade_url(quiz, attempt), grade_fields(first, "0"))
    assert r.status_code == 422 and "Этот ответ уже оценён." in r.get_data(as_text=True)
    assert fingerprint() == before

    assert post(trainer, grade_url(quiz, attempt), grade_fields(second, "1")).status_code == 302
    before = fingerprint()
    r = post(trainer, grade_url(quiz, attempt), grade_fields(second, "0.5"))
    assert r.status_code == 422 and "Эта попытка не ждёт проверки." in r.get_data(as_text=True)
    assert fingerprint() == before
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).score == pytest.approx(2 / 3)


def test_items_that_are_not_essays_and_open_attempts_are_not_graded(app, users, waiting):
    quiz, attempt = waiting
    trainer = client_of(app, "trainer")
    choice = next(item for item in attempt.items if item.version.type != "essay")
    before = fingerprint()
    assert post(trainer, grade_url(quiz, attempt), grade_fields(choice, "1")).status_code == 404
    assert post(trainer, grade_url(quiz, attempt), {"x": "1"}).status_code == 400
    with app.test_request_context():
        other = users["admin"]
        learning.enroll(other.id, quiz.course)
        open_attempt = attempts.start(quiz, other.id)
        db.session.commit()
    before = fingerprint()
    assert trainer.get(grade_url(quiz, open_attempt)).status_code == 404
    assert fingerprint() == before


# ---- the queue, item analysis ------------------------------------------------------------------


def test_pending_essay_attempts_in_one_statement_oldest_first(ctx, users, make_user, clock):
    quiz = essay_quiz(users["trainer"])
    learners = [make_user(f"learner{n}") for n in range(3)]
    for learner in learners:
        ready_learner(learner, quiz)
        attempt = attempts.start(quiz, learner.id)
        attempts.submit(attempt, learner.id, {})
        clock.advance(timedelta(minutes=1))
    with count_queries() as statements:
        pending = pending_essay_attempts(ReviewScope.of_courses([quiz.course_id, 999_999]))
    assert len(statements) == 1
    assert [p.learner for p in pending] == ["learner0", "learner1", "learner2"]
    first = pending[0]
    assert (first.quiz_title, first.course_slug, first.endpoint) == (
        "Практика",
        "info-work",
        "quiz_authoring.grade_attempt",
    )
    assert first.url == f"/author/info-work/quizzes/{quiz.key}/attempts/{first.attempt_id}/grade"
    assert pending_essay_attempts(ReviewScope.of_courses([])) == []
    attempt = db.session.get(Attempt, first.attempt_id)
    grade_item(attempt, essay_items(attempt)[0].id, users["trainer"], "1", "")
    assert [
        p.learner for p in pending_essay_attempts(ReviewScope.of_courses([quiz.course_id]))
    ] == ["learner1", "learner2"]


def test_item_analysis_counts_essay_grades_in_bands_and_skips_waiting_attempts(
    ctx, users, make_user
):
    quiz = essay_quiz(users["trainer"])
    grades = ["1", "75%", "0.7", None]  # the last one still waits
    for n, grade in enumerate(grades):
        learner = make_user(f"learner{n}")
        ready_learner(learner, quiz)
        attempt = attempts.start(quiz, learner.id)
        attempts.submit(attempt, learner.id, {})
        if grade is not None:
            grade_item(attempt, essay_items(attempt)[0].id, users["trainer"], grade, "")
    stats = analyse(attempt_records(quiz))
    assert stats.attempts == 3
    names, choices, by_hand = question_labels(quiz)
    [essay_key] = by_hand  # the one question graded by hand
    assert names[essay_key].short  # named by its text
    essay = next(q for q in stats.questions if q.question == essay_key)
    assert essay.option_counts == {"70": 2, "90": 1}
    assert essay.facility == pytest.approx((1 + 0.75 + 0.7) / 3)
    assert choices[essay_key]["70"].short == "70–80%"


def test_score_only_review_still_shows_the_trainers_grade_and_feedback(app, users):
    quiz = essay_quiz(users["trainer"])
    quiz.review = "score"
    db.session.commit()
    ready_learner(users["learner"], quiz)
    learner = client_of(app, "learner")
    attempt = submit_on_page(learner, quiz)
    grade_item(attempt, essay_items(attempt)[0].id, users["trainer"], "0.5", "Мало *фактов*")
    db.session.commit()
    url = f"/courses/info-work/quizzes/{quiz.key}/attempts/{attempt.id}/result"
    page = learner.get(url).get_data(as_text=True)
    assert "Ваш результат: 75%" in page and "Мало <em>фактов</em>" in page
    assert "Что ставят в начало новости?" not in page  # the choice stays hidden: score only


# ---- personal data -----------------------------------------------------------------------------


def test_the_learners_export_holds_the_grade_and_a_graders_deletion_keeps_it(ctx, users):
    from quizzes.privacy import erase_quiz_data, export_quiz_data

    quiz = essay_quiz(users["trainer"])
    ready_learner(users["learner"], quiz)
    attempt = attempts.start(quiz, users["learner"].id)
    attempts.submit(attempt, users["learner"].id, {})
    essay = essay_items(attempt)[0]
    grade_item(attempt, essay.id, users["trainer"], "1", "Отлично")
    exported = export_quiz_data(users["learner"])["quiz_attempts.json"][0]["questions"]
    assert [q["trainer_feedback"] for q in exported if q["type"] == "essay"] == ["Отлично"]
    erase_quiz_data(users["trainer"])
    db.session.expire_all()
    essay = db.session.get(AttemptItem, essay.id)
    assert (essay.graded_by_id, essay.score, essay.comment) == (None, 1.0, "Отлично")
