"""The result page and the own-data export show a learner's answers as the review setting allows."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.conftest import post
from tests.privacy_helpers import take_quiz
from tests.quiz_helpers import build_quiz, enroll

UNANSWERED = {"pyramid": "", "lead": []}  # two questions left blank: a fail at pass mark 100


@pytest.fixture(autouse=True)
def keys_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))


def result_page(login_as, users, review: str, **answers) -> str:
    """The English result page of one attempt at a quiz with this review setting, its
    whitespace collapsed."""
    course, quiz = build_quiz(users["trainer"], questions_per_page=0, pass_mark=100, review=review)
    enroll(users["learner"], course)
    client = login_as("learner")
    client.set_cookie("lang", "en")
    attempt = take_quiz(client, quiz, **answers)
    url = f"/courses/info-work/quizzes/{quiz.key}/attempts/{attempt.id}/result"
    return " ".join(client.get(url).get_data(as_text=True).split())


@pytest.mark.parametrize(
    ("review", "answers_shown", "right_answers_shown"),
    [
        ("score", False, False),
        ("feedback", True, False),
        ("answers", True, True),
        ("answers_when_passed", True, False),  # failed: no right answers yet
    ],
)
def test_the_result_shows_own_answers_only_as_far_as_the_setting_allows(
    login_as, users, review, answers_shown, right_answers_shown
):
    page = result_page(login_as, users, review, **UNANSWERED)
    assert "Your score: 67%" in page
    assert ("Your answer: Заголовок → Главное; Цитата → Голос" in page) is answers_shown
    assert ("Your answer: False" in page) is answers_shown
    assert ("Your answer: No answer" in page) is answers_shown
    assert ("Question 1 — 0% · wrong" in page) is answers_shown
    assert ("Question 6 — 100% · right" in page) is answers_shown
    assert ("Перевёрнутая пирамида." in page) is answers_shown  # general feedback
    assert ("Right answer" in page) is right_answers_shown


def test_right_answers_appear_once_passed_when_the_setting_says_so(login_as, users):
    page = result_page(login_as, users, "answers_when_passed")
    assert "Passed" in page
    assert "Your answer: Кто; Что" in page
    assert "Right answer: Главное" in page


def quiz_items_in_export(client) -> list[list[dict]]:
    """The questions of each attempt in the learner's own-data export, first to last."""
    r = post(client, "/account/data/export")
    with zipfile.ZipFile(io.BytesIO(r.get_data())) as archive:
        attempts = json.loads(archive.read("quiz_attempts.json"))
    return [a["questions"] for a in attempts]


@pytest.mark.parametrize("review", ["score", "feedback"])
def test_the_export_hides_scores_per_answer_while_a_score_only_quiz_can_be_retried(
    login_as, users, review
):
    course, quiz = build_quiz(
        users["trainer"], questions_per_page=0, attempts_allowed=2, review=review
    )
    enroll(users["learner"], course)
    client = login_as("learner")
    take_quiz(client, quiz, **UNANSWERED)
    (first,) = quiz_items_in_export(client)
    graded = review != "score"  # a score-only quiz with an attempt left hides them
    assert [q["score"] is not None for q in first] == [graded] * 6
    assert [q["feedback"] is not None for q in first] == [graded] * 6
    assert first[2]["your_answer"] is False  # the learner's own answers are always theirs
    take_quiz(client, quiz, **UNANSWERED)  # the last attempt: nothing is left to protect
    for questions in quiz_items_in_export(client):
        assert [q["score"] for q in questions] == [0.0, 0.0, 1.0, 1.0, 1.0, 1.0]
        assert questions[0]["feedback"] == []
