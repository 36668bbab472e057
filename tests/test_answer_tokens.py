"""The attempt form serves per-attempt tokens: they differ between attempts and only count in
their own attempt, so a learner cannot read, guess or carry over an answer's value."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from quizzes import attempts
from quizzes.models import Attempt, AttemptItem
from quizzes.types.base import TOKEN_BYTES
from tests.conftest import post
from tests.quiz_helpers import RIGHT, build_quiz, enroll, form_fields
from training.extensions import db

SERVED = ("single", "multiple", "truefalse", "matching")


def served_item(attempt: Attempt, kind: str) -> AttemptItem:
    return next(i for i in attempt.items if i.version.type == kind)


def test_every_served_value_has_its_own_unguessable_token(users):
    course, quiz = build_quiz(users["trainer"])
    enroll(users["learner"], course)
    attempt = attempts.start(quiz, users["learner"].id)
    tokens = [t for item in attempt.items for t in item.tokens]
    # Three options, three options, true and false, two rights; typed answers have none.
    assert len(tokens) == len(set(tokens)) == 3 + 3 + 2 + 2
    assert all(len(t) >= TOKEN_BYTES * 4 // 3 for t in tokens)  # base64 of 12 random bytes
    for item in attempt.items:
        assert sorted(item.tokens.values()) == sorted(
            item.order if item.version.type != "truefalse" else ["true", "false"]
        )


def test_the_same_option_has_new_tokens_in_the_next_attempt(users):
    course, quiz = build_quiz(users["trainer"])
    enroll(users["learner"], course)
    first = attempts.start(quiz, users["learner"].id)
    attempts.submit(first, users["learner"].id)
    second = attempts.start(quiz, users["learner"].id)
    for kind in SERVED:
        before, after = served_item(first, kind), served_item(second, kind)
        assert before.version_id == after.version_id
        for value in before.tokens.values():
            assert before.token(value) != after.token(value), (kind, value)


REFUSED = "Такого ответа нет среди предложенных вариантов."


@pytest.mark.parametrize("whose", ["own earlier attempt", "another learner"])
def test_a_token_from_another_attempt_is_refused_and_nothing_saved(
    login_as, users, make_user, whose
):
    course, quiz = build_quiz(users["trainer"], questions_per_page=0)
    learner = users["learner"]
    enroll(learner, course)
    if whose == "another learner":
        other = make_user("other")
        enroll(other, course)
        donor = attempts.start(quiz, other.id)
    else:
        donor = attempts.start(quiz, learner.id)
        attempts.submit(donor, learner.id)
    db.session.commit()
    client = login_as("learner")
    post(client, f"/courses/info-work/quizzes/{quiz.key}/start")
    attempt = db.session.scalar(
        sa.select(Attempt).where(Attempt.user_id == learner.id, Attempt.submitted_at.is_(None))
    )
    url = f"/courses/info-work/quizzes/{quiz.key}/attempts/{attempt.id}"
    page = client.get(url).get_data(as_text=True)
    assert all(f'value="{token}"' in page for i in attempt.items for token in i.tokens)
    for kind in SERVED:
        mine, theirs = served_item(attempt, kind), served_item(donor, kind)
        # The donor's right answer, field for field as its own page would send it.
        copied = {
            field.replace(f"q{theirs.id}", f"q{mine.id}", 1): value
            for field, value in form_fields(theirs, RIGHT[theirs.version.name]).items()
        }
        r = post(client, url, {"page": 0, "action": "save", **copied}, follow_redirects=True)
        assert REFUSED in r.get_data(as_text=True), kind
    db.session.expire_all()
    assert all(i.response is None for i in db.session.get(Attempt, attempt.id).items)
    # The same answers with this attempt's own tokens are taken.
    own = {}
    for item in attempt.items:
        own.update(form_fields(item, RIGHT[item.version.name]))
    r = post(client, url, {"page": 0, "action": "submit", **own})
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).score == pytest.approx(1.0)
