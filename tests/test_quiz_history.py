"""A learner's attempts at a quiz: the latest on the quiz page, every one on a page of its own,
and the rules counting all of them."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from quizzes import attempts
from quizzes.models import Attempt
from tests.conftest import count_queries, post
from tests.quiz_helpers import build_quiz, enroll
from tests.test_attempts import answers_for
from training.db import utcnow
from training.extensions import db


def past_attempts(quiz, user_id: int, results: list[bool]) -> None:
    """Submitted attempts, first to last, passed or not as listed (a day apart, long ago)."""
    start = utcnow() - timedelta(days=len(results) + 1)
    db.session.execute(
        sa.insert(Attempt),
        [
            {
                "quiz_id": quiz.id,
                "user_id": user_id,
                "number": n,
                "started_at": start + timedelta(days=n),
                "submitted_at": start + timedelta(days=n, minutes=5),
                "score": 1.0 if passed else 0.25,
                "passed": passed,
            }
            for n, passed in enumerate(results, start=1)
        ],
    )
    db.session.commit()


def numbers(html: str) -> list[int]:
    """The attempt numbers in a page's table of attempts, top to bottom."""
    return [int(n) for n in re.findall(r'<td data-label="Попытка">(\d+)</td>', html)]


def test_the_rules_count_every_attempt_not_only_the_latest_shown(ctx, users):
    _course, quiz = build_quiz(users["trainer"], attempts_allowed=12)
    learner = users["learner"].id
    past_attempts(quiz, learner, [True] + [False] * 10)  # the only pass is the oldest
    state = attempts.standing(quiz, learner)
    assert [a.number for a in state.recent] == list(range(2, 12))
    assert (state.started, state.submitted, state.passed) == (11, 11, True)
    assert state.can_start and state.open_attempt is None
    attempt = attempts.start(quiz, learner)
    assert attempt.number == 12
    state = attempts.standing(quiz, learner)
    assert state.open_attempt is attempt and not state.can_start
    assert (state.started, state.submitted) == (12, 11)
    attempts.submit(attempt, learner, answers_for(attempt, right=False))
    state = attempts.standing(quiz, learner)
    assert not state.can_start and state.wait_until is None  # twelve of twelve used
    assert [a.number for a in state.recent] == list(range(3, 13))


def test_the_quiz_page_lists_the_latest_ten_and_links_to_all(login_as, users):
    course, quiz = build_quiz(users["trainer"])
    enroll(users["learner"], course)
    past_attempts(quiz, users["learner"].id, [True] + [False] * 54)
    client = login_as("learner")
    url = f"/courses/info-work/quizzes/{quiz.key}"
    with count_queries() as statements:
        page = client.get(url).get_data(as_text=True)
    assert numbers(page) == list(range(46, 56))
    assert "Показаны последние 10; всего попыток: 55." in page
    assert f'href="{url}/attempts">Все попытки</a>' in page
    # The first attempt's pass counts, however many attempts followed it.
    assert '<p class="badge badge--big">Сдано</p>' in page
    # The standing reads the latest attempts with counts over all of them.
    attempt_reads = [s for s in statements if "FROM attempts" in s]
    assert len(attempt_reads) == 1 and "LIMIT" in attempt_reads[0], "\n".join(statements)
    # In all: the session, the quiz with its course, revision and enrollment (one statement:
    # no lazy load follows), the module's dates, the standing, the question count, and, as it
    # is passed, the path for the next step (lessons, quizzes, assignments, module dates).
    assert len(statements) <= 9, "\n".join(statements)

    first = client.get(f"{url}/attempts").get_data(as_text=True)
    assert numbers(first) == list(range(1, 51))
    assert "Всего попыток: 55" in first and "Страница 1 из 2" in first
    assert f'href="{url}/attempts?page=2" rel="next"' in first
    second = client.get(f"{url}/attempts?page=2").get_data(as_text=True)
    assert numbers(second) == list(range(51, 56)) and "Страница 2 из 2" in second
    # A page number that is not one reads as the first page; one past the end says so.
    for odd in ("abc", "0", "-1", "²", "99999999999"):
        assert numbers(client.get(f"{url}/attempts?page={odd}").get_data(as_text=True))[0] == 1
    beyond = client.get(f"{url}/attempts?page=9").get_data(as_text=True)
    assert numbers(beyond) == [] and "На этой странице попыток нет." in beyond


def test_a_few_attempts_need_no_second_page(login_as, users):
    course, quiz = build_quiz(users["trainer"])
    enroll(users["learner"], course)
    client = login_as("learner")
    url = f"/courses/info-work/quizzes/{quiz.key}"
    assert "Вы ещё не проходили этот тест." in client.get(f"{url}/attempts").get_data(as_text=True)
    past_attempts(quiz, users["learner"].id, [False, False, False])
    page = client.get(url).get_data(as_text=True)
    assert numbers(page) == [1, 2, 3] and "Все попытки" not in page
    assert "Попробовать ещё раз" in page
    history = client.get(f"{url}/attempts").get_data(as_text=True)
    assert numbers(history) == [1, 2, 3] and 'class="pager"' not in history
    # Each result says which attempt it is and leads to the whole list.
    second = db.session.scalar(sa.select(Attempt.id).where(Attempt.number == 2))
    result = client.get(f"{url}/attempts/{second}/result").get_data(as_text=True)
    assert f'Попытка 2 · <a href="{url}/attempts">Все попытки</a>' in result


def test_the_attempts_page_shows_only_ones_own_and_only_to_the_enrolled(client, login_as, users):
    course, quiz = build_quiz(users["trainer"])
    url = f"/courses/info-work/quizzes/{quiz.key}/attempts"
    assert client.get(url).headers["Location"].startswith("/account/login")
    enroll(users["learner"], course)
    past_attempts(quiz, users["learner"].id, [False] * 3)
    other = login_as("trainer")  # enrolled in nothing: sent to the course page to enroll
    response = other.get(url)
    assert response.status_code == 302 and response.headers["Location"] == "/courses/info-work"
    enroll(users["trainer"], course)
    page = other.get(url).get_data(as_text=True)
    assert numbers(page) == [] and "Вы ещё не проходили этот тест." in page
    quiz.is_open = False
    db.session.commit()
    post(other, "/account/logout")
    learner = login_as("learner")
    assert learner.get(url).status_code == 404  # a closed quiz, as its own page
    assert learner.get("/courses/info-work/quizzes/nope/attempts").status_code == 404


def test_an_attempt_in_progress_shows_a_dash_for_what_it_does_not_have_yet(login_as, users):
    course, quiz = build_quiz(users["trainer"])
    enroll(users["learner"], course)
    past_attempts(quiz, users["learner"].id, [False])
    attempts.start(quiz, users["learner"].id)
    db.session.commit()
    page = login_as("learner").get(f"/courses/info-work/quizzes/{quiz.key}").get_data(as_text=True)
    assert numbers(page) == [1, 2]
    # On a phone the table's cells stack under their labels: an empty one reads as missing.
    assert '<td data-label="Завершена">в процессе</td>' in page
    assert '<td class="num" data-label="Результат">—</td>' in page
    assert '<td data-label="Итог">—</td>' in page
    assert '<td class="num" data-label="Результат">25%</td>' in page  # the finished one
