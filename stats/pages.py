"""Turning figures into the tables and charts organizers see (and export, cell for cell)."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import format_date
from flask_babel import gettext as _

from stats.charts import Chart, bar_list, column_chart
from stats.counting import DAY_BUCKETS, MORE_THAN_A_YEAR
from stats.learners import LearnerPage
from stats.queries import DifficultQuestion, Figures, Overview, QuizFigures, Step
from stats.tables import Cell, Privacy, Table
from training.organizations.models import Organization


def _figure_headers() -> list[str]:
    return [
        _("Learners"),
        _("Active in 30 days"),
        _("Enrolled"),
        _("Started"),
        _("Completed"),
        _("Certified"),
        _("Completion rate"),
    ]


def _figure_cells(figures: Figures, privacy: Privacy) -> list[Cell]:
    return [
        privacy.count(figures.learners),
        privacy.count(figures.active),
        privacy.count(figures.enrolled),
        privacy.count(figures.started),
        privacy.count(figures.completed),
        privacy.count(figures.certified),
        privacy.rate(figures.completed, figures.enrolled),
    ]


def _median_cell(figures: Figures, privacy: Privacy) -> Cell:
    median = figures.median_days
    if median is None or privacy.hidden(figures.certified):
        return Cell("—", None, numeric=True)
    return Cell(days_label(median), median, numeric=True)


def days_label(bucket: int) -> str:
    """A days bucket as shown: "3" in the first week, then a range such as "8–10"."""
    if bucket == MORE_THAN_A_YEAR:
        return "> 365"
    lower = max((b for b in DAY_BUCKETS if b < bucket), default=-1) + 1
    return str(bucket) if lower == bucket else f"{lower}–{bucket}"


def course_table(data: Overview, privacy: Privacy) -> Table:
    """Per course and in total: learners, activity, the flow to certificates, time to finish."""
    table = Table(
        _("Courses"),
        [_("Course"), *_figure_headers(), _("Median days to certificate")],
    )
    for course, figures in data.by_course:
        title = course.published_revision.title if course.published_revision else course.title
        table.rows.append(
            [Cell(title), *_figure_cells(figures, privacy), _median_cell(figures, privacy)]
        )
    table.rows.append(
        [
            Cell(_("Total")),
            *_figure_cells(data.total, privacy),
            _median_cell(data.total, privacy),
        ]
    )
    return table


TREND = ("enrolled", "completed", "certified")


def trend_labels() -> list[str]:
    return [_("Enrolled"), _("Completed"), _("Certified")]


def trend_table(data: Overview, privacy: Privacy) -> Table:
    """Week by week: enrollments, completions, certificates."""
    table = Table(_("Week by week"), [_("Week from"), *trend_labels()])
    for i, week in enumerate(data.weeks):
        table.rows.append(
            [
                Cell(format_date(week, "short"), week),
                *(privacy.count(data.trend[m][i]) for m in TREND),
            ]
        )
    return table


def trend_chart(data: Overview, privacy: Privacy) -> Chart:
    labels = [format_date(week, "d MMM") for week in data.weeks]
    series = [[privacy.shown(v) for v in data.trend[m]] for m in TREND]
    every = max(1, len(labels) // 8)
    return column_chart(labels, series, every, f"<{privacy.threshold}")


def tree_table(
    rows: list[tuple[Organization, Figures]],
    privacy: Privacy,
    drill: Callable[[Organization], str | None],
) -> Table:
    """One row per organization below the scope, each linking one level further down."""
    table = Table(_("By organization"), [_("Organization"), *_figure_headers()], sortable=True)
    for org, figures in rows:
        table.rows.append([Cell(org.name, org.name, drill(org)), *_figure_cells(figures, privacy)])
    return table


def funnel_table(steps: list[Step], privacy: Privacy) -> tuple[Table, list[float]]:
    """Each step with its share of enrollments and the drop-off from the step before."""
    names = {"enrolled": _("Enrolled"), "started": _("Started"), "certified": _("Certified")}
    table = Table(
        _("Funnel"),
        [_("Step"), _("Learners"), _("Share of enrolled"), _("Lost since the previous step")],
    )
    first = steps[0].value if steps else 0
    previous = None
    for step in steps:
        if step.key == "module":
            label = _("Module done: %(title)s", title=step.label)
        elif step.key == "final":
            label = _("Final quiz passed: %(title)s", title=step.label)
        else:
            label = names[step.key]
        lost = (
            privacy.rate(max(0, previous - step.value), previous)
            if previous is not None
            else Cell("", None, numeric=True)
        )
        table.rows.append(
            [Cell(label), privacy.count(step.value), privacy.rate(step.value, first), lost]
        )
        previous = step.value
    widths = bar_list([privacy.shown(step.value) for step in steps])
    return table, widths


def quiz_table(
    rows: list[QuizFigures], privacy: Privacy, analysis: Callable[[QuizFigures], str | None]
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
        table.rows.append(
            [
                Cell(title),
                Cell(row.quiz.title, href=analysis(row)),
                privacy.count(row.attempts),
                privacy.count(row.attempters),
                privacy.count(row.passers),
                privacy.rate(row.passers, row.attempters),
                privacy.ratio(row.attempts, row.attempters),
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
                Cell(f"{row.facility:.2f}", row.facility, numeric=True),
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
