"""Who reviews a learner's sent work and essays: a course's authors and administrators review
every learner's; the trainers of a group (hooks.group_learners) review their group's learners'.

Assignments (sent work) and quizzes (essays) ask here, so both follow one rule: a trainer who
runs a cohort without co-authoring its course reviews that cohort's learners and nobody else's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from courses.models import Course, CourseEditor
from training import hooks
from training.accounts.models import User
from training.extensions import db


@dataclass(frozen=True)
class ReviewScope:
    """Whose work a trainer reviews: every learner of the courses in `whole` (None: of every
    course, for administrators), and in the courses of `partial` the learners of `groups`, a
    subquery of (learner_id, course_id) pairs."""

    whole: list[int] | None
    partial: list[int]
    groups: sa.Subquery | None = None

    @classmethod
    def of_courses(cls, course_ids: list[int]) -> ReviewScope:
        """Every learner of these courses (an author's page about one course)."""
        return cls(whole=list(course_ids), partial=[])

    @property
    def empty(self) -> bool:
        """Whether there is nobody's work to review."""
        return self.whole == [] and not self.partial

    @property
    def course_ids(self) -> list[int] | None:
        """The courses where the trainer reviews anyone (None: every course)."""
        if self.whole is None:
            return None
        return sorted({*self.whole, *self.partial})

    def narrowed(self, course_id: int | None) -> ReviewScope:
        """The same scope within one course (None: unchanged)."""
        if course_id is None:
            return self
        whole = [course_id] if self.whole is None or course_id in self.whole else []
        partial = [course_id] if course_id in self.partial and not whole else []
        return ReviewScope(whole, partial, self.groups if partial else None)

    def covers(self, learner_id: Any, course_id: Any) -> sa.ColumnElement[bool]:
        """SQL condition: the work of `learner_id` in `course_id` (columns) is in this scope."""
        if self.whole is None:
            return sa.true()
        conditions: list[sa.ColumnElement[bool]] = []
        if self.whole:
            conditions.append(course_id.in_(self.whole))
        if self.partial and self.groups is not None:
            pairs = self.groups
            conditions.append(
                sa.exists().where(pairs.c.learner_id == learner_id, pairs.c.course_id == course_id)
            )
        return sa.or_(*conditions) if conditions else sa.false()


def _groups(user: User) -> sa.Subquery | None:
    """The (learner_id, course_id) pairs of every group the user runs, as one subquery."""
    statements = [s for s in (source(user) for source in hooks.group_learners) if s is not None]
    if not statements:
        return None
    union = statements[0] if len(statements) == 1 else sa.union_all(*statements)
    return union.subquery("group_learners")


def review_scope(user: User) -> ReviewScope:
    """Whose work `user` reviews, found in one statement: the courses they author whole, and
    the courses where they run a group, for that group's learners."""
    if user.is_admin:
        return ReviewScope(whole=None, partial=[])
    groups = _groups(user)
    editors = sa.select(CourseEditor.course_id).where(CourseEditor.user_id == user.id)
    authored = sa.or_(Course.owner_id == user.id, Course.id.in_(editors))
    query = sa.select(Course.id, authored.label("authored"))
    if groups is None:
        query = query.where(authored)
    else:
        query = query.where(sa.or_(authored, Course.id.in_(sa.select(groups.c.course_id))))
    rows = db.session.execute(query.order_by(Course.id)).all()
    whole = [course_id for course_id, is_author in rows if is_author]
    partial = [course_id for course_id, is_author in rows if not is_author]
    return ReviewScope(whole, partial, groups if partial else None)


def reviews_learner(course: Course, learner_id: int, user: Any) -> bool:
    """Whether `user` reviews this learner's work in the course: its authors and administrators
    do, and the trainers of the learner's group in it (for a review page, a file, an essay)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if course.can_edit(user):
        return True
    groups = _groups(user)
    if groups is None:
        return False
    found = sa.exists().where(groups.c.learner_id == learner_id, groups.c.course_id == course.id)
    return bool(db.session.scalar(sa.select(found)))
