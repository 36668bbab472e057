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
    # On SQLite, six questions: the start inserts each served item on its own (PostgreSQL
    # batches them); the submit holds the attempt's row with one statement, once, and the
    # learning record and the certificate rule share one evaluation of the path (#22: was 28);
    # 26: + the cohorts' module dates, read once by that evaluation; the start (20) reads them
    # too, refusing a test whose module is not open yet for the learner's cohort.
    assert counts[0] <= 20 and counts[1] <= 7 and counts[2] <= 26, everything
    assert sum(1 for s in submit if s.startswith("SELECT attempts.")) == 2  # load, lock
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
