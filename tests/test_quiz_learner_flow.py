"""The learner's way through a quiz: Enter goes forward, resume lands on unanswered questions."""

from __future__ import annotations

import re
from datetime import timedelta

from quizzes import services
from tests.conftest import post
from tests.privacy_helpers import take_quiz
from tests.quiz_helpers import build_quiz, enroll
from tests.test_quiz_pages import current_attempt, form_for, start_as_learner
from training.extensions import db

SUBMIT_BUTTON = re.compile(r'<button type="submit" name="action" value="(\w+)"')


def shown_page(html: str) -> int:
    """The page number (from 0) an attempt page says it shows."""
    return int(re.search(r'<input type="hidden" name="page" value="(\d+)">', html).group(1))


def test_the_first_submit_button_moves_forward_on_every_page(login_as, users):
    course, quiz = build_quiz(users["trainer"], questions_per_page=2)
    client, _attempt, url = start_as_learner(login_as, users, course, quiz)
    firsts = []
    for page in range(3):
        html = client.get(f"{url}?page={page}").get_data(as_text=True)
        form = html[html.index('<form method="post"') :]
        firsts.append(SUBMIT_BUTTON.findall(form)[0])
    # Enter in a text answer submits with the form's first button: never "previous".
    assert firsts == ["next", "next", "submit"]
    html = client.get(f"{url}?page=1").get_data(as_text=True)
    assert SUBMIT_BUTTON.findall(html) == ["next", "save", "previous"]
    assert 'class="button button--secondary quiz-nav__back"' in html  # shown first by CSS


def test_resume_opens_the_first_page_with_an_unanswered_question(login_as, users):
    course, quiz = build_quiz(users["trainer"], questions_per_page=2)
    client, attempt, url = start_as_learner(login_as, users, course, quiz)
    items = attempt.items
    assert shown_page(client.get(url).get_data(as_text=True)) == 0
    post(client, url, {"page": 0, "action": "save", **form_for(attempt, items[:2])})
    post(client, url, {"page": 2, "action": "save", **form_for(attempt, items[4:])})
    assert shown_page(client.get(url).get_data(as_text=True)) == 1
    # the quiz page's "Continue the attempt" and a second start land there too
    r = post(client, f"/courses/info-work/quizzes/{quiz.key}/start", follow_redirects=True)
    assert shown_page(r.get_data(as_text=True)) == 1
    post(client, url, {"page": 1, "action": "save", **form_for(attempt, items[2:3])})
    assert shown_page(client.get(url).get_data(as_text=True)) == 1  # one of two still open
    post(client, url, {"page": 1, "action": "save", **form_for(attempt, items[2:4])})
    assert shown_page(client.get(url).get_data(as_text=True)) == 2  # all answered: the last
    assert shown_page(client.get(f"{url}?page=0").get_data(as_text=True)) == 0
    assert current_attempt().is_open


def flat(response) -> str:
    """A page's HTML with its whitespace collapsed."""
    return " ".join(response.get_data(as_text=True).split())


def fail_once(login_as, users, **settings):
    """The English-speaking learner fails one attempt: their client and the result page."""
    course, quiz = build_quiz(users["trainer"], questions_per_page=0, pass_mark=100, **settings)
    enroll(users["learner"], course)
    client = login_as("learner")
    client.set_cookie("lang", "en")
    failed = take_quiz(client, quiz, pyramid="")
    url = f"/courses/info-work/quizzes/{quiz.key}/attempts/{failed.id}/result"
    return client, quiz, flat(client.get(url))


def test_try_again_is_one_post_from_the_result_page(login_as, users):
    client, quiz, page = fail_once(login_as, users)
    start = f"/courses/info-work/quizzes/{quiz.key}/start"
    assert f'<form method="post" action="{start}"> <input type="hidden" name="csrf_token"' in page
    assert '<button type="submit" class="button">Try again</button>' in page
    r = post(client, start, follow_redirects=True)
    again = current_attempt()
    assert again.number == 2 and again.is_open
    assert r.request.path.endswith(f"/attempts/{again.id}")
    assert shown_page(r.get_data(as_text=True)) == 0


def test_the_result_page_says_why_there_is_no_next_attempt(login_as, users):
    _client, _quiz, page = fail_once(login_as, users, attempts_allowed=1)
    assert "You have used all your attempts." in page
    assert "Try again" not in page and "/start" not in page


def test_the_result_page_says_when_the_next_attempt_opens(login_as, users, clock):
    client, quiz, page = fail_once(login_as, users, min_delay_seconds=600)
    opens = r'"alert alert--info">The next attempt opens at [^<]+ [AP]M \(UTC\+03\)\.</p>'
    assert re.search(opens, page)
    assert "Try again" not in page
    clock.advance(timedelta(seconds=601))
    url = f"/courses/info-work/quizzes/{quiz.key}/attempts/{current_attempt().id}/result"
    assert "Try again</button>" in flat(client.get(url))


def test_the_start_page_states_the_facts(login_as, users, clock):
    course, quiz = build_quiz(
        users["trainer"],
        questions_per_page=4,
        pass_mark=100,
        attempts_allowed=3,
        time_limit_seconds=600,
        min_delay_seconds=3600,
    )
    enroll(users["learner"], course)
    client = login_as("learner")
    client.set_cookie("lang", "en")
    url = f"/courses/info-work/quizzes/{quiz.key}"
    page = flat(client.get(url))
    assert "<li>6 questions on 2 pages</li>" in page
    assert "<li>Pass mark: 100%</li>" in page
    assert "<li>Time limit: 10 min</li>" in page
    assert "<li>Attempts left: 3 of 3</li>" in page
    quiz.questions_per_page = 0  # take_quiz answers everything on one page
    db.session.commit()
    take_quiz(client, quiz, pyramid="")
    page = flat(client.get(url))
    assert "<li>Attempts left: 2 of 3</li>" in page
    opens = r'"alert alert--info">The next attempt opens at [^<]+ [AP]M \(UTC\+03\)\.</p>'
    assert re.search(opens, page)


def test_the_start_page_counts_random_draws_and_says_one_question(login_as, users):
    course, quiz = build_quiz(users["trainer"], questions_per_page=0)
    first = quiz.slots[0].question
    services.remove_slot(quiz, quiz.slots[0])
    services.add_random(quiz, first.category, 2)  # five fixed + two drawn
    single = services.create_quiz(course, services.QuizSettings(title="Один", is_open=True))
    services.add_fixed(single, first)
    db.session.commit()
    enroll(users["learner"], course)
    client = login_as("learner")
    client.set_cookie("lang", "en")
    page = flat(client.get(f"/courses/info-work/quizzes/{quiz.key}"))
    assert "<li>7 questions on 1 page</li>" in page
    assert "<li>Attempts: unlimited</li>" in page
    page = flat(client.get(f"/courses/info-work/quizzes/{single.key}"))
    assert "<li>1 question on 1 page</li>" in page
