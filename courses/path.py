"""The learning path: a course as ordered steps and each learner's place on it, for every page,
statistic and rule that counts progress.

Lessons come from the published revision; other packages add their steps (module tests, the
final test, later assignments) through `training.hooks.path_steps`. Progress is the number of
required steps done out of the required steps — the one number the home card, catalog, course
page, lesson page, statistics, the learning record and the certificate rule all use — and
`next_step` is the one answer to "what now?" behind every Continue button.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from courses.models import Course, CourseRevision, LessonProgress
from training import hooks
from training.db import utcnow
from training.extensions import db
from training.urls import fixed_url

# What a learner's step can be. "failed": the last try failed and another may start now;
# "waiting": another try opens at `wait_until`, or (no date) a trainer is to review what was
# handed in; "locked": nothing the learner can do opens it.
DONE, STARTED, NOT_STARTED, FAILED, WAITING, LOCKED = (
    "done",
    "started",
    "todo",
    "failed",
    "waiting",
    "locked",
)
ACTIONABLE = (STARTED, NOT_STARTED, FAILED)


@dataclass(frozen=True)
class StepState:
    """One learner's state of one step."""

    status: str = NOT_STARTED
    score: int | None = None  # best result in percent, for tests
    wait_until: datetime | None = None
    attempts_left: int | None = None  # None: no limit
    opens_at: datetime | None = None  # "locked" until then: the module is not open yet


@dataclass(frozen=True)
class Step:
    """One step of a course's path: what it is, where it sits, where it opens, its state."""

    kind: str  # "lesson", "quiz", ...
    key: str
    title: str
    module_key: str  # "" (or a key not in the outline): after the last module
    required: bool
    endpoint: str
    values: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    label: str = ""  # what kind of step it is, as learners read it ("Test"); "" for lessons
    pass_mark: int | None = None
    state: StepState = StepState()

    @property
    def url(self) -> str:
        return fixed_url(self.endpoint, **self.values)

    def with_state(self, state: StepState) -> Step:
        """This step in another state: a copy made without dataclasses.replace's per-field
        work (a path makes one per step and learner; a gradebook, hundreds)."""
        copied = object.__new__(Step)
        copied.__dict__.update(self.__dict__, state=state)
        return copied

    @property
    def status(self) -> str:
        return self.state.status

    @property
    def done(self) -> bool:
        return self.state.status == DONE


@dataclass
class Found:
    """What a step source found for some courses and learners."""

    steps: dict[int, list[Step]] = field(default_factory=dict)  # course id -> steps, blank state
    states: dict[tuple[int, int, str], StepState] = field(default_factory=dict)
    # (user id, course id, step key) -> state; a step without one is not started.
    dates: dict[tuple[int, int, str], hooks.ModuleDates] = field(default_factory=dict)
    # (user id, course id, module key) -> when it opens and is due (a cohort's schedule)


@dataclass
class ModuleSteps:
    """A module of the path with its steps in order."""

    key: str
    title: str
    steps: list[Step]
    opens_at: datetime | None = None
    due_at: datetime | None = None

    @property
    def done(self) -> bool:
        """Every required step done (every step, when the module has no required one)."""
        counted = [s for s in self.steps if s.required] or self.steps
        return all(s.done for s in counted)

    @property
    def pending(self) -> list[Step]:
        """Required steps of the module not done yet."""
        return [s for s in self.steps if s.required and not s.done]


@dataclass
class Path:
    """A learner's path through one course (blank states for someone not signed in).

    Built whole by `arrange` and not changed afterwards: its step lists are worked out once
    (a gradebook reads each learner's path once per cell).
    """

    course: Course
    modules: list[ModuleSteps]
    closing: list[Step]  # after the last module: the final test

    @cached_property
    def steps(self) -> list[Step]:
        return [s for m in self.modules for s in m.steps] + self.closing

    @cached_property
    def required(self) -> list[Step]:
        return [s for s in self.steps if s.required]

    @cached_property
    def _by_key(self) -> dict[tuple[str, str], Step]:
        found: dict[tuple[str, str], Step] = {}
        for s in self.steps:
            found.setdefault((s.kind, s.key), s)
        return found

    @property
    def total(self) -> int:
        return len(self.required)

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.required if s.done)

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        """Every required step done: the course is finished (and the certificate rule holds)."""
        return self.done_count == self.total

    @property
    def started(self) -> bool:
        return any(s.status != NOT_STARTED for s in self.steps)

    @property
    def remaining(self) -> list[Step]:
        """Required steps not done, in path order: the "what is left" list."""
        return [s for s in self.required if not s.done]

    def module_of(self, key: str) -> ModuleSteps | None:
        return next((m for m in self.modules if m.key == key), None)

    def step(self, kind: str, key: str) -> Step | None:
        return self._by_key.get((kind, key))

    def frozen(self) -> FrozenPath:
        """What a sidebar shows of this path, hashable: the key of its kept HTML."""
        return FrozenPath(
            tuple(FrozenModule(m.key, m.title, tuple(m.steps), m.done) for m in self.modules),
            tuple(self.closing),
            self.done_count,
            self.total,
            # Step's hash leaves its URL values out (a dict): they join the key here, as the
            # links are built from them (the fragment's key holds the URL map and root too).
            tuple(tuple(sorted(s.values.items())) for s in self.steps),
        )

    def next_step(self) -> Step | None:
        """What this learner should do next in this course; None when the course is finished.

        The first required step not done, or an optional one on the way to it that the learner
        has not passed by yet; a step the learner cannot act on now (a test that opens later)
        gives way to the next one that can be done, and is the answer only when nothing else is.
        """
        steps = self.steps
        reached = max((i for i, s in enumerate(steps) if s.status != NOT_STARTED), default=-1)
        candidates = [s for i, s in enumerate(steps) if not s.done and (s.required or i > reached)]
        if not any(s.required for s in candidates):
            return None
        return next((s for s in candidates if s.status in ACTIONABLE), candidates[0])


@dataclass(frozen=True)
class FrozenModule:
    """A module as a sidebar shows it (the attributes the path macros read)."""

    key: str
    title: str
    steps: tuple[Step, ...]
    done: bool


@dataclass(frozen=True)
class FrozenPath:
    """A path as a sidebar shows it, hashable, for training.fragments (see Path.frozen)."""

    modules: tuple[FrozenModule, ...]
    closing: tuple[Step, ...]
    done_count: int
    total: int
    links: tuple[tuple[tuple[str, Any], ...], ...]  # each step's URL values


def lesson_steps(course: Course, revision: CourseRevision) -> list[Step]:
    """The revision's lessons as steps, in reading order."""
    return [
        Step(
            kind="lesson",
            key=item["key"],
            title=item["title"],
            module_key=module["key"],
            required=item.get("required", True),
            endpoint="courses.lesson",
            values={"slug": course.slug, "key": item["key"]},
        )
        for module in revision.outline
        for item in module["lessons"]
    ]


_PROGRESS = LessonProgress.__table__
# Built once, on the table rather than the mapped class: a Core statement skips the ORM's
# per-execution compile step, and the expanding IN lists keep one cached compiled form.
_LESSON_STATES = sa.select(
    _PROGRESS.c.user_id, _PROGRESS.c.course_id, _PROGRESS.c.lesson_key, _PROGRESS.c.completed_at
).where(
    _PROGRESS.c.user_id.in_(sa.bindparam("user_ids", expanding=True)),
    _PROGRESS.c.course_id.in_(sa.bindparam("course_ids", expanding=True)),
)


def _lesson_states(
    courses: Sequence[Course], user_ids: Sequence[int], since: datetime | None
) -> dict[tuple[int, int, str], StepState]:
    """Lesson states of these learners in these courses, in one statement."""
    if not user_ids or not courses:
        return {}
    ids = {"user_ids": list(user_ids), "course_ids": [c.id for c in courses]}
    rows = db.session.execute(_LESSON_STATES, ids)
    states = {}
    for user_id, course_id, key, completed_at in rows:
        done = completed_at is not None and (since is None or completed_at > since)
        states[(user_id, course_id, state_key("lesson", key))] = StepState(
            DONE if done else STARTED
        )
    return states


def gather(
    courses: Sequence[Course], user_ids: Sequence[int], since: datetime | None = None
) -> Found:
    """The steps of these (published) courses and these learners' states of them.

    A constant number of statements whatever the number of courses and learners: one for the
    lessons, one per step source. `since` counts only what was done after it (renewals).
    """
    found = Found(
        steps={c.id: lesson_steps(c, c.published_revision) for c in courses},
        states=_lesson_states(courses, user_ids, since),
    )
    for source in hooks.path_steps:
        more = source(list(courses), list(user_ids), since)
        for course_id, steps in more.steps.items():
            found.steps.setdefault(course_id, []).extend(steps)
        found.states.update(more.states)
    if user_ids:
        for source in hooks.path_dates:
            for key, dates in source(list(courses), list(user_ids)).items():
                found.dates.setdefault(key, dates)
    return found


def paths(
    courses: Sequence[Course], user_ids: Sequence[int], since: datetime | None = None
) -> dict[tuple[int, int], Path]:
    """Every learner's path in every published course, keyed by (user id, course id)."""
    published = [c for c in courses if c.published_revision is not None]
    found = gather(published, user_ids, since)
    return {
        (user_id, course.id): arrange(course, found, user_id)
        for course in published
        for user_id in user_ids
    }


def path_for(course: Course, user_id: int | None, since: datetime | None = None) -> Path:
    """One learner's path in one published course; blank (nothing started) for None."""
    shared = _shared.get()
    key = (course.id, user_id, since)
    if shared is not None and key in shared:
        return shared[key]
    found = gather([course], [] if user_id is None else [user_id], since)
    evaluated = arrange(course, found, user_id)
    if shared is not None:
        shared[key] = evaluated
    return evaluated


#: Paths already evaluated while one progress change is announced (see announce_progress).
_shared: ContextVar[dict[tuple, Path] | None] = ContextVar("shared_paths", default=None)


@contextmanager
def sharing_paths() -> Iterator[None]:
    """Within the block, path_for evaluates each (course, learner, since) once; a block inside
    another shares the outer one's paths.

    Only for code that changes no step's state after the first evaluation, as a request that
    marks a lesson done and then reads the path to choose where to go next.
    """
    if _shared.get() is not None:
        yield
        return
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def announce_progress(user_id: int, course_id: int) -> None:
    """Tell progress_changed's listeners (the learning record, the certificate rule) that a
    learner's path moved, letting them share one evaluation of it.

    Safe because the listeners only write what no step source reads (learning events, the
    certificate); a listener that changed a step's state would have to leave the block.
    """
    with sharing_paths():
        hooks.progress_changed.send(None, user_id=user_id, course_id=course_id)


def arrange(course: Course, found: Found, user_id: int | None) -> Path:
    """Steps in path order with this learner's states: module by module, then the rest."""
    states = found.states
    stated = found.steps.get(course.id, [])
    if user_id is not None:
        # Steps are immutable: one the learner has no state of is shared as it is.
        keyed = ((s, states.get((user_id, course.id, state_key(s.kind, s.key)))) for s in stated)
        stated = [s if state is None else s.with_state(state) for s, state in keyed]
    blank = hooks.ModuleDates()
    modules = [
        ModuleSteps(m["key"], m["title"], [], *_dates(found, user_id, course.id, m["key"], blank))
        for m in course.published_revision.outline
    ]
    by_key = {m.key: m for m in modules}
    closing = []
    now = utcnow()
    for step in stated:
        module = by_key.get(step.module_key)
        if module and module.opens_at and module.opens_at > now and not step.done:
            # Not open yet for the learner's cohort: nothing on it can be done before then.
            step = step.with_state(StepState(LOCKED, opens_at=module.opens_at))
        (module.steps if module else closing).append(step)
    return Path(course, modules, closing)


def _dates(
    found: Found, user_id: int | None, course_id: int, module_key: str, blank: hooks.ModuleDates
) -> tuple[datetime | None, datetime | None]:
    """A module's open and due dates for this learner (none without a learner or a schedule)."""
    dates = found.dates.get((user_id, course_id, module_key), blank) if user_id else blank
    return dates.opens_at, dates.due_at


def state_key(kind: str, key: str) -> str:
    """How sources other than lessons name a step in `Found.states`: "<kind>:<key>"."""
    return f"{kind}:{key}"


def module_opens_at(course: Course, user_id: int, module_key: str | None) -> datetime | None:
    """When a module opens for this learner's group, if it is not open yet (None: open now).

    For the pages of a step that are not lessons (tests, assignments): one statement per dates
    source, and none for a step outside a module.
    """
    if not module_key:
        return None
    for source in hooks.path_dates:
        dates = source([course], [user_id]).get((user_id, course.id, module_key))
        if dates is not None and dates.opens_at is not None:
            return dates.opens_at if dates.opens_at > utcnow() else None
    return None
