"""A question type added from outside quizzes/: one class and one template are all it takes.

The test-only "ordering" type (put the options in their right order) goes through the real
pages and services: the bank, start, a page of the attempt, save, submit, review, and the
trainer's item analysis. It is registered for one test and unregistered afterwards.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from jinja2 import ChoiceLoader, DictLoader
from werkzeug.datastructures import MultiDict

from quizzes import bank, services
from quizzes.models import Attempt
from quizzes.spec import Option, QuestionSpec
from quizzes.types import REGISTRY, GradeResult, InvalidResponse, QuestionType, register, unregister
from quizzes.types.base import require
from tests.conftest import login, post
from tests.course_helpers import build_course
from tests.quiz_helpers import enroll
from training.errors import ServiceError
from training.extensions import db

TEMPLATE = """
<ol class="ordering">
  {% for oid in item.order %}{% set o = spec.options | selectattr("id", "eq", oid) | first %}
    <li><label>{{ v.html(o.text)|safe }}
      <input type="number" name="{{ name }}-{{ oid }}" value="{{ (r or {}).get(oid, '') }}">
    </label></li>
  {% endfor %}
</ol>
"""


class Ordering(QuestionType):
    """Number the options 1..n; the score is the share of options put in their right place."""

    name = "ordering"

    @property
    def template(self) -> str:
        return "test_types/ordering.html"

    def read_form(self, name: str, order: list[str], form: MultiDict) -> dict[str, str]:
        return {oid: form.get(f"{name}-{oid}", "") for oid in order}

    def served_order(self, spec: QuestionSpec, shuffle: bool, rng: random.Random) -> list[str]:
        ids = [o.id for o in spec.options]
        rng.shuffle(ids)
        return ids

    def check(self, spec: QuestionSpec, response: Any) -> dict[str, int]:
        if response in (None, ""):
            return {}
        if not isinstance(response, dict) or set(response) - {o.id for o in spec.options}:
            raise InvalidResponse("unknown option")
        places = {}
        for oid, place in response.items():
            if place in ("", None):
                continue
            if str(place) not in {str(n) for n in range(1, len(spec.options) + 1)}:
                raise InvalidResponse("not a place")
            places[oid] = int(place)
        return places

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        places = self.check(spec, response)
        hits = sum(1 for n, o in enumerate(spec.options, 1) if places.get(o.id) == n)
        labels = tuple(f"{oid}@{place}" for oid, place in sorted(places.items()))
        return GradeResult(hits / len(spec.options), (), labels)

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        return [f"{n}. {o.text}" for n, o in enumerate(spec.options, 1)]

    def full_marks(self, spec: QuestionSpec) -> dict[str, int]:
        return {o.id: n for n, o in enumerate(spec.options, 1)}

    def check_spec(self, spec: QuestionSpec) -> None:
        require(len(spec.options) >= 2, "Two options at least.")

    def choice_labels(self, spec: QuestionSpec) -> dict[str, str]:
        count = len(spec.options)
        return {f"{o.id}@{n}": f"{o.text} #{n}" for o in spec.options for n in range(1, count + 1)}


@pytest.fixture
def ordering_type(app: Flask) -> Iterator[None]:
    """The test type registered, and its template findable, for one test only."""
    register(Ordering)
    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"test_types/ordering.html": TEMPLATE}), original]
    )
    yield
    app.jinja_env.loader = original
    unregister("ordering")
    assert "ordering" not in REGISTRY


def spec() -> QuestionSpec:
    return QuestionSpec(
        type="ordering",
        text="Расставьте части новости по порядку",
        name="order",
        options=[Option("o1", "Заголовок"), Option("o2", "Лид"), Option("o3", "Подробности")],
    )


def test_a_registered_type_goes_from_bank_to_item_analysis(
    ordering_type, login_as, users, make_user
):
    course = build_course(users["trainer"])
    with pytest.raises(ServiceError):  # the bank asks the type to validate its spec
        bank.add_question(course, QuestionSpec(type="ordering", text="?", options=[]), None)
    question = bank.add_question(course, spec(), users["trainer"])
    quiz = services.create_quiz(
        course,
        services.QuizSettings(title="Порядок", module_key="osnovy", is_open=True, review="answers"),
    )
    services.add_fixed(quiz, question)
    enroll(users["learner"], course)
    second = make_user("learner2")
    enroll(second, course)
    db.session.commit()

    client = login_as("learner")
    take(client, quiz.key, right=True)
    post(client, "/account/logout")
    login(client, "learner2")
    result = take(client, quiz.key, right=False)
    assert "33%" in result

    post(client, "/account/logout")
    login(client, "trainer")
    page = client.get(f"/author/info-work/quizzes/{quiz.key}/analysis").get_data(as_text=True)
    assert '<td data-label="Вопрос">Расставьте части новости по порядку' in page  # text, not name
    assert "Заголовок #1: 2" in page  # both learners put the headline first
    assert "Лид #3: 1" in page


def take(client, key: str, *, right: bool) -> str:
    """Start, save a half answer, check it is shown back, submit the rest; the result page."""
    post(client, f"/courses/info-work/quizzes/{key}/start")
    attempt = db.session.scalar(sa.select(Attempt).order_by(Attempt.id.desc()))
    item = attempt.items[0]
    url = f"/courses/info-work/quizzes/{key}/attempts/{attempt.id}"
    page = client.get(url).get_data(as_text=True)
    assert f'name="q{item.id}-o2"' in page and "Подробности" in page  # the type's template

    r = post(client, url, {"page": 0, "action": "save", f"q{item.id}-o1": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).items[0].response == {"o1": 1}
    assert 'value="1"' in client.get(url).get_data(as_text=True)

    forged = post(client, url, {"page": 0, "action": "save", f"q{item.id}-o1": "9"})
    assert forged.status_code == 302  # refused with a message; the saved answer stays
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).items[0].response == {"o1": 1}

    rest = {"o2": "2", "o3": "3"} if right else {"o2": "3", "o3": "2"}
    answers = {f"q{item.id}-{oid}": place for oid, place in rest.items()}
    r = post(client, url, {"page": 0, "action": "submit", f"q{item.id}-o1": "1", **answers})
    assert r.headers["Location"].endswith("/result")
    db.session.expire_all()
    submitted = db.session.get(Attempt, attempt.id)
    assert submitted.score == pytest.approx(1.0 if right else 1 / 3)
    result = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "1. Заголовок; 2. Лид; 3. Подробности" in result  # the type's review
    return result


def test_a_type_without_a_gift_form_skips_rather_than_reads(ctx):
    kind = Ordering()
    assert not kind.gift_reads and not kind.in_gift
    assert kind.from_gift(None, 0, 0, 0) == "Вопросы типа «ordering» нельзя прочитать из GIFT."
    with pytest.raises(ValueError, match="GIFT cannot express"):
        kind.to_gift(QuestionSpec(type="ordering", text="x"), "")
