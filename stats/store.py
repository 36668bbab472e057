"""Keeping the aggregates: on every learning event (same transaction), and rebuilt from the log."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from courses.models import Course
from stats.counting import Active, Count, Fact, LearnerState, fact_from_row, replay
from stats.models import LastActive, WeeklyCount
from training.events import LearningEvent
from training.extensions import db
from training.organizations.models import Organization, path_ids
from training.progress import Reporter, silent

# What replaying a learner's history needs; question scores (in `context`) are not.
HISTORY_COLUMNS = (
    LearningEvent.id,
    LearningEvent.verb,
    LearningEvent.object_type,
    LearningEvent.object_path,
    LearningEvent.course_id,
    LearningEvent.organization_id,
    LearningEvent.timestamp,
)
EVENT_COLUMNS = (*HISTORY_COLUMNS, LearningEvent.context)
_EVENTS = LearningEvent.__table__.c  # for the Core statements below


def course_languages() -> dict[int, str]:
    """Language of every course (a catalog holds tens of courses)."""
    return dict(db.session.execute(sa.select(Course.id, Course.language)).all())


def ancestry() -> dict[int, list[int]]:
    """Every organization's ids from the root down to itself (one query)."""
    rows = db.session.execute(sa.select(Organization.id, Organization.path))
    return {org_id: path_ids(path) for org_id, path in rows}


@dataclass
class Totals:
    """Counter changes summed by key, ready to add to (or compare with) the tables."""

    weekly: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))
    active: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, changes: Iterable[Count | Active], lineage: dict[int, list[int]]) -> None:
        for change in changes:
            chain = lineage.get(change.org_id) or [change.org_id]
            if isinstance(change, Count):
                for org in chain[:1] if change.top_only else chain:
                    key = (org, change.course_id, change.metric, change.week, change.item)
                    self.weekly[key] += change.value
            else:
                for org in chain:
                    self.active[(org, change.scope, change.day)] += change.value

    def size(self) -> int:
        return len(self.weekly) + len(self.active)

    def nonzero(self) -> tuple[dict[tuple, int], dict[tuple, int]]:
        return (
            {k: v for k, v in self.weekly.items() if v},
            {k: v for k, v in self.active.items() if v},
        )


def _deciding_history() -> sa.Select:
    """A learner's earlier countable events that decide their LearnerState, in time order,
    with their courses' languages: the first event of each kind (verb, object, course) and
    the last event in each course. Parameters: actor_id, and before_id (the new event's id).

    Replaying these gives the state that replaying every earlier event gives: the state keeps
    which firsts were seen, the day of the first enrollment in each course, and the day and
    organization of the last event in each course, language and overall (the last in a
    language or overall is the last in one of its courses). So the write path reads a row
    per kind of event, not per event: a learner with hundreds of attempts and lessons costs
    it as much as one with a few. tests/test_stats_counting.py compares the two replays.
    """
    # On the table, not the mapped class: a Core statement, run on every learning event
    # without the ORM's per-execution work.
    by_time = (_EVENTS.timestamp, _EVENTS.id)
    ranked = (
        sa.select(
            *(_EVENTS[c.key] for c in HISTORY_COLUMNS),
            sa.func.row_number()
            .over(
                partition_by=(
                    _EVENTS.verb,
                    _EVENTS.object_type,
                    _EVENTS.object_path,
                    _EVENTS.course_id,
                ),
                order_by=by_time,
            )
            .label("nth"),
            sa.func.row_number()
            .over(
                partition_by=_EVENTS.course_id,
                order_by=(_EVENTS.timestamp.desc(), _EVENTS.id.desc()),
            )
            .label("nth_from_end"),
        )
        # The rebuild counts only these events; the write path replays the same ones.
        .where(
            _EVENTS.actor_id == sa.bindparam("actor_id"),
            _EVENTS.id < sa.bindparam("before_id"),
            *_COUNTABLE,
        )
        .subquery()
    )
    courses = Course.__table__.c
    return (
        sa.select(*(ranked.c[c.key] for c in HISTORY_COLUMNS), courses.language)
        .outerjoin(Course.__table__, courses.id == ranked.c.course_id)
        .where(sa.or_(ranked.c.nth == 1, ranked.c.nth_from_end == 1))
        .order_by(ranked.c.timestamp, ranked.c.id)
    )


def on_event_recorded(_sender: object, *, event: LearningEvent) -> None:
    """Count a new learning event into the aggregates, in the transaction that records it."""
    if event.actor_id is None or event.course_id is None or event.organization_id is None:
        return
    db.session.flush()  # the event gets its id; earlier events of this request become visible
    earlier = db.session.execute(
        DECIDING_HISTORY, {"actor_id": event.actor_id, "before_id": event.id}
    ).all()
    languages = {row.course_id: row.language for row in earlier if row.language is not None}
    course = db.session.get(Course, event.course_id)  # the request has it loaded, as a rule
    if course is not None:
        languages[course.id] = course.language
    state = LearnerState()
    replay(state, (fact_from_row(row) for row in earlier), languages)
    changes = state.apply(fact_from_row(event), languages.get(event.course_id, ""))
    org = db.session.get(Organization, event.organization_id)
    lineage = {event.organization_id: org.lineage_ids if org else [event.organization_id]}
    for change in changes:
        if isinstance(change, Active) and change.org_id not in lineage:
            moved_from = db.session.get(Organization, change.org_id)
            lineage[change.org_id] = moved_from.lineage_ids if moved_from else [change.org_id]
    # Written just before the commit: the counter rows are shared by every learner of an
    # organization, so holding their row locks through the rest of the request (rendering
    # the page...) would make concurrent requests queue behind each other on PostgreSQL.
    pending = db.session().info.setdefault(PENDING, Totals())
    pending.add(changes, lineage)


PENDING = "stats_pending"


def write_pending(session: Session | None = None) -> None:
    """Add the counter changes this transaction has collected so far to the tables."""
    session = session or db.session()
    totals = session.info.pop(PENDING, None)
    if totals is not None:
        add_to_tables(totals, session)


@sa.event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    write_pending(session)


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:  # a savepoint rolled back keeps the outer transaction's events
        session.info.pop(PENDING, None)


def _upsert(session: Session, table: sa.Table, keys: tuple[str, ...]) -> Any:
    """Insert counters, adding to the value of those already there."""
    return _upsert_statement(session.get_bind().dialect.name, table, keys)


@functools.cache
def _upsert_statement(dialect: str, table: sa.Table, keys: tuple[str, ...]) -> Any:
    # Built once per process: it runs in every transaction that records learning, and
    # building it cost more than running it.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={"value": table.c.value + statement.excluded.value},
    )


WEEKLY_KEYS = ("org_id", "course_id", "metric", "week", "item")
ACTIVE_KEYS = ("org_id", "scope", "day")


def add_to_tables(
    totals: Totals,
    session: Session,
    tables: tuple[sa.Table, sa.Table] = (WeeklyCount.__table__, LastActive.__table__),
) -> None:
    """Add the changes to the stored counters (insert or increment, 10,000 rows a statement),
    or to `check`'s scratch tables shaped like them.

    Rows go in key order, so two transactions lock shared counters in the same order and
    cannot deadlock.
    """
    for model, keys, values in zip(
        tables, (WEEKLY_KEYS, ACTIVE_KEYS), totals.nonzero(), strict=True
    ):
        ordered = sorted(values)
        for start in range(0, len(ordered), INSERT_BATCH):
            session.execute(
                _upsert(session, model, keys),
                [
                    dict(zip(keys, k, strict=True), value=values[k])
                    for k in ordered[start : start + INSERT_BATCH]
                ],
            )


INSERT_BATCH = 10_000


def countable_events() -> int:
    """How many events of the log count towards statistics (the rebuild's progress total)."""
    return db.session.scalar(sa.select(sa.func.count()).where(*_COUNTABLE)) or 0


# On the table's columns, so that the write path's Core statement can use it too.
_COUNTABLE = (
    _EVENTS.course_id.is_not(None),
    _EVENTS.organization_id.is_not(None),
    sa.or_(_EVENTS.actor_id.is_not(None), _EVENTS.actor_ref.is_not(None)),
)
# Built once: the window functions make the statement costly to build on every event.
DECIDING_HISTORY = _deciding_history()


def stream_facts(batch: int = 20_000) -> Iterator[tuple[str, Fact]]:
    """Every countable event of the log with its learner's key, learner by learner, each
    learner's events in time order (as the write path replays them).

    Learner by learner, so a rebuild holds one learner's state at a time rather than every
    learner's at once; accounts first (the actor and time index), then anonymised events,
    which keep counting as one learner through their shared `actor_ref`.
    """
    by_account = (
        sa.select(LearningEvent.actor_id, LearningEvent.actor_ref, *EVENT_COLUMNS)
        .where(*_COUNTABLE, LearningEvent.actor_id.is_not(None))
        .order_by(LearningEvent.actor_id, LearningEvent.timestamp, LearningEvent.id)
    )
    by_reference = (
        sa.select(LearningEvent.actor_id, LearningEvent.actor_ref, *EVENT_COLUMNS)
        .where(*_COUNTABLE, LearningEvent.actor_id.is_(None))
        .order_by(LearningEvent.actor_ref, LearningEvent.timestamp, LearningEvent.id)
    )
    for query in (by_account, by_reference):
        for row in db.session.execute(query.execution_options(yield_per=batch)):
            actor = f"u{row.actor_id}" if row.actor_id is not None else f"r{row.actor_ref}"
            yield actor, fact_from_row(row)


#: A rebuild adds its counters to the tables whenever this many are waiting (at a learner's
#: end), so its memory stays flat however long the log is (a counter costs ~300 bytes).
FLUSH_COUNTERS = 200_000
#: Progress is reported every this many events.
PROGRESS_EVERY = 10_000


def recompute(
    flush: Callable[[Totals], None] | None = None, progress: Callable[[int], None] | None = None
) -> Totals:
    """The aggregates as they should be, from the whole event log.

    With `flush`, the counters gathered so far are handed over (and forgotten) whenever
    FLUSH_COUNTERS of them wait at the end of a learner, and the rest at the end; the
    returned Totals is then empty. `progress` is told every PROGRESS_EVERY events.
    """
    languages = course_languages()
    lineage = ancestry()
    totals = Totals()
    current, state, seen = "", LearnerState(), 0
    for actor, fact in stream_facts():
        if actor != current:
            if flush is not None and totals.size() >= FLUSH_COUNTERS:
                flush(totals)
                totals = Totals()
            current, state = actor, LearnerState()
        totals.add(state.apply(fact, languages.get(fact.course_id, "")), lineage)
        seen += 1
        if progress is not None and seen % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress is not None and seen % PROGRESS_EVERY:
        progress(seen % PROGRESS_EVERY)
    if flush is not None:
        flush(totals)
        return Totals()
    return totals


#: Where `check` gathers the recomputed counters: session-private temporary tables shaped like
#: the real ones, so memory stays flat and the real counters are neither locked nor changed.
_SCRATCH = sa.MetaData()
SCRATCH_TABLES = tuple(
    sa.Table(
        f"check_{model.__tablename__}",
        _SCRATCH,
        *(sa.Column(c.name, c.type, primary_key=c.primary_key) for c in model.__table__.columns),
        prefixes=["TEMPORARY"],
    )
    for model in (WeeklyCount, LastActive)
)


@dataclass
class Drift:
    """Counters whose stored value differs from the value the event log gives: how many, and
    the first ones in key order as (key, stored, expected)."""

    weekly: list[tuple[tuple, int, int]]
    active: list[tuple[tuple, int, int]]
    counters: int
    weekly_total: int = 0
    active_total: int = 0

    @property
    def total(self) -> int:
        return self.weekly_total + self.active_total


def _differences(real: sa.Table, scratch: sa.Table, keys: tuple[str, ...]) -> sa.Select:
    """Keys whose stored value differs from the recomputed one, with both values, in order."""
    zero = sa.literal(0)
    have = sa.select(*(real.c[k] for k in keys), real.c.value.label("have"), zero.label("want"))
    want = sa.select(*(scratch.c[k] for k in keys), zero.label("have"), scratch.c.value)
    both = sa.union_all(have.where(real.c.value != 0), want.where(scratch.c.value != 0))
    rows = both.subquery()
    key_columns = [rows.c[k] for k in keys]
    stored_sum, wanted_sum = sa.func.sum(rows.c.have), sa.func.sum(rows.c.want)
    return (
        sa.select(*key_columns, stored_sum, wanted_sum)
        .group_by(*key_columns)
        .having(stored_sum != wanted_sum)
        .order_by(*key_columns)
    )


def check(report: Reporter = silent, keep: int = 100) -> Drift:
    """Compare the stored aggregates with a recomputation from the event log.

    Streams like `rebuild`: the recomputed counters go in batches into temporary tables and
    the comparison is one query per table, so memory does not grow with the log. At most
    `keep` differing counters of each table are listed; all are counted.
    """
    write_pending()
    session = db.session()
    connection = session.connection()
    for table in SCRATCH_TABLES:
        table.drop(connection, checkfirst=True)
        table.create(connection)
    try:
        with report(REPLAYING, countable_events(), "events") as advance:
            recompute(lambda totals: add_to_tables(totals, session, SCRATCH_TABLES), advance)
        found: list[list[tuple[tuple, int, int]]] = [[], []]
        totals = [0, 0]
        for n, (model, keys) in enumerate(((WeeklyCount, WEEKLY_KEYS), (LastActive, ACTIVE_KEYS))):
            query = _differences(model.__table__, SCRATCH_TABLES[n], keys)
            for row in session.execute(query.execution_options(yield_per=1_000)):
                totals[n] += 1
                if len(found[n]) < keep:
                    found[n].append((tuple(row[: len(keys)]), row[-2], row[-1]))
        counters = sum(
            session.scalar(sa.select(sa.func.count()).where(t.c.value != 0)) or 0
            for t in SCRATCH_TABLES
        )
    finally:
        for table in SCRATCH_TABLES:
            table.drop(connection, checkfirst=True)
    return Drift(found[0], found[1], counters, totals[0], totals[1])


def rebuild(report: Reporter = silent) -> int:
    """Replace the aggregates with a recomputation from the event log; returns rows written.

    Streams: counters reach the tables in batches as learners are replayed (adding to what
    earlier batches wrote), so memory does not grow with the log.
    """
    db.session().info.pop(PENDING, None)  # recounted below from the log, with everything else
    db.session.execute(sa.delete(WeeklyCount))
    db.session.execute(sa.delete(LastActive))
    session = db.session()
    with report(REPLAYING, countable_events(), "events") as advance:
        recompute(lambda totals: add_to_tables(totals, session), advance)
    return sum(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (WeeklyCount, LastActive)
    )


REPLAYING = "Replaying the event log"
