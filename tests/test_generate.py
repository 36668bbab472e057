"""The benchmark generator (bench/generate.py): proportions, and data that agrees with itself,
with the statistics aggregates and with what the application writes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from certificates.models import Certificate
from certificates.services import completion
from courses import learning, path
from courses.models import Course, CourseRevision, Enrollment, LessonProgress
from quizzes import attempts
from quizzes.models import Attempt, Quiz
from quizzes.services import quizzes_of
from stats import store
from tests.conftest import FAST_HASH, PASSWORD, extra_app
from training.accounts.models import User, UserRole
from training.accounts.services import create_user
from training.events import LearningEvent
from training.extensions import db
from training.organizations.models import Organization

ROOT = Path(__file__).resolve().parent.parent
LEARNERS = 300


def run_generator(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The generator as a user runs it, with warnings turned into errors as in the suite."""
    command = [sys.executable, "-W", "error", str(ROOT / "bench" / "generate.py")]
    return subprocess.run(
        [*command, "--database-url", url, *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One small dataset for the whole module: its SQLite file and the printed summary."""
    path = tmp_path_factory.mktemp("bench") / "bench.sqlite3"
    done = run_generator(f"sqlite:///{path}", "--learners", str(LEARNERS), "--seed", "7")
    assert done.returncode == 0, done.stderr[-3000:]
    return path, done.stdout


@pytest.fixture
def bench(generated: tuple[Path, str], tmp_path: Path) -> Iterator[None]:
    """An app and request context on a copy of the dataset, so a test may write to it."""
    copy = tmp_path / "bench.sqlite3"
    for suffix in ("", "-wal"):
        if Path(f"{generated[0]}{suffix}").exists():
            shutil.copy(f"{generated[0]}{suffix}", f"{copy}{suffix}")
    app = extra_app(
        tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{copy}", PASSWORD_HASH_METHOD=FAST_HASH
    )
    with app.test_request_context():
        yield
        db.session.remove()
        db.engine.dispose()


def count(model: Any, *where: Any) -> int:
    """Rows of a model or join, optionally filtered."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def learner_ids() -> list[int]:
    """Accounts holding only the learner role (staff hold another one too)."""
    roles = sa.select(UserRole.user_id).group_by(UserRole.user_id).having(sa.func.count() == 1)
    return list(db.session.scalars(roles))


def test_summary_names_the_figures_and_the_logins(generated):
    summary = generated[1]
    for word in ("organizations", "enrollments", "events", "attempts", "certificates"):
        assert word in summary
    assert "bench-admin" in summary and "organizer-01" in summary and "bench-password" in summary


def test_counts_come_in_the_expected_proportions(bench):
    learners = len(learner_ids())
    assert learners == LEARNERS
    assert 900 <= count(Organization) <= 1100
    assert count(Organization, Organization.kind == "regional") == 85
    assert count(User) == LEARNERS + 2 + 85  # an administrator, a trainer, 85 organizers
    languages = sorted(db.session.scalars(sa.select(CourseRevision.language)))
    assert languages == ["en"] * 5 + ["ru"] * 15
    assert count(Course, Course.published_revision_id.is_not(None)) == 20
    enrollments = count(Enrollment)
    assert 1.7 <= enrollments / learners <= 2.3
    assert 15 <= count(LearningEvent) / learners <= 40
    assert 1.5 <= count(Attempt) / learners <= 5
    assert 0 < count(Certificate) < 0.5 * enrollments
    # every learner belongs to a primary or a local organization, never higher up
    kinds = db.session.scalars(
        sa.select(Organization.kind)
        .join(User, User.organization_id == Organization.id)
        .where(User.id.in_(learner_ids()))
        .distinct()
    )
    assert set(kinds) <= {"primary", "local"}


def test_paths_are_materialised_from_the_root(bench):
    orgs = {org.id: org for org in db.session.scalars(sa.select(Organization))}
    for org in orgs.values():
        parent = orgs.get(org.parent_id) if org.parent_id else None
        assert org.path == (parent.path if parent else "/") + f"{org.id}/"


def test_every_event_carries_its_actors_organization(bench):
    wrong = count(
        sa.join(LearningEvent, User, LearningEvent.actor_id == User.id),
        LearningEvent.organization_id != User.organization_id,
    )
    assert wrong == 0
    missing = count(
        LearningEvent,
        sa.or_(
            LearningEvent.actor_id.is_(None),
            LearningEvent.organization_id.is_(None),
            LearningEvent.course_id.is_(None),
        ),
    )
    assert missing == 0
    first, last = db.session.execute(
        sa.select(sa.func.min(LearningEvent.timestamp), sa.func.max(LearningEvent.timestamp))
    ).one()
    now = datetime.now(UTC)
    assert now - timedelta(days=366) < first < last < now


def events_matching(verb: str, object_type: str, table: Any, moment: Any, *extra: Any) -> int:
    """Rows of `table` with an event of that verb by the same learner, course and time."""
    joined = sa.join(
        table,
        LearningEvent,
        sa.and_(
            LearningEvent.actor_id == table.c.user_id,
            LearningEvent.course_id == table.c.course_id,
            LearningEvent.verb == verb,
            LearningEvent.object_type == object_type,
            LearningEvent.timestamp == moment,
            *extra,
        ),
    )
    return count(joined)


def test_domain_tables_agree_with_the_log(bench):
    verbs = dict(
        db.session.execute(
            sa.select(
                LearningEvent.verb + "/" + LearningEvent.object_type, sa.func.count()
            ).group_by(LearningEvent.verb, LearningEvent.object_type)
        ).all()
    )
    enrollments, progress = Enrollment.__table__, LessonProgress.__table__
    assert verbs["enrolled/course"] == count(Enrollment)
    assert events_matching("enrolled", "course", enrollments, enrollments.c.enrolled_at) == count(
        Enrollment
    )
    assert verbs["viewed/lesson"] == count(LessonProgress)
    path_ends_in_key = LearningEvent.object_path.endswith("/lessons/" + progress.c.lesson_key)
    viewed = events_matching(
        "viewed", "lesson", progress, progress.c.first_viewed_at, path_ends_in_key
    )
    assert viewed == count(LessonProgress)
    done = count(LessonProgress, LessonProgress.completed_at.is_not(None))
    assert verbs["completed/lesson"] == done
    assert (
        events_matching("completed", "lesson", progress, progress.c.completed_at, path_ends_in_key)
        == done
    )
    assert verbs["attempted/quiz"] == count(Attempt)
    assert verbs["passed/quiz"] == count(Attempt, Attempt.passed.is_(True))
    assert verbs["failed/quiz"] == count(Attempt, Attempt.passed.is_(False))
    assert count(Attempt, Attempt.submitted_at.is_(None), Attempt.score.is_not(None)) == 0
    certificates = Certificate.__table__
    assert verbs["certified/course"] == count(Certificate)
    assert events_matching("certified", "course", certificates, certificates.c.issued_at) == count(
        Certificate
    )
    assert verbs["completed/course"] >= count(Certificate)


def test_certificates_follow_the_applications_completion_rule(bench):
    """Exactly the enrollments the certificate rule calls complete have a certificate."""
    certified = set(db.session.execute(sa.select(Certificate.user_id, Certificate.course_id)))
    courses = {course.id: course for course in db.session.scalars(sa.select(Course))}
    for user_id, course_id in db.session.execute(
        sa.select(Enrollment.user_id, Enrollment.course_id)
    ):
        complete = completion(user_id, courses[course_id]).complete
        assert complete == ((user_id, course_id) in certified), (user_id, course_id)


def test_module_and_course_completions_follow_the_learning_path(bench):
    """A "completed" module or course event exactly when the learning path says every
    required step of it (lessons and tests) is done."""
    completions: dict[tuple[int, int], list[str]] = defaultdict(list)
    for actor_id, course_id, where in db.session.execute(
        sa.select(LearningEvent.actor_id, LearningEvent.course_id, LearningEvent.object_path).where(
            LearningEvent.verb == "completed", LearningEvent.object_type.in_(("module", "course"))
        )
    ):
        completions[(actor_id, course_id)].append(where)
    learners: dict[int, list[int]] = defaultdict(list)
    for user_id, course_id in db.session.execute(
        sa.select(Enrollment.user_id, Enrollment.course_id)
    ):
        learners[course_id].append(user_id)
    checked = 0
    for course in db.session.scalars(sa.select(Course)):
        found = path.paths([course], learners[course.id])
        for user_id in learners[course.id]:
            walked = found[(user_id, course.id)]
            base = f"courses/{course.slug}"
            expected = [base] if walked.complete else []
            expected += [f"{base}/modules/{m.key}" for m in walked.modules if m.steps and m.done]
            assert sorted(completions[(user_id, course.id)]) == sorted(expected)
            checked += 1
    assert checked == count(Enrollment)


def test_each_learners_events_come_in_a_plausible_order(bench):
    by_enrollment: dict[tuple[int, int], list[LearningEvent]] = defaultdict(list)
    for event in db.session.scalars(
        sa.select(LearningEvent).order_by(LearningEvent.timestamp, LearningEvent.id)
    ):
        by_enrollment[(event.actor_id, event.course_id)].append(event)
    for events in by_enrollment.values():
        assert events[0].verb == "enrolled"
        assert [e.verb for e in events].count("enrolled") == 1
        viewed = set()
        for event in (e for e in events if e.object_type == "lesson"):
            if event.verb == "viewed":
                viewed.add(event.object_path)
            else:  # a lesson is completed only after it was opened
                assert event.object_path in viewed
        certified = [e.timestamp for e in events if e.verb == "certified"]
        if certified:  # after the course's completion and the last quiz passed
            earlier = [e.timestamp for e in events if e.verb == "passed"] + [
                e.timestamp for e in events if (e.verb, e.object_type) == ("completed", "course")
            ]
            assert earlier and max(earlier) <= certified[0]
    # ids follow time, as when the application appends to the log
    ids = list(
        db.session.scalars(
            sa.select(LearningEvent.id).order_by(LearningEvent.timestamp, LearningEvent.id)
        )
    )
    assert ids == sorted(ids)


def test_aggregates_agree_with_the_log(bench):
    drift = store.check()
    assert drift.counters > 1000
    assert drift.total == 0, drift.weekly[:5] + drift.active[:5]


def signature(event: LearningEvent) -> tuple:
    """Everything about an event's shape except who, when and the values of scores (passed
    and failed differ only in the verb and result.success, checked apart)."""
    context = dict(event.context or {})
    items = context.pop("items", None)
    attempt = context.pop("attempt", None)
    result = event.result or {}
    return (
        "graded" if event.verb in ("passed", "failed") else event.verb,
        event.object_type,
        event.object_path,
        event.object_name,
        tuple(sorted(context.items())),
        isinstance(attempt, int),
        tuple(sorted(items)) if items is not None else None,
        tuple(sorted(result)),
        tuple(sorted(result.get("score", {}))),
    )


def take(quiz: Quiz, user_id: int, answer: str) -> None:
    """One attempt through the real services, every question answered with `answer`."""
    attempt = attempts.start(quiz, user_id)
    attempts.submit(attempt, user_id, {item.id: answer for item in attempt.items})


def test_events_have_the_shapes_the_application_writes(bench):
    """A new learner goes through a generated course with the real services: every generated
    event of that course looks like one the application wrote."""
    # The busiest course among those with a quiz one may retry at once, so a failed attempt
    # (then a passed one) is among the events compared.
    retryable = sa.select(Quiz.course_id).where(
        Quiz.min_delay_seconds == 0, Quiz.attempts_allowed != 1
    )
    course_id = db.session.scalar(
        sa.select(Certificate.course_id)
        .where(Certificate.course_id.in_(retryable))
        .order_by(sa.func.count().desc())
        .group_by("course_id")
    )
    course = db.session.get(Course, course_id)
    org = db.session.get(Organization, db.session.scalar(sa.select(Organization.id).limit(1)))
    user_id = create_user("shape-check", PASSWORD, org).id
    learning.enroll(user_id, course)
    revision = course.published_revision
    quizzes = quizzes_of(course)
    # one quiz is failed first, where the rules allow an immediate second attempt
    [retried, *_others] = [
        q for q in quizzes if not q.min_delay_seconds and q.attempts_allowed != 1
    ]
    for module in revision.outline:
        for item in module["lessons"]:
            lesson = next(row for row in revision.lesson_rows if row.key == item["key"])
            if db.session.get(LessonProgress, (user_id, course.id, lesson.key)) is None:
                learning.record_view(user_id, course, revision, lesson)
            learning.mark_done(user_id, course, revision, item["key"])
        for quiz in (q for q in quizzes if q.module_key == module["key"]):
            if quiz is retried:
                take(quiz, user_id, "o3")  # fails, then passes
            take(quiz, user_id, "o1")
    for quiz in (q for q in quizzes if q.module_key is None):
        if quiz is retried:
            take(quiz, user_id, "o3")
        take(quiz, user_id, "o1")
    db.session.flush()
    mine = list(
        db.session.scalars(sa.select(LearningEvent).where(LearningEvent.actor_id == user_id))
    )
    written = {signature(e) for e in mine}
    verbs = {e.verb for e in mine}
    assert verbs >= {"enrolled", "viewed", "completed", "passed", "failed", "certified"}
    generated = {
        signature(e)
        for e in db.session.scalars(
            sa.select(LearningEvent).where(
                LearningEvent.course_id == course.id, LearningEvent.actor_id != user_id
            )
        )
    }
    assert generated - written == set()
    # the generated course was walked far enough to show most kinds of event
    assert len(generated & written) >= len(written) // 2
    for event in db.session.scalars(
        sa.select(LearningEvent).where(LearningEvent.verb.in_(("passed", "failed")))
    ):
        score = event.result["score"]
        assert score["scaled"] == round(score["raw"] / score["max"], 4)
        assert score["max"] == len(event.context["items"])
        assert event.result["success"] is (event.verb == "passed")


def test_a_database_with_data_is_refused_unless_reset(generated, tmp_path):
    copy = tmp_path / "again.sqlite3"
    shutil.copy(generated[0], copy)
    refused = run_generator(f"sqlite:///{copy}", "--learners", "3")
    assert refused.returncode != 0
    assert "--reset" in refused.stderr
    again = run_generator(f"sqlite:///{copy}", "--learners", "3", "--reset")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "learners" in again.stdout
