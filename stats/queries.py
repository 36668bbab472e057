"""Figures for organizer dashboards, read from the aggregates (never from per-learner rows)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from assignments.models import Assignment
from courses.models import Course, CourseRevision
from quizzes.models import Question, QuestionVersion, Quiz
from quizzes.preview import excerpt
from stats.counting import ALL_TIME, FLOW, week_of
from stats.models import LastActive, WeeklyCount
from training.db import utcnow
from training.extensions import db
from training.organizations.models import Organization

ACTIVE_DAYS = 30


@dataclass(frozen=True)
class Scope:
    """Whose figures (an organization's subtree), which courses, which weeks."""

    org: Organization
    courses: tuple[Course, ...]  # the courses the filters select, in title order
    start: date  # first day of the period (a Monday)
    end: date  # last day of the period (a Sunday)
    course: Course | None = None
    language: str = ""

    @property
    def course_ids(self) -> list[int]:
        return [c.id for c in self.courses]

    @property
    def active_scope(self) -> str:
        """Which last-active histogram counts distinct learners for these filters."""
        if self.course is not None:
            return f"c:{self.course.id}"
        return f"l:{self.language}" if self.language else "all"


def published_courses(language: str = "") -> list[Course]:
    """Courses learners can take, by title, optionally in one language."""
    query = (
        sa.select(Course)
        .join(Course.published_revision)
        # Revisions give titles; editors decide who gets links to item analysis.
        .options(contains_eager(Course.published_revision), selectinload(Course.editor_rows))
        .order_by(CourseRevision.title)
    )
    if language:
        query = query.where(Course.language == language)
    return list(db.session.scalars(query))


def _weekly(
    scope: Scope,
    metrics: tuple[str, ...],
    group: tuple,
    org_ids: list[int],
    *,
    totals: bool = False,
):
    """Sums of weekly counters in the scope's period, grouped by `group` columns.

    With `totals`, the flow metrics are read from their all-course (or one-language) sums
    unless a course is chosen: one row per organization and week instead of one per course.
    """
    columns = [getattr(WeeklyCount, name) for name in group]
    if totals and scope.course is None:
        courses = sa.and_(WeeklyCount.course_id == 0, WeeklyCount.item == scope.language)
    else:
        courses = WeeklyCount.course_id.in_(scope.course_ids)
    return db.session.execute(
        sa.select(*columns, sa.func.sum(WeeklyCount.value))
        .where(
            WeeklyCount.org_id.in_(org_ids),
            courses,
            WeeklyCount.metric.in_(metrics),
            WeeklyCount.week >= week_of(scope.start),
            WeeklyCount.week <= scope.end,
        )
        .group_by(*columns)
    ).all()


def _learners(org_ids: list[int], scopes: list[str]) -> dict[tuple[int, str], tuple[int, int]]:
    """(all-time learners, active in the last 30 days) by organization and histogram scope."""
    cutoff = utcnow().date() - timedelta(days=ACTIVE_DAYS - 1)
    rows = db.session.execute(
        sa.select(
            LastActive.org_id,
            LastActive.scope,
            sa.func.sum(LastActive.value),
            sa.func.sum(sa.case((LastActive.day >= cutoff, LastActive.value), else_=0)),
        )
        .where(LastActive.org_id.in_(org_ids), LastActive.scope.in_(scopes))
        .group_by(LastActive.org_id, LastActive.scope)
    )
    return {(org_id, s): (int(total), int(active)) for org_id, s, total, active in rows}


def learner_counts(org_ids: list[int]) -> dict[int, int]:
    """Learners who ever did anything in each organization's subtree (from the aggregates)."""
    return {org_id: total for (org_id, _s), (total, _a) in _learners(org_ids, ["all"]).items()}


def median_from(histogram: dict[int, int]) -> int | None:
    """The (lower) median of a {value: how many} histogram; None when it is empty."""
    total = sum(histogram.values())
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= (total + 1) // 2:
            return value
    return None


@dataclass
class Figures:
    """The headline numbers of one row: a course, an organization or the total."""

    learners: int = 0
    active: int = 0
    enrolled: int = 0
    started: int = 0
    completed: int = 0
    certified: int = 0
    days_to_certificate: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def median_days(self) -> int | None:
        """The bucket (upper bound in days, see counting.DAY_BUCKETS) holding the median."""
        return median_from(self.days_to_certificate)


@dataclass
class Overview:
    """Totals, a row per course and the weekly trend for a scope."""

    total: Figures
    by_course: list[tuple[Course, Figures]]
    weeks: list[date]
    trend: dict[str, list[int]]  # metric -> value per week


def overview(scope: Scope) -> Overview:
    """Learners, activity, enrollments, completions and certificates, per course and in total."""
    org_ids = [scope.org.id]
    by_course = {course.id: Figures() for course in scope.courses}
    total = Figures()
    for course_id, metric, item, value in _weekly(
        scope, (*FLOW, "cert_days"), ("course_id", "metric", "item"), org_ids
    ):
        for figures in (by_course[course_id], total):
            if metric == "cert_days":
                figures.days_to_certificate[int(item)] += int(value)
            else:
                setattr(figures, metric, getattr(figures, metric) + int(value))
    scopes = [f"c:{cid}" for cid in by_course] + [scope.active_scope]
    learners = _learners(org_ids, scopes)
    for course_id, figures in by_course.items():
        figures.learners, figures.active = learners.get((scope.org.id, f"c:{course_id}"), (0, 0))
    total.learners, total.active = learners.get((scope.org.id, scope.active_scope), (0, 0))

    weeks = []
    week = week_of(scope.start)
    while week <= scope.end:
        weeks.append(week)
        week += timedelta(days=7)
    index = {w: i for i, w in enumerate(weeks)}
    trend = {metric: [0] * len(weeks) for metric in ("enrolled", "completed", "certified")}
    for week, metric, value in _weekly(
        scope, tuple(trend), ("week", "metric"), org_ids, totals=True
    ):
        trend[metric][index[week]] += int(value)
    return Overview(total, [(c, by_course[c.id]) for c in scope.courses], weeks, trend)


def breakdown(scope: Scope) -> list[tuple[Organization, Figures]]:
    """The same figures for each organization one level below the scope (or the scope itself)."""
    children = list(
        db.session.scalars(
            sa.select(Organization)
            .where(Organization.parent_id == scope.org.id)
            .order_by(Organization.name)
        )
    ) or [scope.org]
    figures = {org.id: Figures() for org in children}
    org_ids = list(figures)
    for org_id, metric, value in _weekly(scope, FLOW, ("org_id", "metric"), org_ids, totals=True):
        setattr(figures[org_id], metric, getattr(figures[org_id], metric) + int(value))
    for (org_id, _s), (total, active) in _learners(org_ids, [scope.active_scope]).items():
        figures[org_id].learners, figures[org_id].active = total, active
    return [(org, figures[org.id]) for org in children]


@dataclass
class Step:
    """One step of a course funnel."""

    label: str
    key: str
    value: int
    measure: tuple = ()  # (course id, metric, item): the counter the step reads


def funnel(scope: Scope, course: Course) -> list[Step]:
    """Enrolled → started → each module done → final quiz passed → certified, for one course."""
    narrowed = Scope(scope.org, (course,), scope.start, scope.end, course, scope.language)
    values: dict[tuple[str, str], int] = defaultdict(int)
    for metric, item, value in _weekly(
        narrowed,
        ("enrolled", "started", "module", "passers", "certified"),
        ("metric", "item"),
        [scope.org.id],
    ):
        values[(metric, item)] += int(value)
    revision = course.published_revision

    def step(label: str, key: str, metric: str, item: str = "") -> Step:
        return Step(label, key, values[(metric, item)], (course.id, metric, item))

    steps = [step("enrolled", "enrolled", "enrolled"), step("started", "started", "started")]
    for module in revision.outline if revision else []:
        steps.append(step(module["title"], "module", "module", module["key"]))
    final = db.session.scalar(
        sa.select(Quiz)
        .where(Quiz.course_id == course.id, Quiz.module_key.is_(None))
        .order_by(Quiz.key)
    )
    if final is not None:
        steps.append(step(final.title, "final", "passers", final.key))
    steps.append(step("certified", "certified", "certified"))
    return steps


@dataclass
class QuizFigures:
    """Attempts, learners who tried and learners who passed one quiz."""

    quiz: Quiz
    attempts: int = 0
    attempters: int = 0
    passers: int = 0


@dataclass
class AssignmentFigures:
    """Learners who handed in one assignment and learners whose work was accepted: counts
    only, never the work itself nor who did it."""

    assignment: Assignment
    course: Course
    submitters: int = 0
    accepted: int = 0


def assignment_figures(scope: Scope) -> list[AssignmentFigures]:
    """Hand-ins and acceptances for every assignment of the selected courses (two queries)."""
    courses = {c.id: (i, c) for i, c in enumerate(scope.courses)}
    found = db.session.scalars(
        sa.select(Assignment)
        .where(Assignment.course_id.in_(scope.course_ids))
        .order_by(Assignment.key)
    )
    ordered = sorted(found, key=lambda a: courses[a.course_id][0])
    by_key = {(a.course_id, a.key): AssignmentFigures(a, courses[a.course_id][1]) for a in ordered}
    for course_id, metric, item, value in _weekly(
        scope, ("submitters", "accepted"), ("course_id", "metric", "item"), [scope.org.id]
    ):
        if (course_id, item) in by_key:
            row = by_key[(course_id, item)]
            setattr(row, metric, getattr(row, metric) + int(value))
    return list(by_key.values())


@dataclass
class DifficultQuestion:
    """A question with low facility (mean score) across the whole union."""

    course: Course
    question_id: int
    name: str
    answers: int
    facility: float


def quiz_figures(scope: Scope) -> list[QuizFigures]:
    """Pass rate and attempts for every quiz of the selected courses."""
    quizzes = db.session.scalars(
        sa.select(Quiz).where(Quiz.course_id.in_(scope.course_ids)).order_by(Quiz.key)
    )
    courses = {c.id: i for i, c in enumerate(scope.courses)}
    by_key = {
        (q.course_id, q.key): QuizFigures(q)
        for q in sorted(quizzes, key=lambda q: (courses[q.course_id], q.module_key is None))
    }
    for course_id, metric, item, value in _weekly(
        scope,
        ("attempts", "attempters", "passers"),
        ("course_id", "metric", "item"),
        [scope.org.id],
    ):
        if (course_id, item) in by_key:
            row = by_key[(course_id, item)]
            setattr(row, metric, getattr(row, metric) + int(value))
    return list(by_key.values())


def difficult_questions(scope: Scope, minimum: int, limit: int = 5) -> list[DifficultQuestion]:
    """The lowest-facility questions of each selected course (answered at least `minimum` times).

    Question scores are kept for the whole union and all time: a question is as hard in one
    region as in another, and the larger sample makes the figure trustworthy.
    """
    roots = list(
        db.session.scalars(sa.select(Organization.id).where(Organization.parent_id.is_(None)))
    )
    sums: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    rows = db.session.execute(
        sa.select(
            WeeklyCount.course_id, WeeklyCount.metric, WeeklyCount.item, WeeklyCount.value
        ).where(
            WeeklyCount.org_id.in_(roots),
            WeeklyCount.course_id.in_(scope.course_ids),
            WeeklyCount.metric.in_(("q_n", "q_score")),
            WeeklyCount.week == ALL_TIME,
        )
    )
    for course_id, metric, item, value in rows:
        sums[(course_id, item)][metric == "q_score"] += int(value)
    candidates = [
        (course_id, int(item), n, score / 1000 / n)
        for (course_id, item), (n, score) in sums.items()
        if n >= minimum and item.isdigit()
    ]
    # Named by the start of their text, as people read them (not the author's internal name).
    names = {
        question_id: excerpt(version)
        for question_id, version in db.session.execute(
            sa.select(Question.id, QuestionVersion)
            .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
            .where(Question.id.in_([c[1] for c in candidates]))
        )
    }
    courses = {c.id: c for c in scope.courses}
    result = []
    for course in scope.courses:
        rows = sorted((c for c in candidates if c[0] == course.id), key=lambda c: (c[3], c[1]))
        for course_id, question_id, n, facility in rows[:limit]:
            name = names.get(question_id) or f"#{question_id}"
            result.append(DifficultQuestion(courses[course_id], question_id, name, n, facility))
    return result
