"""A process to be killed in the middle of a change (run by tests/test_gunicorn_faults.py).

    python -m tests.fault_worker submit <attempt id>    # grade and close a quiz attempt
    python -m tests.fault_worker import <starter pack>  # import a course pack

The app comes from the environment, as under gunicorn (DATABASE_URL, TRAINING_*). The change
runs inside a POST request context, so on SQLite it starts with BEGIN IMMEDIATE like a real
request; it is flushed, never committed. Then the worker prints one line, ``READY {json}``,
and waits for stdin to close: the test SIGKILLs it before that (if the test itself dies, the
closed pipe ends the worker without a commit).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import sqlalchemy as sa

from app import create_app
from courses.models import Course, Lesson, Module
from courses.packs import import_pack, read_pack_dir
from courses.starter import STARTER
from quizzes import attempts
from quizzes.models import Attempt, Quiz
from tests.quiz_helpers import RIGHT
from training.accounts.services import find_user
from training.events import LearningEvent
from training.extensions import db


def submit(attempt_id: int) -> dict[str, Any]:
    """Submit the attempt with the right answers: saved, graded, event and counters written."""
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt is not None and attempt.is_open, "the attempt must be open"
    answers = {item.id: RIGHT[item.version.name] for item in attempt.items}
    attempts.submit(attempt, attempt.user_id, answers)
    db.session.flush()
    events = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LearningEvent)
        .where(LearningEvent.actor_id == attempt.user_id, LearningEvent.verb == "passed")
    )
    return {"score": attempt.score, "submitted": attempt.submitted_at is not None, "events": events}


def import_starter(name: str) -> dict[str, Any]:
    """Import a shipped pack as a new course owned by "trainer"."""
    owner = find_user("trainer")
    assert owner is not None
    result = import_pack(read_pack_dir(STARTER / name), owner)
    db.session.flush()

    def count(model: type, *where: Any) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0

    course_id = result.course.id
    return {
        "course": course_id,
        "modules": count(Module, Module.course_id == course_id),
        "lessons": count(Lesson, Lesson.course_id == course_id),
        "quizzes": count(Quiz, Quiz.course_id == course_id),
        "courses": count(Course),
    }


def main(mode: str, argument: str) -> None:
    app = create_app()
    with app.app_context(), app.test_request_context(method="POST"):
        done = submit(int(argument)) if mode == "submit" else import_starter(argument)
        print("READY", json.dumps(done), flush=True)
        sys.stdin.read()  # killed here; an EOF instead means the test went away
        db.session.rollback()
    sys.exit("stdin closed before the kill: rolled back")


if __name__ == "__main__":
    main(*sys.argv[1:3])
