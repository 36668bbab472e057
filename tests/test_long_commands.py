"""Long commands show progress in logs, and `stats rebuild` streams the log learner by learner."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from courses import learning
from stats import store
from stats.models import LastActive, WeeklyCount
from tests.course_helpers import add_scheme, build_course
from tests.quiz_helpers import build_quiz
from tests.stats_helpers import take_quiz
from training.accounts.models import User
from training.db import utcnow
from training.events import LearningEvent, record_event
from training.extensions import db


def tables() -> tuple[dict, dict]:
    weekly = {
        tuple(row[:-1]): row[-1]
        for row in db.session.execute(
            sa.select(
                WeeklyCount.org_id,
                WeeklyCount.course_id,
                WeeklyCount.metric,
                WeeklyCount.week,
                WeeklyCount.item,
                WeeklyCount.value,
            )
        )
    }
    active = {
        tuple(row[:-1]): row[-1]
        for row in db.session.execute(
            sa.select(LastActive.org_id, LastActive.scope, LastActive.day, LastActive.value)
        )
    }
    return weekly, active


def busy_union(users, make_user) -> int:
    """Learners of several organizations enrol, read and take a quiz; one is anonymised."""
    rng = random.Random(2026)
    course, quiz = build_quiz(users["trainer"])
    second = build_course(users["trainer"], slug="second")
    for n in range(8):
        learner = make_user(f"learner{n}", org=rng.choice(["school", "college", "south"]))
        for target in rng.sample([course, second], rng.randint(1, 2)):
            learning.enroll(learner.id, target)
            for key in rng.sample(["intro", "plan", "reach"], rng.randint(0, 3)):
                learning.mark_done(learner.id, target, target.published_revision, key)
        if rng.random() < 0.6:
            take_quiz(learner, quiz, right=rng.random() < 0.5)
    db.session.execute(
        sa.update(LearningEvent)
        .where(
            LearningEvent.actor_id
            == db.session.scalar(sa.select(User.id).where(User.username == "learner0"))
        )
        .values(actor_id=None, actor_ref="a" * 32)
    )
    db.session.flush()
    return db.session.scalar(sa.select(sa.func.count()).select_from(LearningEvent))


def test_a_rebuild_in_many_small_batches_writes_what_one_batch_writes(
    ctx, users, org_tree, make_user, monkeypatch
):
    busy_union(users, make_user)
    store.rebuild()
    whole = tables()
    assert len(whole[0]) > 50 and len(whole[1]) > 20
    flushes = []
    real = store.add_to_tables
    monkeypatch.setattr(store, "FLUSH_COUNTERS", 1)  # hand over after every learner
    monkeypatch.setattr(
        store, "add_to_tables", lambda t, s, *to: (flushes.append(t.size()), real(t, s, *to))
    )
    rows = store.rebuild()
    assert len(flushes) >= 8  # one per learner (and the anonymised one), not one at the end
    assert tables() == whole
    assert rows == len(whole[0]) + len(whole[1])
    flushes.clear()
    drift = store.check()
    assert drift.total == 0 and drift.counters == rows
    assert len(flushes) >= 8  # the check streams too, into its scratch tables
    assert tables() == whole  # and changes nothing


def test_check_streams_and_finds_every_drifting_counter(users, make_user, monkeypatch):
    """With counters handed over after every learner, `check` still finds each drifting
    counter (stored too high, missing, or left over), counts them all and lists `keep`."""
    busy_union(users, make_user)
    store.rebuild()
    monkeypatch.setattr(store, "FLUSH_COUNTERS", 1)
    weekly = db.session.scalars(sa.select(WeeklyCount).order_by(WeeklyCount.org_id)).all()
    weekly[0].value += 2
    db.session.delete(weekly[1])
    db.session.add(
        WeeklyCount(org_id=999, course_id=1, metric="enrolled", week=weekly[0].week, value=4)
    )
    db.session.flush()
    drift = store.check(keep=2)
    assert drift.weekly_total == 3 and drift.active_total == 0 and drift.total == 3
    assert len(drift.weekly) == 2  # listed: the first two in key order
    everything = store.check()
    listed = {key: (have, want) for key, have, want in everything.weekly}
    first = tuple(getattr(weekly[0], k) for k in store.WEEKLY_KEYS)
    assert listed[first] == (weekly[0].value, weekly[0].value - 2)
    assert listed[(999, 1, "enrolled", weekly[0].week, "")] == (4, 0)
    assert len(listed) == 3 and drift.weekly == everything.weekly[:2]


def test_rebuild_command_reports_progress_in_plain_lines_and_leaves_no_drift(
    app, users, org_tree, make_user
):
    with app.test_request_context():
        events = busy_union(users, make_user)
        db.session.execute(sa.update(WeeklyCount).values(value=WeeklyCount.value + 3))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Rebuilt ")
    progress = result.stderr.splitlines()
    assert progress[0] == f"Replaying the event log: started, {events:,} events"
    assert progress[-1].startswith(f"Replaying the event log: done, {events:,} events in ")
    db.session.rollback()
    assert store.check().total == 0

    check = app.test_cli_runner().invoke(args=["stats", "check"])
    assert check.exit_code == 0 and "No drift." in check.stdout
    assert check.stderr.splitlines()[0] == f"Replaying the event log: started, {events:,} events"


def test_privacy_purge_reports_the_accounts_it_works_through(app, ctx, make_user):
    for name in ("old1", "old2"):
        user = make_user(name)
        user.created_at = utcnow() - timedelta(days=1000)
        learning_event(user)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Anonymising inactive accounts' events: started, 2 accounts" in result.stderr
    assert "Anonymising inactive accounts' events: done, 2 accounts in " in result.stderr
    assert "Learning events would be anonymised: 2 of 2 account(s)." in result.stdout


def learning_event(user: User) -> None:
    record_event(user.id, "viewed", "lesson", "courses/x/lessons/a")


def test_courses_import_reports_its_steps(app, users, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))
    with app.test_request_context():
        add_scheme(build_course(users["trainer"]))
    runner = app.test_cli_runner()
    folder = tmp_path / "pack"
    assert runner.invoke(args=["courses", "export", "info-work", str(folder)]).exit_code == 0
    text = (folder / "course.yaml").read_text(encoding="utf-8")
    (folder / "course.yaml").write_text(text.replace("slug: info-work", "slug: copy"), "utf-8")
    result = runner.invoke(args=["courses", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Reading and checking the pack: done" in result.stderr
    assert "Storing the pack's files: done, 1 files" in result.stderr
    assert "Importing quizzes and other parts: done" in result.stderr
    assert result.stdout.startswith("copy: created")
