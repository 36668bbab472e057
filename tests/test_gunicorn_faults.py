"""Production faults against real gunicorn processes: races between workers, write load on
SQLite, a process killed in the middle of a change. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re
import select
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from courses import learning
from courses.models import Course, CourseRevision, Enrollment, Lesson, LessonProgress, Module
from courses.packs import import_pack, read_pack_dir
from courses.starter import STARTER
from quizzes import attempts as attempt_service
from quizzes.models import Attempt, AttemptItem, Question, Quiz, QuizSlot
from quizzes.types import grade
from stats import store
from stats.models import WeeklyCount
from tests.conftest import PASSWORD
from tests.gunicorn_helpers import (
    POSTGRES,
    PYTHON,
    ROOT,
    Browser,
    Reply,
    Site,
    attempt_id_from,
    build_site,
    gunicorn,
    right_answers,
    server_environment,
)
from training.accounts.models import User
from training.events import LearningEvent
from training.extensions import db

LOCKED = "database is locked"


def path_of(location: str) -> str:
    return urlsplit(location).path


def user_id(site: Site, username: str) -> int:
    with site.app.app_context():
        found = db.session.scalar(sa.select(User.id).where(User.username == username))
        assert found is not None
        return found


def quiz_events(site: Site, actor_id: int, verbs: tuple[str, ...] = ("passed", "failed")) -> int:
    with site.app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LearningEvent)
            .where(
                LearningEvent.actor_id == actor_id,
                LearningEvent.verb.in_(verbs),
                LearningEvent.object_type == "quiz",
            )
        )


def counted_attempts(site: Site) -> int:
    """The organizer statistics' "attempts" of the quiz at the top of the tree."""
    with site.app.app_context():
        return (
            db.session.scalar(
                sa.select(sa.func.sum(WeeklyCount.value)).where(
                    WeeklyCount.org_id == site.top_id,
                    WeeklyCount.course_id == site.course_id,
                    WeeklyCount.metric == "attempts",
                    WeeklyCount.item == site.quiz_key,
                )
            )
            or 0
        )


def graded(site: Site) -> list[tuple[Attempt, list[AttemptItem]]]:
    """Every attempt at the site's quiz with its items, detached for asserting."""
    with site.app.app_context():
        rows = list(
            db.session.scalars(
                sa.select(Attempt).where(Attempt.quiz_id == site.quiz_id).order_by(Attempt.id)
            )
        )
        found = [(attempt, list(attempt.items)) for attempt in rows]
        for _attempt, items in found:
            for item in items:
                _ = item.version.data  # loaded now: the items are read after detaching
        db.session.expunge_all()
        return found


def assert_no_server_errors(replies: list[tuple[str, Reply]], log: str) -> None:
    failed = [(what, reply.status) for what, reply in replies if reply.status >= 500]
    assert not failed, f"{len(failed)} server errors, e.g. {failed[:5]}\n{log[-3000:]}"
    error_pages = [what for what, reply in replies if reply.is_error_page]
    assert not error_pages, f"error pages: {error_pages[:5]}"
    assert "Traceback" not in log, log[-3000:]


# ---- 50 concurrent submissions of one attempt -------------------------------------------------


def test_fifty_concurrent_submissions_grade_once(tmp_path):
    """A learner's "Submit" sent 50 times at once to 4 worker processes: every request gets
    the result page, and the attempt is graded, logged and counted exactly once.

    Half the copies carry the right answers and half none: whichever wins, the answers kept
    are the ones graded (a losing copy must not overwrite them after grading)."""
    site = build_site(tmp_path, "fifty")
    try:
        learner = user_id(site, "learner")
        with gunicorn(site.database_url, tmp_path, workers=4, settings=site.settings()) as server:
            browser = Browser(server.url)
            browser.login("learner")
            token = browser.token(f"/courses/{site.course_slug}")
            enrolled = browser.post(f"/courses/{site.course_slug}/enroll", {"csrf_token": token})
            assert enrolled.status == 302, enrolled.text[:2000]
            started = browser.post(f"{site.quiz_path()}/start", {"csrf_token": token})
            assert started.status == 302, started.text[:2000]
            attempt_path = path_of(started.location)
            attempt_id = attempt_id_from(attempt_path)
            page = browser.get(attempt_path)
            assert page.status == 200 and 'name="action" value="submit"' in page.text
            blank = {"csrf_token": token, "page": "0", "action": "submit"}
            form = {**blank, **right_answers(site.app, attempt_id)}

            same_cookie = browser.frozen()  # one session cookie for all 50
            gate = threading.Barrier(50)

            def submit(_number: int) -> tuple[str, Reply]:
                gate.wait(timeout=30)  # released together, so they really overlap
                return "POST submit", same_cookie.post(attempt_path, blank if _number % 2 else form)

            with ThreadPoolExecutor(max_workers=50) as pool:
                replies = list(pool.map(submit, range(50)))
            log = server.log_text()
            result_path = f"{attempt_path}/result"
            result = browser.get(result_path)

        assert_no_server_errors(replies, log)
        statuses = Counter(reply.status for _what, reply in replies)
        assert statuses == {302: 50}, statuses
        assert {path_of(reply.location) for _what, reply in replies} == {result_path}
        assert result.status == 200 and "Your score:" in result.text

        [(attempt, items)] = graded(site)
        assert attempt.id == attempt_id and attempt.submitted_at is not None
        # Which copy wins is the race under test; the answers kept must all be one copy's
        # (every one right, or every one missing), and the attempt's score theirs.
        assert {item.score for item in items} == {attempt.score}
        for item in items:
            assert item.saved_at is None or item.saved_at <= attempt.submitted_at
            assert grade(item.version.spec, item.response).score == item.score
        assert quiz_events(site, learner) == 1
        assert quiz_events(site, learner, ("attempted",)) == 1
        assert counted_attempts(site) == 1
    finally:
        site.dispose()


# ---- many learners writing at once ------------------------------------------------------------

LEARNERS = tuple(f"learner{n:02d}" for n in range(20))
# Every lesson of the quiz's course, the first lesson of the other one.
LESSONS = {"info-work": ("intro", "plan", "reach"), "second-course": ("intro",)}
WRITES_PER_LEARNER = 16
FIRST_CHOICE = re.compile(r'<input type="(?:radio|checkbox)" name="(q\d+)" value="([^"]+)"')


class _Unexpected(Exception):
    """A reply other than the expected one: this learner stops (the test reports it)."""


def learner_burst(url: str, site: Site, username: str) -> list[tuple[str, int, Reply]]:
    """What one learner does in a hurry: log in, enroll in two courses, open and finish
    lessons, take the quiz twice (saving once): 16 writing requests. Returns (what, expected
    status, reply) for each request, up to the first unexpected reply."""
    browser = Browser(url)
    replies: list[tuple[str, int, Reply]] = []

    def keep(what: str, reply: Reply, expected: int = 302) -> Reply:
        replies.append((what, expected, reply))
        if reply.status != expected:
            raise _Unexpected
        return reply

    try:
        token = browser.token("/account/login")
        login = {"csrf_token": token, "username": username, "password": PASSWORD}
        keep("POST login", browser.post("/account/login", login))
        token = browser.token(f"/courses/{site.course_slug}")  # the logged-in session's
        for slug, lessons in LESSONS.items():
            keep(
                f"POST enroll {slug}",
                browser.post(f"/courses/{slug}/enroll", {"csrf_token": token}),
            )
            for key in lessons:
                keep(
                    f"GET lesson {key} (first view)",
                    browser.get(f"/courses/{slug}/lessons/{key}"),
                    200,
                )
                done = browser.post(f"/courses/{slug}/lessons/{key}/done", {"csrf_token": token})
                keep(f"POST done {key}", done)
        for round_ in range(2):
            started = keep(
                "POST start", browser.post(f"{site.quiz_path()}/start", {"csrf_token": token})
            )
            attempt = path_of(started.location)
            page = browser.get(attempt)  # reads only
            keep("GET attempt", page, 200)
            answers = dict(reversed(FIRST_CHOICE.findall(page.text)))  # each one's first option
            assert len(answers) == 3, answers  # single, multiple, true/false
            form = {"csrf_token": token, "page": "0", **answers}
            if round_ == 0:
                keep("POST save", browser.post(attempt, {**form, "action": "save"}))
            keep("POST submit", browser.post(attempt, {**form, "action": "submit"}))
    except _Unexpected:
        pass
    return replies


def run_write_load(tmp_path: Path, sqlite: bool = False) -> None:
    """20 learners at once against 4 workers; then every write must have landed."""
    site = build_site(tmp_path, "load", learners=LEARNERS, second_course=True, sqlite=sqlite)
    try:
        with gunicorn(site.database_url, tmp_path, workers=4, settings=site.settings()) as server:
            with ThreadPoolExecutor(max_workers=len(LEARNERS)) as pool:
                bursts = list(
                    pool.map(lambda name: learner_burst(server.url, site, name), LEARNERS)
                )
            log = server.log_text()
        replies = [entry for burst in bursts for entry in burst]
        assert_no_server_errors([(what, reply) for what, _expected, reply in replies], log)
        assert LOCKED not in log
        assert not [what for what, _expected, reply in replies if LOCKED in reply.text]
        unexpected = [
            (what, reply.status) for what, expected, reply in replies if reply.status != expected
        ]
        assert not unexpected, unexpected[:5]
        writes = [what for what, _expected, _reply in replies if what != "GET attempt"]
        assert len(writes) == WRITES_PER_LEARNER * len(LEARNERS)

        with site.app.app_context():

            def count(model: type, *where: Any) -> int:
                query = sa.select(sa.func.count()).select_from(model).where(*where)
                return db.session.scalar(query)

            learners = len(LEARNERS)
            assert count(Enrollment) == 2 * learners
            assert count(LessonProgress, LessonProgress.completed_at.is_not(None)) == 4 * learners
            assert count(Attempt, Attempt.submitted_at.is_not(None)) == 2 * learners
            assert count(Attempt, Attempt.submitted_at.is_(None)) == 0
            quiz_verbs = LearningEvent.verb.in_(("passed", "failed"))
            assert count(LearningEvent, quiz_verbs) == 2 * learners
            assert count(LearningEvent, LearningEvent.verb == "viewed") == 4 * learners
            drift = store.check()  # the counters kept on write agree with the event log
            assert drift.total == 0, (drift.weekly[:5], drift.active[:5])
        assert counted_attempts(site) == 2 * len(LEARNERS)
    finally:
        site.dispose()


def test_sqlite_four_workers_under_write_load_never_say_locked(tmp_path):
    """Four processes writing one SQLite file: writers queue for the lock at BEGIN and a
    reading request that writes is re-run with it, so nobody sees 'database is locked'."""
    run_write_load(tmp_path, sqlite=True)


@pytest.mark.skipif(
    not POSTGRES,
    reason="needs a PostgreSQL server: runs in CI's second pass, where .ci/run sets "
    "TEST_DATABASE_URL (the SQLite twin above runs in both passes)",
)
def test_postgresql_four_workers_under_write_load_no_errors(tmp_path):
    """The same load on PostgreSQL: row locks and counter upserts give no error either."""
    run_write_load(tmp_path)


# ---- a process killed in the middle of a change -----------------------------------------------

WORKER_NAME = "fault_worker"
PACK = "info-work-basics"
CONTENT = (Course, CourseRevision, Module, Lesson, Quiz, QuizSlot, Question)


def table_counts(site: Site, models: tuple[type, ...]) -> dict[str, int]:
    with site.app.app_context():
        return {
            model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in models
        }


def wait_for_ready(worker: subprocess.Popen, log: Path, timeout: float = 30) -> dict[str, Any]:
    """The worker's READY line (it has flushed its change), or a failure with its stderr."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([worker.stdout], [], [], remaining)
        if not readable:
            break
        line = worker.stdout.readline().decode()
        if not line:
            raise AssertionError(f"the worker exited before READY:\n{log.read_text()[-3000:]}")
        if line.startswith("READY"):
            return json.loads(line.removeprefix("READY"))
    raise AssertionError(f"no READY from the worker:\n{log.read_text()[-3000:]}")


def sqlite_path(site: Site) -> str:
    return site.database_url.removeprefix("sqlite:///")


def sqlite_write_lock_free(site: Site) -> bool:
    """Can another connection take SQLite's write lock right now, without waiting at all?"""
    probe = sqlite3.connect(sqlite_path(site), timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert LOCKED in str(error)
        return False
    finally:
        probe.close()


def worker_backend_state(site: Site) -> str | None:
    """The state of the worker's PostgreSQL connection, or None once it is gone."""
    with site.app.app_context():
        return db.session.scalar(
            sa.text(
                "SELECT state FROM pg_stat_activity "
                "WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": WORKER_NAME},
        )


def attempt_row_lock_free(site: Site, attempt_id: int) -> bool:
    """Can the attempt's row be locked right now (FOR UPDATE NOWAIT)?"""
    with site.app.app_context():
        try:
            db.session.execute(
                sa.select(Attempt.id).where(Attempt.id == attempt_id).with_for_update(nowait=True)
            )
            return True
        except sa.exc.OperationalError as error:
            assert "could not obtain lock" in str(error)
            return False
        finally:
            db.session.rollback()


def wait_until(condition, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def run_and_kill(site: Site, tmp_path: Path, mode: str, argument: str, attempt_id: int | None):
    """Start the worker, wait for READY, show it holds its locks, SIGKILL it; the report."""
    env = server_environment(site.database_url, site.settings())
    if POSTGRES:
        options = {"connect_args": {"application_name": WORKER_NAME}}
        env["TRAINING_SQLALCHEMY_ENGINE_OPTIONS"] = json.dumps(options)
    log = tmp_path / f"worker-{mode}.log"
    with (
        log.open("wb") as stderr,
        subprocess.Popen(
            [str(PYTHON), "-m", "tests.fault_worker", mode, argument],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        ) as worker,
    ):
        try:
            report = wait_for_ready(worker, log)
            # The change is flushed and its transaction open: the worker holds the locks.
            if POSTGRES:
                assert worker_backend_state(site) == "idle in transaction"
                if attempt_id is not None:
                    assert not attempt_row_lock_free(site, attempt_id)
            else:
                assert not sqlite_write_lock_free(site)
        finally:
            worker.kill()
            worker.wait()
    assert worker.returncode == -9
    if POSTGRES:  # the server notices the closed connection and rolls back
        wait_until(lambda: worker_backend_state(site) is None, "the worker's backend ended")
        if attempt_id is not None:
            assert attempt_row_lock_free(site, attempt_id)
    else:  # the lock died with the process: the next writer gets it at once
        assert sqlite_write_lock_free(site)
    return report


def start_attempt(site: Site, username: str) -> int:
    with site.app.app_context(), site.app.test_request_context():
        learner = db.session.scalar(sa.select(User).where(User.username == username))
        quiz = db.session.get(Quiz, site.quiz_id)
        learning.enroll(learner.id, quiz.course)
        attempt = attempt_service.start(quiz, learner.id)
        db.session.commit()
        return attempt.id


def check_killed_submission(site: Site, tmp_path: Path) -> None:
    learner = user_id(site, "learner")
    attempt_id = start_attempt(site, "learner")
    report = run_and_kill(site, tmp_path, "submit", str(attempt_id), attempt_id)
    assert report == {"score": 1.0, "submitted": True, "events": 1}  # graded, in its transaction

    [(attempt, items)] = graded(site)  # ...and none of it was kept
    assert attempt.submitted_at is None and attempt.score is None and attempt.passed is None
    assert all(item.score is None and item.response is None for item in items)
    assert quiz_events(site, learner) == 0
    assert counted_attempts(site) == 0

    # The learner submits again through gunicorn and gets exactly one result.
    with gunicorn(site.database_url, tmp_path, workers=2, settings=site.settings()) as server:
        browser = Browser(server.url)
        browser.login("learner")
        attempt_path = f"{site.quiz_path()}/attempts/{attempt_id}"
        token = browser.token(attempt_path)
        form = {"csrf_token": token, "page": "0", "action": "submit"}
        sent = browser.post(attempt_path, {**form, **right_answers(site.app, attempt_id)})
        assert sent.status == 302 and path_of(sent.location) == f"{attempt_path}/result"
        result = browser.get(f"{attempt_path}/result")
        assert result.status == 200 and "Your score: 100%" in result.text
        assert "Traceback" not in server.log_text()
    [(attempt, items)] = graded(site)
    assert attempt.submitted_at is not None and attempt.score == 1.0 and attempt.passed
    assert all(item.score == 1.0 for item in items)
    assert quiz_events(site, learner) == 1
    assert counted_attempts(site) == 1


def check_killed_import(site: Site, tmp_path: Path) -> None:
    pack = read_pack_dir(STARTER / PACK)
    before = table_counts(site, CONTENT)
    report = run_and_kill(site, tmp_path, "import", PACK, None)
    lessons = sum(len(module.lessons) for module in pack.modules)
    assert report["modules"] == len(pack.modules) and report["lessons"] == lessons
    assert report["quizzes"] == len(pack.quiz_settings) > 0
    assert report["courses"] == before["courses"] + 1  # it was all there, in its transaction

    assert table_counts(site, CONTENT) == before  # ...and none of it was kept
    with site.app.app_context():
        assert db.session.scalar(sa.select(Course).where(Course.slug == pack.slug)) is None

    # The same import runs again and succeeds.
    with site.app.app_context(), site.app.test_request_context(method="POST"):
        owner = db.session.scalar(sa.select(User).where(User.username == "trainer"))
        result = import_pack(pack, owner)
        db.session.commit()
        assert result.created
    after = table_counts(site, CONTENT)
    assert after["courses"] == before["courses"] + 1
    assert after["modules"] == before["modules"] + len(pack.modules)
    assert after["lessons"] == before["lessons"] + lessons
    assert after["quizzes"] == before["quizzes"] + len(pack.quiz_settings)


@pytest.mark.parametrize("mode", ["quiz-submission", "pack-import"])
def test_killed_in_the_middle_leaves_no_partial_rows(tmp_path, mode):
    """SIGKILL after the change is flushed but before the commit: nothing of it remains, the
    locks go with the process, and the same change then succeeds."""
    site = build_site(tmp_path, "killed")
    try:
        if mode == "quiz-submission":
            check_killed_submission(site, tmp_path)
        else:
            check_killed_import(site, tmp_path)
    finally:
        site.dispose()
