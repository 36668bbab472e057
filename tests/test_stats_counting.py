"""Statistics aggregates: the counting rule, kept on write, and equal to a rebuild from the log."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from courses import learning
from courses.models import LessonProgress
from quizzes import attempts
from stats import store
from stats.counting import (
    ALL_TIME,
    MORE_THAN_A_YEAR,
    Active,
    Count,
    Fact,
    LearnerState,
    days_bucket,
    fact_from_row,
    replay,
    week_of,
)
from stats.models import LastActive, WeeklyCount
from tests.course_helpers import build_course
from tests.quiz_helpers import RIGHT, build_quiz
from training.accounts.models import User
from training.extensions import db

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def fact(verb, object_type, path="courses/c", when=MONDAY, org=7, course=1, items=None):
    return Fact(verb, object_type, path, course, org, when, items)


def counts(changes) -> list[tuple]:
    """The course's own counter changes (not the all-course sums)."""
    return [(c.metric, c.item, c.value) for c in changes if isinstance(c, Count) and c.course_id]


def test_firsts_count_once_and_attempts_every_time():
    state = LearnerState()
    assert counts(state.apply(fact("enrolled", "course"), "ru")) == [("enrolled", "", 1)]
    assert counts(state.apply(fact("enrolled", "course"), "ru")) == []
    assert counts(state.apply(fact("viewed", "lesson", "courses/c/lessons/a"), "ru")) == [
        ("started", "", 1)
    ]
    assert counts(state.apply(fact("completed", "lesson", "courses/c/lessons/a"), "ru")) == []
    failed = fact("failed", "quiz", "courses/c/quizzes/final", items={"11": 0.5, "12": 0})
    assert counts(state.apply(failed, "ru")) == [
        ("attempts", "final", 1),
        ("attempters", "final", 1),
        ("q_n", "11", 1),
        ("q_score", "11", 500),
        ("q_n", "12", 1),
        ("q_score", "12", 0),
    ]
    passed = fact("passed", "quiz", "courses/c/quizzes/final", items={})
    assert counts(state.apply(passed, "ru")) == [("attempts", "final", 1), ("passers", "final", 1)]
    later = MONDAY + timedelta(days=9)
    assert counts(state.apply(fact("certified", "course", when=later), "ru")) == [
        ("certified", "", 1),
        ("cert_days", "10", 1),  # the 8-10 days bucket
    ]
    # question scores go to the top of the tree only, for all time
    scores = [c for c in state.apply(failed, "ru") if c.metric.startswith("q_")]
    assert scores and all(c.top_only and c.week == ALL_TIME for c in scores)


def test_the_flow_is_also_summed_over_all_courses_and_per_language():
    state = LearnerState()
    enrolled = [c for c in state.apply(fact("enrolled", "course"), "en") if isinstance(c, Count)]
    assert {(c.course_id, c.item) for c in enrolled} == {(1, ""), (0, ""), (0, "en")}
    failed = fact("failed", "quiz", "courses/c/quizzes/final", items={})
    assert all(c.course_id == 1 for c in state.apply(failed, "en") if isinstance(c, Count))


def test_days_to_certificate_buckets():
    assert [days_bucket(d) for d in (0, 3, 7, 8, 10, 11, 30, 365, 400)] == [
        0,
        3,
        7,
        10,
        10,
        14,
        42,
        365,
        MORE_THAN_A_YEAR,
    ]


def test_last_active_moves_a_learner_between_days_and_organizations():
    state = LearnerState()
    first = state.apply(fact("enrolled", "course"), "ru")
    actives = [c for c in first if isinstance(c, Active)]
    assert {(a.scope, a.value) for a in actives} == {("c:1", 1), ("l:ru", 1), ("all", 1)}
    same_day = state.apply(fact("viewed", "lesson", when=MONDAY + timedelta(hours=2)), "ru")
    assert [c for c in same_day if isinstance(c, Active)] == []
    next_day = MONDAY + timedelta(days=1)
    moved = list(state.apply(fact("viewed", "lesson", when=next_day, org=8), "ru"))
    assert Active(7, "all", MONDAY.date(), -1) in moved
    assert Active(8, "all", next_day.date(), 1) in moved
    # an event arriving out of order does not move the learner back in time
    assert [c for c in state.apply(fact("viewed", "lesson"), "ru") if isinstance(c, Active)] == []


def test_weeks_start_on_monday():
    assert week_of(date(2026, 11, 8)) == date(2026, 11, 2)
    assert week_of(date(2026, 11, 2)) == date(2026, 11, 2)


def stored_weekly(metric: str, org_id: int, item: str = "") -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(WeeklyCount.value), 0)).where(
            WeeklyCount.metric == metric,
            WeeklyCount.org_id == org_id,
            WeeklyCount.item == item,
            WeeklyCount.course_id != 0,
        )
    )


def stored_learners(org_id: int, scope: str = "all") -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LastActive.value), 0)).where(
            LastActive.org_id == org_id, LastActive.scope == scope
        )
    )


def test_counted_on_write_at_the_organization_and_every_ancestor(ctx, users, org_tree):
    course = build_course(users["trainer"])
    learner = users["learner"]
    learning.enroll(learner.id, course)
    revision = course.published_revision
    for key in ("intro", "plan", "reach"):
        learning.mark_done(learner.id, course, revision, key)
    db.session.commit()  # the counters are written with the transaction
    for name in ("school", "north_local", "north", "top"):
        org_id = org_tree[name].id
        assert stored_weekly("enrolled", org_id) == 1
        assert stored_weekly("module", org_id, "osnovy") == 1
        assert stored_weekly("completed", org_id) == 1
        assert stored_weekly("certified", org_id) == 1
        assert stored_learners(org_id) == 1
        assert stored_learners(org_id, f"c:{course.id}") == 1
    for name in ("south", "college"):
        assert stored_weekly("enrolled", org_tree[name].id) == 0
        assert stored_learners(org_tree[name].id) == 0
    assert store.check().total == 0


def test_random_workload_leaves_no_drift(ctx, users, org_tree, make_user):
    """Learners in both regions enroll, read, answer quizzes, finish, move — then recount."""
    rng = random.Random(20261201)
    course, quiz = build_quiz(users["trainer"], pass_mark=60)
    second = build_course(users["trainer"], slug="second")
    people = [
        make_user(f"learner{i}", org=rng.choice(["school", "college", "north_local", "south"]))
        for i in range(12)
    ]
    keys = ["intro", "plan", "reach"]
    for _round in range(3):
        for person in people:
            learner = db.session.get(User, person.id)
            target = rng.choice([course, second])
            revision = target.published_revision
            learning.enroll(learner.id, target)
            for key in rng.sample(keys, rng.randint(0, 3)):
                lesson = next(r for r in revision.lesson_rows if r.key == key)
                if db.session.get(LessonProgress, (learner.id, target.id, lesson.key)) is None:
                    learning.record_view(learner.id, target, revision, lesson)
                if rng.random() < 0.7:
                    learning.mark_done(learner.id, target, revision, key)
            if target is course and rng.random() < 0.6:
                attempt = attempts.start(quiz, learner.id)
                right = rng.random() < 0.5
                answers = {i.id: RIGHT[i.version.name] if right else None for i in attempt.items}
                attempts.submit(attempt, learner.id, answers)
            if rng.random() < 0.15:  # a learner moves to another branch of the union
                learner.organization_id = org_tree[rng.choice(["school", "college"])].id
            db.session.flush()
    drift = store.check()
    assert drift.counters > 50
    assert drift.total == 0, drift.weekly[:5] + drift.active[:5]


def test_the_write_path_replays_only_the_deciding_events_and_reaches_the_same_state(
    ctx, users, org_tree
):
    """A long, shuffled history (late arrivals, two courses, moves between organizations,
    events without a course): replaying the first event of each kind and the last one of
    each course leaves the learner's state as replaying every event does."""
    from training.events import LearningEvent

    rng = random.Random(20261206)
    learner = users["learner"]
    first, second = build_course(users["trainer"]), build_course(users["trainer"], slug="second")
    kinds = [
        ("enrolled", "course", ""),
        ("viewed", "lesson", "/lessons/intro"),
        ("completed", "lesson", "/lessons/plan"),
        ("completed", "module", "/modules/osnovy"),
        ("completed", "course", ""),
        ("passed", "quiz", "/quizzes/check"),
        ("failed", "quiz", "/quizzes/check"),
        ("failed", "quiz", "/quizzes/final"),
        ("submitted", "assignment", "/assignments/note"),
        ("passed", "assignment", "/assignments/note"),
        ("certified", "course", ""),
    ]
    orgs = [org_tree[name].id for name in ("school", "college")]
    for _ in range(300):
        verb, object_type, tail = rng.choice(kinds)
        course = rng.choice([first, second, None])
        db.session.add(
            LearningEvent(
                actor_id=learner.id,
                organization_id=rng.choice([*orgs, None]) if course else orgs[0],
                verb=verb,
                object_type=object_type,
                object_path=f"courses/{course.slug if course else 'x'}{tail}",
                course_id=course.id if course else None,
                # ids follow the order of arrival, times do not: some arrive days late
                timestamp=MONDAY + timedelta(hours=rng.randint(0, 24 * 30)),
            )
        )
    db.session.flush()
    languages = store.course_languages()
    ids = db.session.scalars(sa.select(LearningEvent.id).order_by(LearningEvent.id)).all()
    for before in (ids[10], ids[150], ids[-1] + 1):
        everything = db.session.execute(
            sa.select(*store.HISTORY_COLUMNS)
            .where(
                LearningEvent.actor_id == learner.id,
                LearningEvent.id < before,
                *store._COUNTABLE,
            )
            .order_by(LearningEvent.timestamp, LearningEvent.id)
        ).all()
        deciding = db.session.execute(
            store.DECIDING_HISTORY, {"actor_id": learner.id, "before_id": before}
        ).all()
        assert len(deciding) < len(everything) / 2 or before == ids[10]
        full, short = LearnerState(), LearnerState()
        replay(full, map(fact_from_row, everything), languages)
        replay(short, map(fact_from_row, deciding), languages)
        assert short == full
        assert full.seen and full.last  # the comparison has something in it


def test_check_reports_drift_and_rebuild_repairs_it(ctx, users, org_tree, app):
    course = build_course(users["trainer"])
    learning.enroll(users["learner"].id, course)
    db.session.commit()
    db.session.execute(
        sa.update(WeeklyCount).where(WeeklyCount.metric == "enrolled").values(value=5)
    )
    drift = store.check()
    # school, its local, its region and the top: the course, all courses, its language
    assert drift.total == 4 * 3
    assert all(have == 5 and want == 1 for _key, have, want in drift.weekly)
    store.rebuild()
    assert store.check().total == 0
    assert stored_weekly("enrolled", org_tree["top"].id) == 1


def test_the_rebuild_command_repairs_the_counters_and_commits(app, users, org_tree):
    with app.test_request_context():
        course = build_course(users["trainer"])
        learning.enroll(users["learner"].id, course)
        db.session.execute(
            sa.update(WeeklyCount).where(WeeklyCount.metric == "enrolled").values(value=5)
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Rebuilt ")
    db.session.rollback()  # only what the command committed is left to read
    assert store.check().total == 0
    assert stored_weekly("enrolled", org_tree["top"].id) == 1


def test_anonymised_events_still_count_as_one_learner(ctx, users, org_tree):
    from training.events import LearningEvent

    course = build_course(users["trainer"])
    learning.enroll(users["learner"].id, course)
    learning.mark_done(users["learner"].id, course, course.published_revision, "intro")
    db.session.execute(
        sa.update(LearningEvent)
        .where(LearningEvent.actor_id == users["learner"].id)
        .values(actor_id=None, actor_ref="f" * 32)
    )
    assert store.check().total == 0


def test_counters_wait_for_the_commit_and_vanish_with_a_rollback(ctx, users, org_tree):
    course = build_course(users["trainer"])
    learning.enroll(users["learner"].id, course)
    db.session.flush()
    top = org_tree["top"].id
    assert stored_weekly("enrolled", top) == 0  # not yet: written just before the commit
    db.session.rollback()
    assert stored_weekly("enrolled", top) == 0
    db.session.commit()
    assert stored_weekly("enrolled", top) == 0  # the rolled-back enrollment left nothing
    learning.enroll(users["learner"].id, db.session.merge(course))
    db.session.commit()
    assert stored_weekly("enrolled", top) == 1
    assert store.check().total == 0
