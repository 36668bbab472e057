"""What a dashboard hides: the figures the suppression rule needs, read once per page.

A page reads its scope's lineage and every lineage member's children (so the rule can be
settled from the root down, as every other page settles it), for every measure a dashboard
shows: the flow per course and in total, quiz, assignment and module outcomes, learners and
activity,
and — on the overview — the weeks of the trend. Four to five queries on the aggregates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from courses.models import Course
from stats.counting import FLOW
from stats.forms import EARLIEST
from stats.models import LastActive, WeeklyCount
from stats.queries import ACTIVE_DAYS, Scope
from stats.suppression import Family, Key, hidden_cells, tree_lines
from training.db import utcnow
from training.extensions import db
from training.organizations.models import Organization

OUTCOMES = ("module", "attempts", "attempters", "passers", "submitters", "accepted")


@dataclass(frozen=True)
class Shield:
    """The cells a page hides and the period's values of every cell it read."""

    hidden: frozenset[Key]
    period: Mapping[Key, int]

    def hides(self, key: Key | None) -> bool:
        return key is not None and key in self.hidden

    def value(self, key: Key) -> int:
        return self.period.get(key, 0)


def total_measure(scope: Scope, metric: str) -> Hashable:
    """The measure of a flow total under the scope's filters (one course, a language, all)."""
    if scope.course is not None:
        return (scope.course.id, metric, "")
    return (0, metric, scope.language)


def _page_tree(org: Organization) -> tuple[list[int], dict[int, list[int]]]:
    path = org.lineage_ids
    children: dict[int, list[int]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(Organization.id, Organization.parent_id).where(Organization.parent_id.in_(path))
    )
    for org_id, parent_id in rows:
        children[parent_id].append(org_id)
    return path, children


def _weekly(org_ids: list[int], course_ids: list[int], start: date, end: date) -> dict[Key, int]:
    rows = db.session.execute(
        sa.select(
            WeeklyCount.org_id,
            WeeklyCount.course_id,
            WeeklyCount.metric,
            WeeklyCount.item,
            sa.func.sum(WeeklyCount.value),
        )
        .where(
            WeeklyCount.org_id.in_(org_ids),
            WeeklyCount.course_id.in_([0, *course_ids]),
            WeeklyCount.metric.in_((*FLOW, *OUTCOMES)),
            WeeklyCount.week >= start,
            WeeklyCount.week <= end,
        )
        .group_by(WeeklyCount.org_id, WeeklyCount.course_id, WeeklyCount.metric, WeeklyCount.item)
    )
    return {(org, (course, metric, item)): int(value) for org, course, metric, item, value in rows}


def _active(org_ids: list[int]) -> dict[Key, int]:
    cutoff = utcnow().date().toordinal() - (ACTIVE_DAYS - 1)
    cells: dict[Key, int] = defaultdict(int)
    rows = db.session.execute(
        sa.select(LastActive.org_id, LastActive.scope, LastActive.day, LastActive.value).where(
            LastActive.org_id.in_(org_ids), LastActive.value != 0
        )
    )
    for org, scope, day, value in rows:
        cells[(org, ("learners", scope))] += value
        if day.toordinal() >= cutoff:
            cells[(org, ("active", scope))] += value
    return cells


def _weeks(scope: Scope, org_ids: list[int]) -> dict[Key, int]:
    """The trend's weekly cells of the scope's filters, keyed ("week", Monday, metric)."""
    if scope.course is not None:
        courses = sa.and_(WeeklyCount.course_id == scope.course.id, WeeklyCount.item == "")
    else:
        courses = sa.and_(WeeklyCount.course_id == 0, WeeklyCount.item == scope.language)
    rows = db.session.execute(
        sa.select(
            WeeklyCount.org_id, WeeklyCount.week, WeeklyCount.metric, WeeklyCount.value
        ).where(
            WeeklyCount.org_id.in_(org_ids),
            courses,
            WeeklyCount.metric.in_(FLOW),
            WeeklyCount.week >= scope.start,
            WeeklyCount.week <= scope.end,
        )
    )
    return {(org, ("week", week, metric)): int(value) for org, week, metric, value in rows}


def flow_family(courses: Iterable[Course]) -> Family:
    """Flow per published course and in total per language; courses add up to the totals."""
    courses = sorted(courses, key=lambda c: c.id)
    languages = sorted({c.language for c in courses})
    measures: list[Hashable] = [(c.id, m, "") for c in courses for m in FLOW]
    measures += [(0, m, lang) for lang in ("", *languages) for m in FLOW]
    sums: list[tuple[Hashable, tuple[Hashable, ...]]] = []
    for m in FLOW:
        sums.append(((0, m, ""), tuple((c.id, m, "") for c in courses)))
        sums.append(((0, m, ""), tuple((0, m, lang) for lang in languages)))
        for lang in languages:
            parts = tuple((c.id, m, "") for c in courses if c.language == lang)
            sums.append(((0, m, lang), parts))
    return Family(tuple(measures), tuple(sums))


def _measures(cells: Iterable[Key], keep) -> tuple[Hashable, ...]:
    return tuple(sorted({measure for _org, measure in cells if keep(measure)}, key=repr))


def shield(scope: Scope, courses: list[Course], threshold: int, weeks: bool = False) -> Shield:
    """Every cell to hide on a page of `scope`, `courses` being every published course.

    The hidden set does not depend on the course or language filter (every filter's totals
    are settled together), only on the period: a period other than all time also hides cells
    whose whole-time figure minus the period's is small.
    """
    path, children = _page_tree(scope.org)
    org_ids = sorted({*path, *(k for kids in children.values() for k in kids)})
    course_ids = [c.id for c in courses]
    period = _weekly(org_ids, course_ids, scope.start, scope.end)
    whole = None
    if scope.start > EARLIEST or scope.end < utcnow().date():
        whole = _weekly(org_ids, course_ids, EARLIEST, date.max)
    flow = flow_family(courses)
    hidden = set(hidden_cells(tree_lines(path, children, flow), period, whole, threshold))
    seen = [*period, *(whole or ())]
    outcomes = Family(_measures(seen, lambda m: m[1] in OUTCOMES))
    hidden |= hidden_cells(tree_lines(path, children, outcomes), period, whole, threshold)
    active = _active(org_ids)
    people = Family(_measures(active, lambda m: True))
    hidden |= hidden_cells(tree_lines(path, children, people), active, None, threshold)
    cells = {**period, **active}
    if weeks:
        by_week = _weeks(scope, org_ids)
        totals = {
            (org, total_measure(scope, m)): period.get((org, total_measure(scope, m)), 0)
            for org in org_ids
            for m in FLOW
        }
        trend = Family(
            _measures(by_week, lambda m: True),
            tuple(
                (total_measure(scope, m), _measures(by_week, lambda w, m=m: w[2] == m))
                for m in FLOW
            ),
        )
        lines = tree_lines(path, children, trend)
        hidden |= hidden_cells(lines, {**by_week, **totals}, None, threshold, forced=hidden)
        cells.update(by_week)
    return Shield(frozenset(hidden), cells)
