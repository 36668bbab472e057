"""What a quiz costs the database: statements per start → page → submit cycle."""

from __future__ import annotations

import sqlalchemy as sa

from courses import path
from quizzes.models import Attempt
from tests.conftest import count_queries, csrf_token
from tests.quiz_helpers import build_quiz, enroll
from tests.test_quiz_pages import form_for
from training.extensions import db


def cycle(client, quiz_key: str, token: str) -> tuple[list[str], list[str], list[str]]:
    """Start an attempt, open its page, submit every answer right: each step's statements."""
    start_url = f"/courses/info-work/quizzes/{quiz_key}/start"
    with count_queries() as start:
        started = client.post(start_url, data={"csrf_token": token})
    assert started.status_code == 302
    url = started.headers["Location"]
    with count_queries() as page:
        assert client.get(url).status_code == 200
    attempt = db.session.scalar(sa.select(Attempt).order_by(Attempt.id.desc()))
    answers = {"csrf_token": token, "page": 0, "action": "submit"}
    answers.update(form_for(attempt, attempt.items))
    with count_queries() as submit:
        submitted = client.post(url, data=answers)
    assert submitted.status_code == 302, submitted.get_data(as_text=True)
    return start, page, submit


def test_a_quiz_cycle_costs_few_statements(login_as, users):
    course, quiz = build_quiz(users["trainer"], questions_per_page=0)
    enroll(users["learner"], course)
    client = login_as("learner")
    token = csrf_token(client)
    cycle(client, quiz.key, token)  # the first attempt also starts the course's records
    start, page, submit = cycle(client, quiz.key, token)
    counts = (len(start), len(page), len(submit))
    print("statements per step (start, page, submit):", counts)
    everything = "\n---\n".join(start + page + submit)
    # Six questions. The start: the quiz, its course and the enrollment in one statement, the
    # slots with their questions' versions in one, the items in one INSERT (#22: was 20, one
    # INSERT per item on SQLite). The page: the attempt with its items and versions in one
    # (was 7). The submit: the claim closes the attempt with its grade, the items get answers
    # and grades in one UPDATE, the learning record and the certificate rule share one
    # evaluation of the path (with the cohorts' module dates), and the certificate rule reads
    # its settings and the latest certificate in one statement, and the completions already
    # recorded are looked up only once a module is done (was 26).
    assert counts[0] <= 10 and counts[1] <= 3 and counts[2] <= 14, everything
    assert sum(1 for s in submit if s.startswith("SELECT attempts.")) == 1  # with its items
    assert not any("FOR UPDATE" in s for s in submit)  # the claim's condition decides a race
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 2


def test_a_submit_evaluates_the_learning_path_once(login_as, users, monkeypatch):
    """The learning record and the certificate rule both read the path: one evaluation."""
    course, quiz = build_quiz(users["trainer"], questions_per_page=0)
    enroll(users["learner"], course)
    client = login_as("learner")
    token = csrf_token(client)
    cycle(client, quiz.key, token)
    evaluations = []
    real = path.gather
    monkeypatch.setattr(path, "gather", lambda *args: evaluations.append(args[1:]) or real(*args))
    cycle(client, quiz.key, token)
    assert evaluations == [([users["learner"].id], None)]
    # Outside one announcement nothing is shared: the next page sees the path as it is now.
    assert path._shared.get() is None
