"""Sending the first option the page offers everywhere scores near chance on every starter quiz.

Before answer tokens, option values were ids in the author's order and the right answer of
each starter single-choice question is written first, so "o1 everywhere" passed at 81 %.
"""

from __future__ import annotations

from html.parser import HTMLParser

import sqlalchemy as sa

from courses.models import Course
from quizzes.models import Attempt
from tests.conftest import post
from training.extensions import db


class FirstOffered(HTMLParser):
    """The first value each answer field of a page offers: a radio, a checkbox or an option."""

    def __init__(self) -> None:
        super().__init__()
        self.first: dict[str, str] = {}
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name") or ""
        if tag == "input" and a.get("type") in ("radio", "checkbox") and name.startswith("q"):
            self.first.setdefault(name, a.get("value") or "")
        elif tag == "select" and name.startswith("q"):
            self.select = name
        elif tag == "option" and self.select and a.get("value"):
            self.first.setdefault(self.select, a.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None


def first_offered(html: str) -> dict[str, str]:
    parser = FirstOffered()
    parser.feed(html)
    return parser.first


def test_the_first_offered_option_everywhere_scores_near_chance(
    app, ctx, login_as, users, tmp_path, monkeypatch
):
    from courses.starter import load_starter_courses
    from quizzes.services import quizzes_of

    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))
    load_starter_courses("trainer")
    client = login_as("learner")
    scores = []
    for course in db.session.scalars(sa.select(Course).order_by(Course.slug)):
        post(client, f"/courses/{course.slug}/enroll")
        for quiz in quizzes_of(course):
            quiz.questions_per_page = 0  # one page: the attack does not depend on paging
            db.session.commit()
            base = f"/courses/{course.slug}/quizzes/{quiz.key}"
            attempt_url = post(client, f"{base}/start").headers["Location"]
            fields = first_offered(client.get(attempt_url).get_data(as_text=True))
            assert fields, quiz.key
            post(client, attempt_url, {"page": 0, "action": "submit", **fields})
            db.session.expire_all()
            attempt = db.session.scalar(sa.select(Attempt).order_by(Attempt.id.desc()))
            assert attempt.score is not None, quiz.key
            scores.append(attempt.score)
    mean = sum(scores) / len(scores)
    # Options are shuffled per attempt, so the first offered one is a random one: about
    # 1/(options) per choice question and 1/(pairs) per matching row ("True", always shown
    # first, earns the share of true statements). Over the 35 starter quizzes (about 275
    # questions) the mean lands near 20 % and moves by about 1.5 points from run to run; 40 %
    # is over ten of those away, so the test is not flaky, and it is far below the 70 % pass
    # mark and the 81 % that "o1 everywhere" scored when option ids were served.
    assert len(scores) >= 30
    assert mean < 0.4, mean
