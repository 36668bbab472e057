"""The learning record and its export as xAPI 1.0.3 statements."""

from __future__ import annotations

import json
import re
import uuid

from tests.conftest import post
from tests.course_helpers import build_course

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def check_statement(statement: dict) -> None:
    """The parts of the xAPI 1.0.3 statement structure an LRS checks on the way in."""
    assert set(statement) <= {
        "id",
        "actor",
        "verb",
        "object",
        "result",
        "context",
        "timestamp",
        "version",
    }
    uuid.UUID(statement["id"])
    actor = statement["actor"]
    assert actor["objectType"] == "Agent"
    # exactly one inverse functional identifier: an account with homePage and name
    assert set(actor) == {"objectType", "account"}
    assert actor["account"]["homePage"].startswith("http")
    assert actor["account"]["name"]
    verb = statement["verb"]
    assert re.match(r"^https?://", verb["id"]) and verb["display"]
    obj = statement["object"]
    assert obj["objectType"] == "Activity" and re.match(r"^https?://", obj["id"])
    assert re.match(r"^https?://", obj["definition"]["type"])
    for names in obj["definition"].get("name", {}).values():
        assert isinstance(names, str)
    assert ISO_UTC.match(statement["timestamp"])
    assert statement["version"] == "1.0.3"
    context = statement.get("context", {})
    for parent in context.get("contextActivities", {}).get("parent", []):
        assert re.match(r"^https?://", parent["id"])
    for key in context.get("extensions", {}):
        assert re.match(r"^https?://", key)


def test_learning_produces_events_exported_as_xapi(app, login_as, users, tmp_path):
    build_course(users["trainer"])
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    client.get("/courses/info-work/lessons/intro")
    post(client, "/courses/info-work/lessons/intro/done")

    out = tmp_path / "statements.json"
    result = app.test_cli_runner().invoke(
        args=["events", "export", "--since", "2020-01-01", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    statements = json.loads(out.read_text(encoding="utf-8"))
    verbs = [s["verb"]["display"]["en-US"] for s in statements]
    assert verbs == ["enrolled", "viewed", "completed"]
    for statement in statements:
        check_statement(statement)
    assert statements[0]["object"]["id"].endswith("/courses/info-work")
    assert statements[2]["object"]["id"].endswith("/courses/info-work/lessons/intro")
    assert statements[2]["context"]["contextActivities"]["parent"][0]["id"].endswith(
        "/courses/info-work"
    )
    # the actor is an opaque account number, never the username
    assert "learner" not in json.dumps([s["actor"] for s in statements])


def test_since_filters_and_bad_dates_are_refused(app, login_as, users):
    build_course(users["trainer"])
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    runner = app.test_cli_runner()
    future = runner.invoke(args=["events", "export", "--since", "2999-01-01"])
    assert future.exit_code == 0 and json.loads(future.output) == []
    bad = runner.invoke(args=["events", "export", "--since", "yesterday"])
    assert bad.exit_code != 0 and "--since" in bad.output


def test_module_completion_is_recorded_once_with_the_actors_organization(app, login_as, users):
    from sqlalchemy import select

    from training.events import LearningEvent
    from training.extensions import db

    build_course(users["trainer"])
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    post(client, "/courses/info-work/lessons/intro/done")
    with app.app_context():
        modules = db.session.scalars(
            select(LearningEvent).where(LearningEvent.object_type == "module")
        ).all()
        assert modules == []  # "plan" is still to do in the first module
    post(client, "/courses/info-work/lessons/plan/done")
    post(client, "/courses/info-work/lessons/plan/done")  # a repeat records nothing
    with app.app_context():
        events = db.session.scalars(select(LearningEvent).order_by(LearningEvent.id)).all()
        modules = [e.object_path for e in events if e.object_type == "module"]
        assert modules == ["courses/info-work/modules/osnovy"]
        assert {e.organization_id for e in events} == {users["learner"].organization_id}
