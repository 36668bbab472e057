"""Which statistics cells to hide, so that no small group can be seen or worked out by subtraction.

A cell is one organization's figure for one measure (say, the learners who passed one quiz).
Cells are tied by *lines*: an organization's figure is the sum of its children's plus its
direct members' (the *residual*), and a page's rows can add up to a shown total (courses to
the all-course total, weeks to the period). A line with exactly one unknown gives that unknown
away — total minus the rest — so the rule is, for every line:

- a cell is hidden when its value is from 1 to threshold − 1 (*primary*), or when the same
  cell over all time minus its value for the period is (so the period cannot be subtracted
  from the whole-time figure to reveal the rest of time);
- the residual (never shown) is an unknown when it is small in the same sense; otherwise it is
  treated as known to the reader (the worst case);
- while a line has exactly one unknown (a hidden member, its hidden total or a small residual),
  its smallest visible member — preferring a non-zero one — is hidden too.

A fix only ever hides a *member* of a line, and members sit at or below the line's total in
the organization tree, so a cell's fate depends on the lines at its own level and above. Lines
are settled level by level from the root in one fixed order: every page that shows an
organization's cell (the tree, the overview, the funnel, the quizzes, their CSV files) decides
it the same way, whatever part of the tree the page looks at.

What this does not promise: it closes every single-line subtraction, not every combination of
several lines (a linear-algebra attack on a two-way table); nor differences between two
periods neither of which is all time, or between two language filters; nor bounds (that a
hidden cell is from 0 to some number). docs/security.md says so too.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

#: (organization id, measure)
Key = tuple[int, Hashable]


@dataclass(frozen=True)
class Line:
    """`total` is the sum of `members` plus a residual; `level` orders settling (root first).

    In a line inside one organization (`inside`), the total may be hidden in a member's stead.
    """

    level: int
    total: Key
    members: tuple[Key, ...]
    inside: bool = False


@dataclass(frozen=True)
class Family:
    """Measures settled together: every measure's tree lines, plus sums inside an organization.

    `sums` pairs a total measure with the part measures that add up to it (a course total and
    its courses; a period and its weeks).
    """

    measures: tuple[Hashable, ...]
    sums: tuple[tuple[Hashable, tuple[Hashable, ...]], ...] = ()


def small(value: int, threshold: int) -> bool:
    """A count that singles people out: from 1 to threshold − 1."""
    return 0 < value < threshold


def tree_lines(
    path: Sequence[int], children: Mapping[int, Sequence[int]], family: Family
) -> list[Line]:
    """The lines of a page looking at `path` (root … scope) and every path member's children.

    Built in one canonical order (children by id), so two pages that share a level share its
    lines in the same order.
    """
    lines = [
        Line(0, (path[0], total), tuple((path[0], p) for p in parts), inside=True)
        for total, parts in family.sums
    ]
    for depth, parent in enumerate(path):
        kids = sorted(children.get(parent, ()))
        if not kids:
            continue
        for measure in family.measures:
            lines.append(Line(depth + 1, (parent, measure), tuple((k, measure) for k in kids)))
        for kid in kids:
            for total, parts in family.sums:
                members = tuple((kid, p) for p in parts)
                lines.append(Line(depth + 1, (kid, total), members, inside=True))
    return lines


class _Figures:
    """Period values and, when the period is not all time, whole-time values of cells."""

    def __init__(self, period: Mapping[Key, int], whole: Mapping[Key, int] | None, threshold: int):
        self.period = period
        self.whole = whole
        self.threshold = threshold

    def value(self, key: Key) -> int:
        return self.period.get(key, 0)

    def sensitive(self, value: int, whole: int | None) -> bool:
        if small(value, self.threshold):
            return True
        return whole is not None and small(whole - value, self.threshold)

    def cell_sensitive(self, key: Key) -> bool:
        whole = None if self.whole is None else self.whole.get(key, 0)
        return self.sensitive(self.value(key), whole)

    def residuals(self, line: Line) -> tuple[int, ...]:
        """The line's residual for the period and, with whole-time figures, the rest of time."""
        period = max(0, self.value(line.total) - sum(self.value(m) for m in line.members))
        if self.whole is None:
            return (period,)
        whole_total = self.whole.get(line.total, 0)
        whole = max(0, whole_total - sum(self.whole.get(m, 0) for m in line.members))
        return period, max(0, whole - period)

    def residuals_sensitive(self, line: Line) -> tuple[bool, ...]:
        return tuple(small(r, self.threshold) for r in self.residuals(line))


def _aliases(lines: Sequence[Line], figures: _Figures) -> dict[Key, Key]:
    """Cells equal to another by construction: the one member of a line with no residual.

    Hiding such a member while its total stays shown would hide nothing.
    """
    return {
        line.members[0]: line.total
        for line in lines
        if len(line.members) == 1 and not any(figures.residuals(line))
    }


def _next_to_hide(
    line: Line, hidden: set[Key], figures: _Figures, aliases: Mapping[Key, Key]
) -> Key | None:
    """The member to hide when the line has exactly one unknown, else None.

    With a period, the line is checked twice: for the period's figures and for the rest of
    time (whole minus period), whose residuals differ; a hidden cell is unknown in both.
    """
    unknown = (line.total in hidden) + sum(m in hidden for m in line.members)
    if unknown > 1:
        return None
    if all(unknown + residual != 1 for residual in figures.residuals_sensitive(line)):
        return None
    candidates = [*line.members, line.total] if line.inside else list(line.members)
    visible = [(figures.value(m), i, m) for i, m in enumerate(candidates) if m not in hidden]
    if not visible:
        return None  # nothing left to hide here; the line's total is the one to protect
    # A cell whose twin above stays shown would be hidden in vain: take another if any.
    useful = [v for v in visible if aliases.get(v[2], v[2]) == v[2] or aliases[v[2]] in hidden]
    nonzero = [v for v in useful or visible if v[0] > 0]
    return min(nonzero or useful or visible)[2]


def hidden_cells(
    lines: Sequence[Line],
    period: Mapping[Key, int],
    whole: Mapping[Key, int] | None,
    threshold: int,
    forced: Iterable[Key] = (),
) -> frozenset[Key]:
    """Every cell of `lines` to hide: sensitive ones, `forced` ones, and those lines need.

    `whole` holds the same cells over all time (None when the period is all time).
    """
    figures = _Figures(period, whole, threshold)
    hidden = set(forced)
    lines_of: dict[Key, list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        for key in (line.total, *line.members):
            lines_of[key].append(index)
    hidden.update(key for key in lines_of if figures.cell_sensitive(key))
    aliases = _aliases(lines, figures)
    queue = [(line.level, index) for index, line in enumerate(lines)]
    heapq.heapify(queue)
    queued = set(range(len(lines)))
    while queue:
        _level, index = heapq.heappop(queue)
        queued.discard(index)
        pick = _next_to_hide(lines[index], hidden, figures, aliases)
        if pick is None:
            continue
        hidden.add(pick)
        for other in lines_of[pick]:
            if other not in queued:
                queued.add(other)
                heapq.heappush(queue, (lines[other].level, other))
    return frozenset(hidden)
