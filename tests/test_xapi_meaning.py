"""xAPI statements mean what they say to an LRS: names in the course's language, one actor each."""

from __future__ import annotations

import json

import sqlalchemy as sa
from tincan import Statement

from courses import publishing, services
from tests.conftest import login, post
from tests.course_helpers import build_course
from tests.test_events import check_statement
from training.events import LearningEvent, anonymise_actor
from training.extensions import db


def english_course(owner) -> None:
    course = services.create_course(
        db.session.merge(owner),
        slug="info-work-en",
        meta=services.CourseMeta(
            title="Information work in a trade union",
            description="For activists.",
            language="en",
            topics=["news"],
            duration_minutes=45,
        ),
    )
    module = services.add_module(course, "Basics")
    services.add_lesson(module, "Why information work", "Text.", key="why")
    publishing.publish(course, db.session.merge(owner), "First")
    db.session.commit()


def export(app) -> list[dict]:
    result = app.test_cli_runner().invoke(args=["events", "export", "--since", "2020-01-01"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def through_tincan(statement: dict) -> dict:
    """The statement as TinCanPython (ADL's model of xAPI) reads and writes it back."""
    return json.loads(Statement.from_json(json.dumps(statement)).to_json())


def test_object_names_are_tagged_with_the_course_language(app, login_as, users):
    build_course(users["trainer"])
    english_course(users["trainer"])
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    post(client, "/courses/info-work-en/enroll")
    post(client, "/courses/info-work-en/lessons/why/done")

    names = {
        s["object"]["id"].split("/", 3)[3]: s["object"]["definition"]["name"] for s in export(app)
    }
    assert names["courses/info-work"] == {"ru": "Информационная работа"}
    assert names["courses/info-work-en"] == {"en": "Information work in a trade union"}
    assert names["courses/info-work-en/lessons/why"] == {"en": "Why information work"}
    for statement in export(app):
        check_statement(statement)
        again = through_tincan(statement)
        assert again["object"]["definition"]["name"] == statement["object"]["definition"]["name"]


def test_two_anonymised_people_stay_two_actors(app, client, users, make_user):
    build_course(users["trainer"])
    second = make_user("second")
    for name in ("learner", "second"):
        login(client, name)
        post(client, "/courses/info-work/enroll")
        post(client, "/courses/info-work/lessons/intro/done")
        post(client, "/account/logout")
    anonymise_actor(users["learner"].id)
    anonymise_actor(second.id)
    db.session.commit()

    refs = set(db.session.scalars(sa.select(LearningEvent.actor_ref)))
    assert len(refs) == 2 and None not in refs
    statements = export(app)
    actors = [s["actor"]["account"]["name"] for s in statements]
    assert set(actors) == refs and "anonymous" not in actors
    # each person's statements share their one name: enrolled and completed
    assert sorted(actors.count(ref) for ref in refs) == [2, 2]
    for statement in statements:
        check_statement(statement)
        assert through_tincan(statement)["actor"] == statement["actor"]


def test_a_deleted_course_leaves_its_names_undetermined(app, ctx, users):
    from training.events import record_event

    record_event(users["learner"].id, "viewed", "course", "courses/gone", object_name="Старый курс")
    db.session.commit()
    (statement,) = export(app)
    assert statement["object"]["definition"]["name"] == {"und": "Старый курс"}
    check_statement(statement)
