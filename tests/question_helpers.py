"""Helpers for the questions-under-lessons tests: a course with a self-paced group and two
cohorts, clients per person, and asking and answering through the pages."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from cohorts.models import Cohort, CohortMember, CohortTrainer
from cohorts.questions.models import PostReport, QuestionPost, QuestionThread
from courses import learning
from courses.models import Course
from tests.conftest import login, post
from tests.course_helpers import build_course
from training.accounts.models import Role
from training.db import utcnow
from training.extensions import db

ASK = "/courses/info-work/lessons/intro/ask"
LESSON = "/courses/info-work/lessons/intro"


def flat(response: Any) -> str:
    """The page's text with tags kept and whitespace squeezed, entities decoded."""
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def _cohort(course: Course, name: str, learners: list[Any], trainers: list[Any]) -> Cohort:
    now = utcnow()
    cohort = Cohort(
        course_id=course.id,
        name=name,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
    )
    db.session.add(cohort)
    db.session.flush()
    for user in learners:
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, course_id=course.id))
    for user in trainers:
        db.session.add(CohortTrainer(cohort_id=cohort.id, user_id=user.id))
    return cohort


def build_world(app: Any, users: dict[str, Any], make_user: Any) -> dict[str, Any]:
    """info-work by `trainer`; self-paced: learner («Лена Учебная»), peer; cohort «Север»:
    ann, bob, coached by coach; cohort «Юг»: cid. Everyone but the trainers is enrolled."""
    with app.test_request_context():
        course = build_course(users["trainer"])
        people = {
            "peer": make_user("peer", display_name="Пётр Соседов"),
            "ann": make_user("ann", display_name="Анна Северная"),
            "bob": make_user("bob", display_name="Борис Северный"),
            "cid": make_user("cid", display_name="Сидор Южный"),
            "coach": make_user("coach", Role.TRAINER, org="north", display_name="Тренер Коуч"),
        }
        learner = db.session.merge(users["learner"])
        learner.display_name = "Лена Учебная"
        for user in (learner, *(people[n] for n in ("peer", "ann", "bob", "cid"))):
            learning.enroll(user.id, course)
        north = _cohort(course, "Север", [people["ann"], people["bob"]], [people["coach"]])
        south = _cohort(course, "Юг", [people["cid"]], [])
        db.session.commit()
        return {"course_id": course.id, "north": north.id, "south": south.id, **people}


def client_of(app: Any, username: str) -> Any:
    """A fresh test client logged in as `username`."""
    client = app.test_client()
    login(client, username)
    return client


def ask(client: Any, body: str = "Как написать заметку?", title: str = "") -> Any:
    """Ask under the intro lesson through the page."""
    return post(client, ASK, {"title": title, "body": body})


def last_thread() -> QuestionThread:
    db.session.expire_all()
    return db.session.scalar(sa.select(QuestionThread).order_by(QuestionThread.id.desc()))


def answer(client: Any, thread_id: int, body: str = "Начните с заголовка.") -> Any:
    return post(client, f"/questions/{thread_id}", {"body": body})


def last_post() -> QuestionPost:
    db.session.expire_all()
    return db.session.scalar(sa.select(QuestionPost).order_by(QuestionPost.id.desc()))


def snapshot() -> list[tuple]:
    """Every thread, post and report as plain values: a refusal must leave them equal."""
    db.session.expire_all()
    rows = []
    for model in (QuestionThread, QuestionPost, PostReport):
        table = model.__table__
        rows.append(tuple(db.session.execute(sa.select(table).order_by(*table.primary_key)).all()))
    return rows
