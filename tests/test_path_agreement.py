"""Who finished a course is one fact: the learning path, the learning record, certificates,
and the organizers' statistics all name the same people, after any mix of learning."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from certificates.models import Certificate
from courses import learning, path
from courses.models import Course, Enrollment
from quizzes.services import quizzes_of
from stats import store
from stats.learners import learner_rows
from stats.queries import Scope, overview, published_courses
from tests.course_helpers import build_course
from tests.quiz_helpers import build_quiz
from tests.stats_helpers import take_quiz
from tests.test_learning_path import add_final
from training.db import utcnow
from training.events import LearningEvent
from training.extensions import db


@pytest.mark.parametrize("seed", [20261205, 7, 4242])
def test_path_record_certificates_and_statistics_agree(ctx, users, org_tree, make_user, seed):
    rng = random.Random(seed)
    first, module_quiz = build_quiz(users["trainer"], pass_mark=60)
    add_final(first, users["trainer"], required=rng.random() < 0.5)
    second = build_course(users["trainer"], slug="second")
    second_final = add_final(second, users["trainer"])
    quizzes = {first.id: [module_quiz, *_open_finals(first)], second.id: [second_final]}
    people = [
        make_user(f"walker{i}", org=rng.choice(["school", "college", "north_local"]))
        for i in range(14)
    ]
    for _round in range(4):
        for person in people:
            course = rng.choice([first, second])
            learning.enroll(person.id, course)
            revision = course.published_revision
            # lessons in any order, some skipped
            for key in rng.sample(revision.lesson_keys(), rng.randint(0, 3)):
                learning.mark_done(person.id, course, revision, key)
            for quiz in quizzes[course.id]:
                if rng.random() < 0.6:
                    take_quiz(person, quiz, right=rng.random() < 0.6)
            db.session.flush()

    courses = [first, second]
    ids = [p.id for p in people]
    walked = path.paths(courses, ids)
    enrolled = set(db.session.execute(sa.select(Enrollment.user_id, Enrollment.course_id)))
    finished = {key for key, p in walked.items() if p.complete and key in enrolled}
    recorded = set(
        db.session.execute(
            sa.select(LearningEvent.actor_id, LearningEvent.course_id).where(
                LearningEvent.verb == "completed", LearningEvent.object_type == "course"
            )
        )
    )
    certified = set(db.session.execute(sa.select(Certificate.user_id, Certificate.course_id)))
    assert 0 < len(finished) < len(enrolled)  # the workload leaves both kinds
    assert recorded == finished
    assert certified == finished

    # the organizers' figures at the top of the tree, over the whole history
    today = utcnow().date()
    start = date(2020, 1, 6)  # a Monday long before
    end = today + timedelta(days=6 - today.weekday())
    scope = Scope(org_tree["top"], tuple(published_courses()), start, end)
    figures = dict(overview(scope).by_course)
    for course in courses:
        mine = {key for key in finished if key[1] == course.id}
        assert figures[course].completed == len(mine)
        assert figures[course].certified == len(mine)
    rows = learner_rows(scope, page_size=None).rows
    assert len(rows) == len(enrolled)
    for row in rows:
        user_id = next(p.id for p in people if p.username == row.username)
        key = (user_id, row.course.id)
        assert (row.certified_at is not None) == (key in finished)
        assert (row.steps_done, row.steps_total) == (walked[key].done_count, walked[key].total)
        assert (row.steps_done == row.steps_total) == (key in finished)
    assert store.check().total == 0


def _open_finals(course: Course) -> list:
    return [q for q in quizzes_of(course) if q.module_key is None]
