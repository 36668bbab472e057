"""Organizer dashboards: overview, tree, funnel, quizzes, learners — each also as CSV and XLSX."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from courses.models import Course
from stats import pages, protect, queries
from stats.charts import NARROW_WIDTH
from stats.counting import FLOW
from stats.forms import FilterForm, course_choices
from stats.learners import PAGE_SIZE, LearnerPage, learner_rows
from stats.protect import Shield
from stats.queries import Scope
from stats.tables import Privacy, Table
from training.accounts.models import Role
from training.audit import audit
from training.db import utcnow
from training.extensions import db
from training.organizations.models import Organization
from training.paging import continued_pager
from training.params import int_arg, parse_int
from training.permissions import roles_required

bp = Blueprint("stats", __name__, url_prefix="/stats")
VIEWERS = (Role.ORGANIZER, Role.ADMIN)
# Each view answers as a page, as CSV and as XLSX. Decorators apply bottom-up, so the page's
# rule is registered first and url_for(endpoint) without fmt builds the page's address.


@dataclass
class Dashboard:
    """What every dashboard page starts from: filters, scope, privacy rule, path in the tree."""

    form: FilterForm
    scope: Scope
    privacy: Privacy
    trail: list[Organization]
    courses: list[Course]  # every published course: the suppression rule settles them all

    def protect(self, weeks: bool = False) -> Shield:
        """Decide which cells this page hides (stats/suppression.py) and apply it."""
        shield = protect.shield(self.scope, self.courses, self.privacy.threshold, weeks)
        self.privacy = Privacy(self.privacy.threshold, shield.hidden)
        return shield

    def url(self, endpoint: str, **changes: Any) -> str:
        """A link to a dashboard keeping the current filters, with some changed."""
        args = {k: v for k, v in request.args.items() if k not in ("after", "sort", "desc")}
        args.update({k: v for k, v in changes.items() if v is not None})
        return url_for(endpoint, **args)

    def url_for_sort(self, endpoint: str) -> Any:
        """A link builder for sortable headers (sort and direction added per column)."""
        return lambda **sorting: self.url(endpoint, **sorting)

    @property
    def period(self) -> tuple[str, str]:
        """The period as shown: it never ends after today (weeks are counted whole)."""
        end = min(self.scope.end, utcnow().date())
        return format_date(self.scope.start, "short"), format_date(end, "short")

    @property
    def widened(self) -> bool:
        """True when typed dates were widened to whole weeks (the page says so)."""
        form = self.form
        typed = form.period.data == "custom" and form.start.data and form.end.data
        return bool(typed) and (form.start.data, form.end.data) != (
            self.scope.start,
            self.scope.end,
        )


def _scope_org() -> Organization:
    """The organization whose subtree is shown: ?org=, or the viewer's own (404, then 403)."""
    raw = request.args.get("org")
    if raw is None or raw == "":
        org = current_user.organization
    elif (org_id := parse_int(raw)) is not None:
        org = db.get_or_404(Organization, org_id)
    else:
        abort(404)
    if not current_user.can_manage_organization(org):
        abort(403)
    return org


def _trail(org: Organization) -> list[Organization]:
    """The organizations from the viewer's own (or the root, for admins) down to `org`."""
    ids = org.lineage_ids
    if not current_user.is_admin:
        ids = ids[ids.index(current_user.organization_id) :]
    found = {
        o.id: o for o in db.session.scalars(sa.select(Organization).where(Organization.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found]


def _dashboard(download: bool) -> Dashboard:
    org = _scope_org()
    # Courses in the reader's language first (the funnel opens on the first one).
    reading = str(get_locale() or "")
    courses = sorted(queries.published_courses(), key=lambda c: c.language != reading)
    form = FilterForm(request.args)
    form.course.choices = course_choices(courses)
    form.invalid = {}  # type: ignore[attr-defined]
    if not form.validate():
        if download:
            abort(400)
        errors = form.errors
        form = FilterForm()  # show the defaults, and say what was wrong
        form.course.choices = course_choices(courses)
        form.invalid = errors  # type: ignore[attr-defined]
    language = form.language.data or ""
    course = next((c for c in courses if str(c.id) == form.course.data), None)
    selected = tuple(
        c for c in courses if (not language or c.language == language) and course in (None, c)
    )
    start, end = form.period_dates()
    scope = Scope(org, selected, start, end, course, language)
    privacy = Privacy(current_app.config["STATS_MIN_GROUP"])
    return Dashboard(form, scope, privacy, _trail(org), courses)


def _render(name: str, board: Dashboard, **context: Any) -> str:
    return render_template(f"stats/{name}.html", board=board, view=name, **context)


def _download(table: Table, name: str, board: Dashboard, fmt: str) -> Response:
    """The table as a CSV or XLSX file named after the view, organization and period."""
    scope = board.scope
    filename = f"{name}-{scope.org.id}-{scope.start}-{scope.end}.{fmt}"
    if fmt == "xlsx":
        return table.xlsx_response(filename, _filters(board))
    return table.csv_response(filename)


def _filters(board: Dashboard) -> list[tuple[str, str]]:
    """What the figures are of, for the spreadsheet's second sheet."""
    form, scope = board.form, board.scope
    start, end = board.period
    language = {choice.value: choice.label for choice in form.language.choices}  # type: ignore[union-attr]
    rows = [
        (_("Organization"), " / ".join(org.name for org in board.trail) or scope.org.name),
        (_("Period"), f"{start} – {end}"),
        (_("Course"), scope.course.published_revision.title if scope.course else _("All courses")),
        (_("Language"), str(language.get(scope.language, scope.language))),
        (
            _("Small groups"),
            _(
                "Counts from 1 to %(below)s are hidden, and rates built on them.",
                below=board.privacy.threshold - 1,
            ),
        ),
        (_("Exported"), format_datetime(utcnow(), "short")),
    ]
    return rows


@bp.route("/overview.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/overview.csv", defaults={"fmt": "csv"})
@bp.route("/", defaults={"fmt": "html"})
@roles_required(*VIEWERS)
def overview(fmt: str) -> str | Response:
    """Organizers and admins: headline figures per course and the weekly trend for a subtree."""
    board = _dashboard(fmt != "html")
    data = _overview(board, weeks=fmt == "html")
    courses = pages.course_table(data, board.privacy, board.scope)
    if fmt != "html":
        return _download(courses, "overview", board, fmt)
    return _render(
        "overview",
        board,
        courses=courses,
        trend=pages.trend_table(data, board.privacy, board.scope),
        chart=pages.trend_chart(data, board.privacy, board.scope),
        phone_chart=pages.trend_chart(data, board.privacy, board.scope, NARROW_WIDTH),
        series=pages.trend_labels(),
    )


def _overview(board: Dashboard, weeks: bool) -> queries.Overview:
    """The overview's figures, its total being the same counter the tree shows for the scope."""
    shield = board.protect(weeks)
    data = queries.overview(board.scope)
    for metric in FLOW:
        value = shield.value((board.scope.org.id, protect.total_measure(board.scope, metric)))
        setattr(data.total, metric, value)
    return data


@bp.route("/trend.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/trend.csv", defaults={"fmt": "csv"})
@roles_required(*VIEWERS)
def trend_csv(fmt: str) -> Response:
    """Organizers and admins: the weekly trend of the overview as CSV or XLSX."""
    board = _dashboard(True)
    data = _overview(board, weeks=True)
    return _download(pages.trend_table(data, board.privacy, board.scope), "trend", board, fmt)


def _sorted(table: Table) -> tuple[int | None, bool]:
    column = int_arg("sort", maximum=100)
    descending = request.args.get("desc") == "1"
    if column is not None:
        table.sort_by(column, descending)
    return column, descending


@bp.route("/tree.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/tree.csv", defaults={"fmt": "csv"})
@bp.route("/tree", defaults={"fmt": "html"})
@roles_required(*VIEWERS)
def tree(fmt: str) -> str | Response:
    """Organizers and admins: the same figures for each organization one level down."""
    board = _dashboard(fmt != "html")
    board.protect()
    rows = queries.breakdown(board.scope)

    def drill(org: Organization) -> str | None:
        return None if org.id == board.scope.org.id else board.url("stats.tree", org=org.id)

    table = pages.tree_table(rows, board.privacy, board.scope, drill)
    sort, descending = _sorted(table)
    if fmt != "html":
        return _download(table, "organizations", board, fmt)
    return _render("tree", board, table=table, sort=sort, descending=descending)


@bp.route("/funnel.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/funnel.csv", defaults={"fmt": "csv"})
@bp.route("/funnel", defaults={"fmt": "html"})
@roles_required(*VIEWERS)
def funnel(fmt: str) -> str | Response:
    """Organizers and admins: how far learners of one course get, step by step."""
    board = _dashboard(fmt != "html")
    board.protect()
    course = board.scope.course or next(iter(board.scope.courses), None)
    steps = queries.funnel(board.scope, course) if course else []
    org_id = board.scope.org.id
    table, widths = pages.funnel_table(steps, board.privacy, lambda s: (org_id, s.measure))
    if fmt != "html":
        return _download(table, "funnel", board, fmt)
    return _render("funnel", board, course=course, table=table, widths=widths)


@bp.route("/quizzes.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/quizzes.csv", defaults={"fmt": "csv"})
@bp.route("/quizzes", defaults={"fmt": "html"})
@roles_required(*VIEWERS)
def quizzes(fmt: str) -> str | Response:
    """Organizers and admins: pass rates, attempts and the hardest questions per course, and
    how many learners handed in each assignment and had it accepted."""
    board = _dashboard(fmt != "html")

    def analysis(row: queries.QuizFigures) -> str | None:
        course = row.quiz.course
        if not course.can_edit(current_user):
            return None
        return url_for("quiz_authoring.analysis", slug=course.slug, key=row.quiz.key)

    def question(row: queries.DifficultQuestion) -> str | None:
        if not row.course.can_edit(current_user):
            return None
        return url_for(
            "quiz_authoring.edit_question", slug=row.course.slug, question_id=row.question_id
        )

    board.protect()
    figures = queries.quiz_figures(board.scope)
    table = pages.quiz_table(figures, board.privacy, board.scope.org.id, analysis)
    hard = pages.question_table(
        queries.difficult_questions(board.scope, board.privacy.threshold), question
    )
    work = pages.assignment_table(
        queries.assignment_figures(board.scope), board.privacy, board.scope.org.id
    )
    if fmt != "html":
        chosen = {"questions": hard, "assignments": work}.get(request.args.get("table"), table)
        return _download(chosen, "quizzes", board, fmt)
    return _render("quizzes", board, table=table, hard=hard, work=work)


# The export is a POST (a button with CSRF), so nothing a page makes the browser load can
# write an export row to the audit log in a staff member's name.
@bp.route("/learners.xlsx", defaults={"fmt": "xlsx"}, methods=["POST"])
@bp.route("/learners.csv", defaults={"fmt": "csv"}, methods=["POST"])
@bp.route("/learners", defaults={"fmt": "html"})
@roles_required(*VIEWERS)
def learners(fmt: str) -> str | Response:
    """Organizers and admins: who in their subtree is taking and has finished which course.

    Usernames, names and progress only — never answers; every view and export is audited.
    """
    board = _dashboard(fmt != "html")
    whole_list = fmt != "html"
    after = (request.args.get("after") or None) if not whole_list else None
    scope = board.scope
    shield = board.protect()
    # Where the scope's own count of learners is hidden, a list of names would count them.
    people = (scope.org.id, ("learners", scope.active_scope))
    withheld = board.privacy.hidden(shield.value(people), people)
    if withheld:
        data = LearnerPage([], after, None)
    else:
        data = learner_rows(scope, after, None if whole_list else PAGE_SIZE)
    audit(
        current_user.id,
        "stats.learners.export" if whole_list else "stats.learners.view",
        "organization",
        scope.org.id,
        courses=scope.course_ids if scope.course else "all",
        language=scope.language or "all",
        period=f"{scope.start}..{scope.end}",
        page_after=after,
        whole_list=whole_list,
        file_format=fmt if whole_list else None,
        rows=len(data.rows),
    )
    table = pages.learner_table(data)
    if fmt != "html":
        return _download(table, "learners", board, fmt)
    page_links = continued_pager(
        after, data.next_after, lambda key: board.url("stats.learners", after=key)
    )
    return _render("learners", board, table=table, page_links=page_links, withheld=withheld)
