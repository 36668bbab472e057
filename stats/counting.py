"""What each learning event adds to the statistics: one pure rule for writes and rebuilds.

The write path replays a learner's earlier events through `LearnerState` (only those that
decide it: the first of each kind and the last of each course) and applies the new one; the
consistency check replays the whole log. Both therefore agree by construction, and
any drift the check finds comes from outside this rule (races, hand edits, moved branches).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple


def week_of(day: date) -> date:
    """Monday of the day's ISO week: the bucket of weekly counters."""
    return day - timedelta(days=day.weekday())


class Fact(NamedTuple):
    """The parts of a learning event statistics need."""

    verb: str
    object_type: str
    object_path: str
    course_id: int
    org_id: int
    timestamp: datetime
    items: dict[str, float] | None = None


#: Per-question totals are kept for all time, under this one "week" (a Monday long past):
#: a question's difficulty needs every answer, and a week each would multiply the rows.
ALL_TIME = date(1970, 1, 5)

#: The flow of a course. Besides each course, these are also summed over all courses
#: (course_id 0, item "") and over each language's courses (course_id 0, item "ru"/"en"),
#: so the organization breakdown reads one row per organization, week and metric.
FLOW = ("enrolled", "started", "completed", "certified")

#: Days from enrollment to certificate are kept in these buckets (upper bounds): exact in
#: the first week, coarser later. A median is then "within a bucket", and the histogram
#: has a couple of dozen values however many certificates there are.
DAY_BUCKETS = (0, 1, 2, 3, 4, 5, 6, 7, 10, 14, 21, 28, 42, 56, 90, 120, 180, 270, 365)
MORE_THAN_A_YEAR = 366


def days_bucket(days: int) -> int:
    """The bucket (its upper bound in days) holding `days`."""
    return next((bound for bound in DAY_BUCKETS if days <= bound), MORE_THAN_A_YEAR)


class Count(NamedTuple):
    """Add `value` to a weekly counter at `org_id` (and, unless `top_only`, its ancestors)."""

    org_id: int
    course_id: int
    metric: str
    week: date
    item: str
    value: int
    top_only: bool = False


class Active(NamedTuple):
    """Move `value` learners into (or, negative, out of) a day of the last-active histogram."""

    org_id: int
    scope: str
    day: date
    value: int


#: Weekly metrics and what a trainer or organizer reads them as.
METRICS = (
    "enrolled",  # first enrollment of a learner in the course
    "started",  # first lesson opened or done
    "module",  # first completion of a module (item: module key)
    "completed",  # all required lessons done, first time
    "attempts",  # every graded attempt (item: quiz key)
    "attempters",  # learners with a graded attempt (item: quiz key)
    "passers",  # learners who passed (item: quiz key)
    "certified",  # first certificate in the course
    "cert_days",  # days from enrollment to first certificate (item: its bucket, see below)
    "submitters",  # learners who sent an assignment at least once (item: assignment key)
    "accepted",  # learners whose work on an assignment was accepted (item: assignment key)
    "q_n",  # graded answers to a question (item: question id), whole union, all time
    "q_score",  # their summed score in thousandths
)


def last_segment(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def scopes(course_id: int, language: str) -> tuple[str, ...]:
    return (f"c:{course_id}", f"l:{language}", "all")


@dataclass
class LearnerState:
    """What statistics remember about one learner while reading their events in order."""

    seen: set[tuple[str, int, str]] = field(default_factory=set)
    enrolled_on: dict[int, date] = field(default_factory=dict)
    last: dict[str, tuple[date, int]] = field(default_factory=dict)

    def _first(self, metric: str, course_id: int, item: str = "") -> bool:
        key = (metric, course_id, item)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def apply(self, fact: Fact, language: str) -> list[Count | Active]:
        """The counter changes this event makes, given everything this learner did before."""
        day = fact.timestamp.date()
        week = week_of(day)
        course = fact.course_id
        out: list[Count | Active] = []

        def count(metric: str, item: str = "", value: int = 1, top_only: bool = False) -> None:
            when = ALL_TIME if metric.startswith("q_") else week
            out.append(Count(fact.org_id, course, metric, when, item, value, top_only))
            if metric in FLOW:
                out.append(Count(fact.org_id, 0, metric, week, "", value))
                if language:
                    out.append(Count(fact.org_id, 0, metric, week, language, value))

        kind = (fact.verb, fact.object_type)
        if kind == ("enrolled", "course"):
            if self._first("enrolled", course):
                count("enrolled")
                self.enrolled_on[course] = day
        elif kind in (("viewed", "lesson"), ("completed", "lesson")):
            if self._first("started", course):
                count("started")
        elif kind == ("completed", "module"):
            key = last_segment(fact.object_path)
            if self._first("module", course, key):
                count("module", key)
        elif kind == ("completed", "course"):
            if self._first("completed", course):
                count("completed")
        elif kind in (("passed", "quiz"), ("failed", "quiz")):
            key = last_segment(fact.object_path)
            count("attempts", key)
            if self._first("attempters", course, key):
                count("attempters", key)
            if fact.verb == "passed" and self._first("passers", course, key):
                count("passers", key)
            for question, score in (fact.items or {}).items():
                count("q_n", question, 1, top_only=True)
                count("q_score", question, round(float(score) * 1000), top_only=True)
        elif kind in (("submitted", "assignment"), ("passed", "assignment")):
            key = last_segment(fact.object_path)
            metric = "submitters" if fact.verb == "submitted" else "accepted"
            if self._first(metric, course, key):  # people, not versions or reviews
                count(metric, key)
        elif kind == ("certified", "course") and self._first("certified", course):
            count("certified")
            enrolled = self.enrolled_on.get(course)
            if enrolled is not None:
                count("cert_days", str(days_bucket(max(0, (day - enrolled).days))))

        for scope in scopes(course, language):
            out.extend(self._move(scope, day, fact.org_id))
        return out

    def _move(self, scope: str, day: date, org_id: int) -> list[Active]:
        previous = self.last.get(scope)
        if previous is not None and (previous[0] > day or previous == (day, org_id)):
            return []  # an older event arriving late, or nothing new today
        self.last[scope] = (day, org_id)
        moved = [Active(org_id, scope, day, 1)]
        if previous is not None:
            moved.append(Active(previous[1], scope, previous[0], -1))
        return moved


def replay(state: LearnerState, facts: Iterable[Fact], languages: dict[int, str]) -> None:
    """Bring a learner's state up to date with their earlier events (the changes are dropped)."""
    for fact in facts:
        state.apply(fact, languages.get(fact.course_id, ""))


def fact_from_row(row: Any) -> Fact:
    """A Fact from a learning_events row with the columns named as in the model."""
    context = getattr(row, "context", None) or {}
    items = context.get("items") if row.object_type == "quiz" else None
    return Fact(
        row.verb,
        row.object_type,
        row.object_path,
        row.course_id,
        row.organization_id,
        row.timestamp,
        items,
    )
