"""Turning figures into the tables and charts organizers see (and export, cell for cell)."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask_babel import format_date
from flask_babel import gettext as _

from stats import charts
from stats.charts import Chart, bar_list, column_chart
from stats.counting import DAY_BUCKETS, MORE_THAN_A_YEAR
from stats.learners import LearnerPage
from stats.protect import total_measure
from stats.queries import (
    AssignmentFigures,
    DifficultQuestion,
    Figures,
    Overview,
    QuizFigures,
    Scope,
    Step,
)
from stats.suppression import Key
from stats.tables import Cell, Privacy, Table
from training.i18n import decimal
from training.organizations.models import Organization


def _figure_headers() -> list[str]:
    return [
        _("Learners"),
        _("Active in 30 days"),
        _("Enrolled"),
        _("Started learning"),
        _("Completed"),
        _("Certified"),
        _("Completion rate"),
    ]


#: The cell key of a row's figure, by figure name ("learners", "active" or a flow metric).
Keys = Callable[[str], Key]
PEOPLE = ("learners", "active")


def figure_keys(org_id: int, flow: Callable[[str], Hashable], active_scope: str) -> Keys:
    """Keys of one row: flow metrics as `flow` names them, learners in `active_scope`."""
    return lambda name: (org_id, (name, active_scope) if name in PEOPLE else flow(name))


def _figure_cells(figures: Figures, privacy: Privacy, key: Keys) -> list[Cell]:
    names = (*PEOPLE, "enrolled", "started", "completed", "certified")
    return [
        *(privacy.count(getattr(figures, name), key(name)) for name in names),
        privacy.rate(figures.completed, figures.enrolled, key("completed"), key("enrolled")),
    ]


def _median_cell(figures: Figures, privacy: Privacy, key: Keys) -> Cell:
    median = figures.median_days
    if median is None or privacy.hidden(figures.certified, key("certified")):
        return Cell("—", None, numeric=True)
    return Cell(days_label(median), median, numeric=True)


def days_label(bucket: int) -> str:
    """A days bucket as shown: "3" in the first week, then a range such as "8–10"."""
    if bucket == MORE_THAN_A_YEAR:
        return "> 365"
    lower = max((b for b in DAY_BUCKETS if b < bucket), default=-1) + 1
    return str(bucket) if lower == bucket else f"{lower}–{bucket}"


def course_table(data: Overview, privacy: Privacy, scope: Scope) -> Table:
    """Per course and in total: learners, activity, the flow to certificates, time to finish."""
    table = Table(
        _("Courses"),
        [_("Course"), *_figure_headers(), _("Median days to certificate")],
    )
    org_id = scope.org.id
    for course, figures in data.by_course:
        title = course.published_revision.title if course.published_revision else course.title
        key = figure_keys(org_id, lambda m, c=course.id: (c, m, ""), f"c:{course.id}")
        table.rows.append(
            [
                Cell(title),
                *_figure_cells(figures, privacy, key),
                _median_cell(figures, privacy, key),
            ]
        )
    key = figure_keys(org_id, lambda m: total_measure(scope, m), scope.active_scope)
    table.rows.append(
        [
            Cell(_("Total")),
            *_figure_cells(data.total, privacy, key),
            _median_cell(data.total, privacy, key),
        ]
    )
    return table


TREND = ("enrolled", "completed", "certified")


def trend_labels() -> list[str]:
    return [_("Enrolled"), _("Completed"), _("Certified")]


def trend_table(data: Overview, privacy: Privacy, scope: Scope) -> Table:
    """Week by week: enrollments, completions, certificates."""
    table = Table(_("Week by week"), [_("Week from"), *trend_labels()])
    for i, week in enumerate(data.weeks):
        table.rows.append(
            [
                Cell(format_date(week, "short"), week),
                *(
                    privacy.count(data.trend[m][i], (scope.org.id, ("week", week, m)))
                    for m in TREND
                ),
            ]
        )
    return table


def trend_chart(data: Overview, privacy: Privacy, scope: Scope, width: int = charts.WIDTH) -> Chart:
    """The weekly trend drawn `width` units wide, with at most six date labels on a desktop
    and four on the phone drawing, so that they never overlap."""
    labels = [format_date(week, "d MMM") for week in data.weeks]
    series = [
        [
            privacy.shown(v, (scope.org.id, ("week", week, m)))
            for week, v in zip(data.weeks, data.trend[m], strict=True)
        ]
        for m in TREND
    ]
    most = 6 if width >= charts.WIDTH else 4  # "12 окт." is 40–50 units wide: no overlap
    every = max(1, -(-len(labels) // most))
    return column_chart(labels, series, every, f"<{privacy.threshold}", width)


def tree_table(
    rows: list[tuple[Organization, Figures]],
    privacy: Privacy,
    scope: Scope,
    drill: Callable[[Organization], str | None],
) -> Table:
    """One row per organization below the scope, each linking one level further down."""
    table = Table(_("By organization"), [_("Organization"), *_figure_headers()], sortable=True)
    for org, figures in rows:
        key = figure_keys(org.id, lambda m: total_measure(scope, m), scope.active_scope)
        table.rows.append(
            [Cell(org.name, org.name, drill(org)), *_figure_cells(figures, privacy, key)]
        )
    return table


def funnel_table(
    steps: list[Step], privacy: Privacy, keys: Callable[[Step], Key]
) -> tuple[Table, list[float]]:
    """Each step with its share of enrollments and the drop-off from the step before."""
    names = {
        "enrolled": _("Enrolled"),
        "started": _("Started learning"),
        "certified": _("Certified"),
    }
    table = Table(
        _("Funnel"),
        [_("Step"), _("Learners"), _("Share of enrolled"), _("Lost since the previous step")],
    )
    first = steps[0].value if steps else 0
    first_key = keys(steps[0]) if steps else None
    previous, previous_key = None, None
    for step in steps:
        if step.key == "module":
            label = _("Module done: %(title)s", title=step.label)
        elif step.key == "final":
            label = _("Final quiz passed: %(title)s", title=step.label)
        else:
            label = names[step.key]
        key = keys(step)
        if previous is None:
            lost = Cell("", None, numeric=True)
        elif privacy.hidden(step.value, key):  # the drop would give the hidden step away
            lost = Cell("—", None, numeric=True)
        else:
            lost = privacy.rate(max(0, previous - step.value), previous, None, previous_key)
        table.rows.append(
            [
                Cell(label),
                privacy.count(step.value, key),
                privacy.rate(step.value, first, key, first_key),
                lost,
            ]
        )
        previous, previous_key = step.value, key
    widths = bar_list([privacy.shown(step.value, keys(step)) for step in steps])
    return table, widths


def quiz_table(
    rows: list[QuizFigures],
    privacy: Privacy,
    org_id: int,
    analysis: Callable[[QuizFigures], str | None],
) -> Table:
    """Attempts, pass rate and mean attempts per quiz."""
    table = Table(
        _("Quizzes"),
        [
            _("Course"),
            _("Quiz"),
            _("Attempts"),
            _("Learners who tried"),
            _("Passed"),
            _("Pass rate"),
            _("Attempts per learner"),
        ],
    )
    for row in rows:
        course = row.quiz.course
        title = course.published_revision.title if course.published_revision else course.title
        attempts, attempters, passers = (
            (org_id, (course.id, metric, row.quiz.key))
            for metric in ("attempts", "attempters", "passers")
        )
        table.rows.append(
            [
                Cell(title),
                Cell(row.quiz.title, href=analysis(row)),
                privacy.count(row.attempts, attempts),
                privacy.count(row.attempters, attempters),
                privacy.count(row.passers, passers),
                privacy.rate(row.passers, row.attempters, passers, attempters),
                privacy.ratio(row.attempts, row.attempters, attempts, attempters),
            ]
        )
    return table


def assignment_table(rows: list[AssignmentFigures], privacy: Privacy, org_id: int) -> Table:
    """Per assignment: learners who handed it in and whose work was accepted (counts only,
    hidden for small groups like every other count)."""
    table = Table(
        _("Assignments"),
        [_("Course"), _("Assignment"), _("Handed in"), _("Accepted"), _("Accepted, share")],
    )
    for row in rows:
        course = row.course
        title = course.published_revision.title if course.published_revision else course.title
        handed, accepted = (
            (org_id, (course.id, metric, row.assignment.key))
            for metric in ("submitters", "accepted")
        )
        table.rows.append(
            [
                Cell(title),
                Cell(row.assignment.title),
                privacy.count(row.submitters, handed),
                privacy.count(row.accepted, accepted),
                privacy.rate(row.accepted, row.submitters, accepted, handed),
            ]
        )
    return table


def question_table(
    rows: list[DifficultQuestion], link: Callable[[DifficultQuestion], str | None]
) -> Table:
    """The lowest-facility questions of each course (whole union; enough answers only)."""
    table = Table(
        _("Difficult questions"),
        [_("Course"), _("Question"), _("Answers"), _("Facility")],
    )
    for row in rows:
        course = row.course
        title = course.published_revision.title if course.published_revision else course.title
        table.rows.append(
            [
                Cell(title),
                Cell(row.name, href=link(row)),
                Cell(str(row.answers), row.answers, numeric=True),
                Cell(decimal(row.facility, 2), row.facility, numeric=True),
            ]
        )
    return table


def learner_table(data: LearnerPage) -> Table:
    """Names and progress only: never answers or scores."""
    table = Table(
        _("Learners"),
        [
            _("Username"),
            _("Display name"),
            _("Organization"),
            _("Course"),
            _("Enrolled on"),
            _("Steps done"),
            _("Certificate"),
        ],
    )
    for row in data.rows:
        course = row.course
        title = course.published_revision.title if course.published_revision else course.title
        table.rows.append(
            [
                Cell(row.username),
                Cell(row.display_name),
                Cell(row.organization),
                Cell(title),
                Cell(format_date(row.enrolled_at, "short")),
                Cell(f"{row.steps_done}/{row.steps_total}", numeric=True),
                Cell(format_date(row.certified_at, "short") if row.certified_at else "—"),
            ]
        )
    return table
