"""The learner's way through a quiz: Enter goes forward, resume lands on unanswered questions."""

from __future__ import annotations

import re

from tests.conftest import post
from tests.quiz_helpers import build_quiz
from tests.test_quiz_pages import current_attempt, form_for, start_as_learner

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
