"""Attempt rules: one open attempt, limits, delays, deadlines, idempotent atomic submission."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from courses.path import path_for
from quizzes import attempts, bank
from quizzes.models import Attempt, AttemptItem, Question, Quiz
from quizzes.spec import QuestionSpec
from tests.quiz_helpers import RIGHT, build_quiz
from training.db import utcnow
from training.errors import ServiceError
from training.events import LearningEvent, to_xapi
from training.extensions import db


def quiz_done(quiz: Quiz, learner: int) -> bool:
    """Whether the learning path counts the quiz done for the learner (the certificate's rule)."""
    db.session.flush()
    step = path_for(quiz.course, learner).step("quiz", quiz.key)
    return step is not None and step.done


def answers_for(attempt: Attempt, right: bool = True) -> dict[int, object]:
    result = {}
    for item in attempt.items:
        name = item.version.name
        result[item.id] = RIGHT[name] if right else None
    return result


def test_right_answers_pass_and_are_recorded(ctx, users):
    _course, quiz = build_quiz(users["trainer"], pass_mark=80)
    learner = users["learner"].id
    attempt = attempts.start(quiz, learner)
    assert next(i.order for i in attempt.items if i.version.type == "single")  # order recorded
    attempts.submit(attempt, learner, answers_for(attempt))
    assert attempt.score == pytest.approx(1.0) and attempt.passed
    assert quiz_done(quiz, learner)
    verbs = [e.verb for e in db.session.scalars(sa.select(LearningEvent))]
    assert "passed" in verbs


def test_graded_event_carries_each_questions_score(ctx, users):
    _course, quiz = build_quiz(users["trainer"])
    learner = users["learner"].id
    attempt = attempts.start(quiz, learner)
    answers = answers_for(attempt)
    wrong = next(i for i in attempt.items if i.version.type == "single")
    answers[wrong.id] = next(o for o in wrong.order if o != "o1")
    attempts.submit(attempt, learner, answers)
    event = db.session.scalar(
        sa.select(LearningEvent).where(
            LearningEvent.object_type == "quiz", LearningEvent.verb != "attempted"
        )
    )
    scores = event.context["items"]
    assert set(scores) == {str(i.version.question_id) for i in attempt.items}
    assert scores[str(wrong.version.question_id)] == 0
    assert sorted(scores.values()).count(1) == len(attempt.items) - 1
    statement = to_xapi(event, "https://edu.example")
    assert statement["context"]["extensions"]["https://edu.example/xapi/question-scores"] == scores


def test_one_open_attempt_and_resume(ctx, users):
    _course, quiz = build_quiz(users["trainer"])
    first = attempts.start(quiz, users["learner"].id)
    again = attempts.start(quiz, users["learner"].id)
    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1


def test_save_then_submit_grades_saved_answers(ctx, users):
    _course, quiz = build_quiz(users["trainer"])
    learner = users["learner"].id
    attempt = attempts.start(quiz, learner)
    half = dict(list(answers_for(attempt).items())[:3])
    attempts.save(attempt, learner, half)
    attempts.submit(attempt, learner)
    assert attempt.score == pytest.approx(3 / 6)
    assert not attempt.passed  # pass mark 70


def test_submission_is_idempotent(ctx, users):
    _course, quiz = build_quiz(users["trainer"])
    learner = users["learner"].id
    attempt = attempts.start(quiz, learner)
    attempts.submit(attempt, learner, answers_for(attempt))
    score, submitted_at = attempt.score, attempt.submitted_at
    # a replayed form with other answers changes nothing and makes no new attempt
    again = attempts.submit(attempt, learner, answers_for(attempt, right=False))
    assert again.id == attempt.id and again.score == score and again.submitted_at == submitted_at
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1
    assert len([e for e in db.session.scalars(sa.select(LearningEvent)) if e.verb == "passed"]) == 1


def test_the_lock_reads_back_a_submission_made_by_another_request(ctx, users):
    # Another request graded the attempt after this one loaded it: the object still says open.
    _course, quiz = build_quiz(users["trainer"])
    learner = users["learner"].id
    attempt = attempts.start(quiz, learner)
    db.session.flush()
    db.session.execute(
        sa.update(Attempt).where(Attempt.id == attempt.id).values(submitted_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    assert attempt.is_open  # stale, as in the losing request
    with pytest.raises(ServiceError):
        attempts.save(attempt, learner, answers_for(attempt))
    graded = attempts.submit(attempt, learner, answers_for(attempt))
    assert graded.score is None  # not graded again, and no answers stored after the fact
    assert all(item.saved_at is None for item in attempt.items)


def test_attempt_limit_and_delay(ctx, users):
    _course, quiz = build_quiz(users["trainer"], attempts_allowed=2, min_delay_seconds=600)
    learner = users["learner"].id
    first = attempts.start(quiz, learner)
    attempts.submit(first, learner, answers_for(first, right=False))
    state = attempts.standing(quiz, learner)
    assert not state.can_start and state.wait_until is not None
    with pytest.raises(ServiceError):
        attempts.start(quiz, learner)
    later = utcnow() + timedelta(minutes=11)
    assert attempts.standing(quiz, learner, later).can_start
    first.submitted_at = first.submitted_at - timedelta(minutes=11)  # time passes
    second = attempts.start(quiz, learner)
    attempts.submit(second, learner, answers_for(second, right=False))
    second.submitted_at = second.submitted_at - timedelta(minutes=11)
    state = attempts.standing(quiz, learner)
    assert not state.can_start and state.wait_until is None  # the limit, not the pause
    with pytest.raises(ServiceError):
        attempts.start(quiz, learner)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 2
    assert not quiz_done(quiz, learner)
    quiz.done_when = "passed_or_exhausted"
    assert quiz_done(quiz, learner)  # Moodle's rule, when the trainer chooses it


def test_answers_after_the_deadline_are_not_counted(ctx, users):
    _course, quiz = build_quiz(users["trainer"], time_limit_seconds=60)
    learner = users["learner"].id
    attempt = attempts.start(quiz, learner)
    first_item = attempt.items[0]
    attempts.save(attempt, learner, {first_item.id: RIGHT[first_item.version.name]})
    late = attempt.deadline_at + attempts.GRACE + timedelta(seconds=1)
    with pytest.raises(ServiceError):
        attempts.save(attempt, learner, answers_for(attempt), now=late)
    attempts.submit(attempt, learner, answers_for(attempt), now=late)
    assert attempt.score == pytest.approx(1 / 6)  # only the answer saved in time


def test_grace_period_still_counts(ctx, users):
    _course, quiz = build_quiz(users["trainer"], time_limit_seconds=60)
    learner = users["learner"].id
    attempt = attempts.start(quiz, learner)
    in_grace = attempt.deadline_at + attempts.GRACE - timedelta(seconds=1)
    attempts.submit(attempt, learner, answers_for(attempt), now=in_grace)
    assert attempt.score == pytest.approx(1.0)


def test_forged_and_foreign_answers_are_refused_and_nothing_is_saved(ctx, users, make_user):
    _course, quiz = build_quiz(users["trainer"])
    learner = users["learner"].id
    attempt = attempts.start(quiz, learner)
    single = next(i for i in attempt.items if i.version.type == "single")
    numeric = next(i for i in attempt.items if i.version.type == "numeric")
    for bad in (
        {single.id: "o99"},  # forged option id
        {single.id: "o1", 999999: "o1"},  # a question not in the attempt
        {numeric.id: "четыре"},
    ):
        with pytest.raises(ServiceError):
            attempts.save(attempt, learner, bad)
    db.session.expire_all()
    assert all(i.response is None for i in db.session.scalars(sa.select(AttemptItem)))
    other = make_user("other")
    with pytest.raises(PermissionError):
        attempts.save(attempt, other.id, {single.id: "o1"})
    with pytest.raises(PermissionError):
        attempts.submit(attempt, other.id)


def test_edited_question_does_not_change_past_results(ctx, users):
    course, quiz = build_quiz(users["trainer"])
    learner = users["learner"].id
    attempt = attempts.start(quiz, learner)
    attempts.submit(attempt, learner, answers_for(attempt))
    question = db.session.scalar(sa.select(Question).limit(1))
    old_version = question.current_version_id
    spec = question.current_version.spec
    spec.text = "Изменённый вопрос"
    new = bank.edit_question(course, question, spec, users["trainer"])
    assert new.number == 2 and question.current_version_id != old_version
    db.session.expire_all()
    served = db.session.scalars(sa.select(AttemptItem.version_id)).all()
    assert old_version in served and new.id not in served
    assert db.session.get(Attempt, attempt.id).score == pytest.approx(1.0)
    # unchanged text makes no new version
    assert bank.edit_question(course, question, QuestionSpec.from_json(new.data), None).id == new.id


def test_random_draw_and_shuffle_are_recorded(ctx, users):
    from quizzes import services

    course, quiz = build_quiz(users["trainer"], shuffle_questions=True)
    for slot in list(quiz.slots):
        services.remove_slot(quiz, slot)
    category = bank.categories(course)[0]
    services.add_random(quiz, category, 3)
    with pytest.raises(ServiceError):
        services.add_random(quiz, category, 7)
    attempt = attempts.start(quiz, users["learner"].id, rng=random.Random(1))
    assert len(attempt.items) == 3
    assert len({i.version.question_id for i in attempt.items}) == 3
