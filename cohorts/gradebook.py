"""A cohort's gradebook: learners × steps, last activity and who is stuck.

Built from a constant number of statements whatever the cohort's size: the members, the
learning path of all of them at once (`courses.path.paths`), their failed test attempts and
their last learning events. The page, the CSV and the XLSX all show `Gradebook.cells`, so the
downloads equal the page by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from cohorts.models import Cohort, CohortMember
from courses import path as paths
from courses.path import DONE, FAILED, LOCKED, STARTED, WAITING, Path
from quizzes.models import Attempt, Quiz
from training.accounts.models import User
from training.db import utcnow
from training.events import LearningEvent
from training.extensions import db
from training.web import shown_datetime

IDLE_DAYS = 7  # no learning event for this long: stuck
FAILED_TRIES = 2  # a test failed this many times and not passed: stuck
SORTS = ("name", "progress", "activity")


@dataclass(frozen=True)
class Column:
    """A gradebook column: a module's lessons, or one test or assignment."""

    kind: str  # "lessons", "quiz", "assignment"
    key: str  # module key, or the step's key
    title: str
    module_key: str


@dataclass
class Row:
    """One learner's line: their path, last activity, why they are stuck, and the cells."""

    user: User
    path: Path
    last_activity: datetime | None
    stuck: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)


@dataclass
class Gradebook:
    """The columns and rows of a cohort's gradebook, filtered and sorted as asked."""

    cohort: Cohort
    columns: list[Column]
    rows: list[Row]

    @property
    def header(self) -> list[str]:
        """The table's header, as the page and the downloads show it."""
        fixed = [_("Learner"), _("Username"), _("Steps done"), _("Last activity"), _("Stuck")]
        return fixed + [c.title for c in self.columns]

    def table(self) -> list[list[str]]:
        """Every row as the page shows it: the fixed cells, then one per column."""
        return [
            [
                row.user.shown_name,
                row.user.username,
                f"{row.path.done_count}/{row.path.total}",
                shown_datetime(row.last_activity) if row.last_activity else "—",
                "; ".join(row.stuck),
                *row.cells,
            ]
            for row in self.rows
        ]


def columns_of(path: Path) -> list[Column]:
    """The columns of a course's path: per module its lessons, then its tests and
    assignments; then the steps after the last module."""
    columns = []
    for module in path.modules:
        if any(s.kind == "lesson" for s in module.steps):
            columns.append(Column("lessons", module.key, module.title, module.key))
        columns += [
            Column(s.kind, s.key, s.title, module.key) for s in module.steps if s.kind != "lesson"
        ]
    columns += [Column(s.kind, s.key, s.title, "") for s in path.closing if s.kind != "lesson"]
    return columns


def build(
    cohort: Cohort, *, sort: str = "name", stuck_only: bool = False, module: str = ""
) -> Gradebook:
    """The cohort's gradebook in a constant number of statements."""
    members = list(
        db.session.scalars(
            sa.select(User)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort.id)
        )
    )
    joined = dict(
        db.session.execute(
            sa.select(CohortMember.user_id, CohortMember.joined_at).where(
                CohortMember.cohort_id == cohort.id
            )
        ).all()
    )
    course = cohort.course
    ids = [u.id for u in members]
    found = paths.paths([course], ids) if course.published_revision else {}
    blank = next(iter(found.values()), None)
    if blank is None and course.published_revision is not None:
        blank = paths.path_for(course, None)  # nobody yet: the columns still show
    columns = columns_of(blank) if blank else []
    if module:
        columns = [c for c in columns if c.module_key == module]
    failures = _failures(course.id, ids)
    last = _last_activity(course.id, ids)
    now = utcnow()
    rows = []
    for user in members:
        learner_path = found.get((user.id, course.id)) or blank
        if learner_path is None:
            continue
        seen = max(filter(None, [last.get(user.id), joined.get(user.id)]), default=None)
        row = Row(user, learner_path, last.get(user.id))
        row.stuck = stuck_reasons(learner_path, seen, failures.get(user.id, {}), now)
        row.cells = [cell(learner_path, c) for c in columns]
        rows.append(row)
    if stuck_only:
        rows = [r for r in rows if r.stuck]
    rows.sort(key=_sort_key(sort))
    return Gradebook(cohort, columns, rows)


def _sort_key(sort: str):
    """How rows are ordered: by name, by progress (least first) or by last activity (oldest)."""
    if sort == "progress":
        return lambda r: (r.path.done_count, r.user.shown_name.lower())
    if sort == "activity":
        return lambda r: (r.last_activity is not None, r.last_activity or datetime.min, r.user.id)
    return lambda r: (r.user.shown_name.lower(), r.user.id)


def _failures(course_id: int, user_ids: list[int]) -> dict[int, dict[str, int]]:
    """Failed submitted attempts per learner and test key, in one statement."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(Attempt.user_id, Quiz.key, sa.func.count())
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(
            Quiz.course_id == course_id,
            Attempt.user_id.in_(user_ids),
            Attempt.passed.is_(False),
        )
        .group_by(Attempt.user_id, Quiz.key)
    )
    failures: dict[int, dict[str, int]] = {}
    for user_id, key, count in rows:
        failures.setdefault(user_id, {})[key] = count
    return failures


def _last_activity(course_id: int, user_ids: list[int]) -> dict[int, datetime]:
    """Each learner's last learning event in the course, in one statement."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(LearningEvent.actor_id, sa.func.max(LearningEvent.timestamp))
        .where(LearningEvent.course_id == course_id, LearningEvent.actor_id.in_(user_ids))
        .group_by(LearningEvent.actor_id)
    )
    return {row[0]: row[1] for row in rows}


def stuck_reasons(
    path: Path, last_seen: datetime | None, failures: dict[str, int], now: datetime
) -> list[str]:
    """Why a learner needs the trainer: idle a week, a test failed twice, work to revise."""
    if path.complete:
        return []
    reasons = []
    if last_seen is None or now - last_seen > timedelta(days=IDLE_DAYS):
        reasons.append(_("no activity for %(days)d days", days=IDLE_DAYS))
    for step in path.steps:
        if step.kind == "quiz" and not step.done and failures.get(step.key, 0) >= FAILED_TRIES:
            reasons.append(_("failed “%(title)s” twice", title=step.title))
        if step.kind == "assignment" and step.status == FAILED:
            reasons.append(_("has not revised “%(title)s”", title=step.title))
    return reasons


def cell(path: Path, column: Column) -> str:
    """What a learner's cell of a column says."""
    if column.kind == "lessons":
        module = path.module_of(column.key)
        lessons = [s for s in module.steps if s.kind == "lesson"] if module else []
        return f"{sum(1 for s in lessons if s.done)}/{len(lessons)}"
    step = path.step(column.kind, column.key)
    if step is None:
        return ""
    if step.state.opens_at is not None:
        return _("not open yet")
    if step.kind == "quiz":
        return _quiz_cell(step.state)
    return _assignment_cell(step.status)


def _quiz_cell(state: paths.StepState) -> str:
    score = "" if state.score is None else f"{state.score} %"
    if state.status == DONE:
        return f"{score} ✓".strip()
    if state.status in (FAILED, LOCKED) and state.score is not None:
        return f"{score} ✗"
    if state.status == WAITING:
        return _("waiting")
    if state.status == STARTED:
        return _("in progress")
    return "—"


def _assignment_cell(status: str) -> str:
    # One lookup of the one string shown: a cell per learner, and each lookup costs ~10 µs.
    if status == DONE:
        return _("accepted")
    if status == WAITING:
        return _("waiting for review")
    if status == FAILED:
        return _("to revise")
    if status == LOCKED:
        return _("not accepted")
    if status == STARTED:
        return _("in progress")
    return "—"
