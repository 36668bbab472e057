"""What learners do: find courses, enroll, read lessons, mark them done; progress is derived."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from courses.models import Course, CourseRevision, Enrollment, LessonProgress, RevisionLesson
from courses.path import announce_progress, path_for
from training.db import attach_row, insert_if_absent, utcnow
from training.errors import ServiceError
from training.events import LearningEvent, record_event
from training.extensions import db


def course_path(course: Course) -> str:
    return f"courses/{course.slug}"


def lesson_path(course: Course, key: str) -> str:
    return f"courses/{course.slug}/lessons/{key}"


def published_courses(language: str | None = None, topic: str | None = None) -> list[Course]:
    """The catalog: courses with a published revision, optionally by language and topic."""
    query = (
        sa.select(Course)
        .join(Course.published_revision)
        # Filled from this one query: pages read every course's revision (title, outline).
        .options(contains_eager(Course.published_revision))
        .order_by(CourseRevision.title)
    )
    if language:
        query = query.where(CourseRevision.language == language)
    # Topics are a short JSON list per course; a catalog has tens of courses.
    return [
        course
        for course in db.session.scalars(query)
        if not topic or topic in course.published_revision.topics
    ]


def enrollments_of(user_id: int) -> dict[int, Enrollment]:
    """The courses a learner is enrolled in, by course id."""
    rows = db.session.scalars(sa.select(Enrollment).where(Enrollment.user_id == user_id))
    return {row.course_id: row for row in rows}


def enroll(user_id: int, course: Course) -> Enrollment:
    """Enroll a learner (idempotent: a second click changes nothing)."""
    revision = course.published_revision
    if revision is None:
        raise ServiceError(_("This course is not published."))
    existing = db.session.get(Enrollment, (user_id, course.id))
    if existing is not None:
        return existing
    enrollment = Enrollment(user_id=user_id, course_id=course.id)
    db.session.add(enrollment)
    record_event(
        user_id,
        "enrolled",
        "course",
        course_path(course),
        object_name=revision.title,
        course_id=course.id,
        context={"revision": revision.number},
    )
    db.session.flush()
    return enrollment


# Built once per process: every lesson page reads its course, published revision, lesson and
# the learner's enrollment with this statement, whose compiled form SQLAlchemy then keeps; the
# rows become ORM objects without the ORM's loading machinery (training.db.attach_row).
_COURSES = Course.__table__
_REVISIONS = CourseRevision.__table__
_LESSONS = RevisionLesson.__table__
_ENROLLMENTS = Enrollment.__table__
_LOAD_LESSON = (
    sa.select(_COURSES, _REVISIONS, _LESSONS, _ENROLLMENTS.c.user_id)
    .join(_REVISIONS, _COURSES.c.published_revision_id == _REVISIONS.c.id)
    .join(
        _LESSONS,
        sa.and_(_LESSONS.c.revision_id == _REVISIONS.c.id, _LESSONS.c.key == sa.bindparam("key")),
    )
    .outerjoin(
        _ENROLLMENTS,
        sa.and_(
            _ENROLLMENTS.c.course_id == _COURSES.c.id,
            _ENROLLMENTS.c.user_id == sa.bindparam("user_id"),
        ),
    )
    .where(_COURSES.c.slug == sa.bindparam("slug"))
    .set_label_style(sa.LABEL_STYLE_TABLENAME_PLUS_COL)
)


def load_lesson(
    slug: str, key: str, user_id: int
) -> tuple[Course, CourseRevision, RevisionLesson, bool] | None:
    """A published lesson with its course and revision, and whether the learner is enrolled,
    in one query."""
    parameters = {"slug": slug, "key": key, "user_id": user_id}
    row = db.session.execute(_LOAD_LESSON, parameters).mappings().first()
    if row is None:
        return None
    course = attach_row(db.session, Course, row)[0]
    revision = attach_row(db.session, CourseRevision, row)[0]
    lesson = attach_row(db.session, RevisionLesson, row)[0]
    return course, revision, lesson, row[_ENROLLMENTS.c.user_id] is not None


def record_view(
    user_id: int, course: Course, revision: CourseRevision, lesson: RevisionLesson
) -> None:
    """Note the first time a learner opens a lesson (the caller saw no progress row).

    Two first views at once (two tabs, a double tap) note it once: the later one finds the
    row and records nothing, instead of failing on its key.
    """
    values = {"user_id": user_id, "course_id": course.id, "lesson_key": lesson.key}
    if not insert_if_absent(db.session, LessonProgress, values):
        return
    record_event(
        user_id,
        "viewed",
        "lesson",
        lesson_path(course, lesson.key),
        object_name=lesson.title,
        course_id=course.id,
        context={"parent": course_path(course), "revision": revision.number},
    )


def mark_done(user_id: int, course: Course, revision: CourseRevision, key: str) -> bool:
    """Mark a lesson done (idempotent). True when this call completed it.

    Two "Done" posts at once (a double tap) complete it once: the row is claimed with an
    UPDATE that only matches while it is unfinished, so on PostgreSQL the later request waits
    for the earlier one's commit, then matches nothing and records nothing.
    """
    if key not in revision.lesson_keys():
        raise ServiceError(_("There is no such lesson in this course."))
    insert_if_absent(
        db.session, LessonProgress, {"user_id": user_id, "course_id": course.id, "lesson_key": key}
    )
    claimed = db.session.execute(
        sa.update(LessonProgress)
        .where(
            LessonProgress.user_id == user_id,
            LessonProgress.course_id == course.id,
            LessonProgress.lesson_key == key,
            LessonProgress.completed_at.is_(None),
        )
        .values(completed_at=utcnow())
        # "fetch": a progress object already in the session learns the new time only when
        # the database row really changed.
        .execution_options(synchronize_session="fetch")
    )
    if claimed.rowcount != 1:
        return False
    title = next(
        (item["title"] for m in revision.outline for item in m["lessons"] if item["key"] == key),
        key,
    )
    record_event(
        user_id,
        "completed",
        "lesson",
        lesson_path(course, key),
        object_name=title,
        course_id=course.id,
        context={"parent": course_path(course), "revision": revision.number},
    )
    db.session.flush()
    announce_progress(user_id, course.id)
    return True


def record_completions(_sender: object, *, user_id: int, course_id: int) -> None:
    """Listens to progress: the learning record's "completed" for each module whose required
    steps are done and for the course once the whole path is — each once."""
    course = db.session.get(Course, course_id)
    if course is None or course.published_revision is None:
        return
    path = path_for(course, user_id)
    if not path.complete and not any(m.steps and m.done for m in path.modules):
        return  # nothing finished yet: no statement to write, none to look up
    recorded = set(
        db.session.scalars(
            sa.select(LearningEvent.object_path).where(
                LearningEvent.actor_id == user_id,
                LearningEvent.verb == "completed",
                LearningEvent.course_id == course_id,
                LearningEvent.object_type.in_(("module", "course")),
            )
        )
    )
    revision = course.published_revision
    context = {"parent": course_path(course), "revision": revision.number}
    for module in path.modules:
        where = f"{course_path(course)}/modules/{module.key}"
        if module.steps and module.done and where not in recorded:
            record_event(
                user_id,
                "completed",
                "module",
                where,
                object_name=module.title,
                course_id=course_id,
                context=context,
            )
    if path.complete and course_path(course) not in recorded:
        record_event(
            user_id,
            "completed",
            "course",
            course_path(course),
            object_name=revision.title,
            course_id=course_id,
            context={"revision": revision.number},
        )


@dataclass
class Neighbours:
    """Where a lesson sits: previous/next lesson and its module."""

    previous: dict | None
    next: dict | None
    module: dict
    index: int
    total: int
    last_in_module: bool


def neighbours(outline: list[dict], key: str) -> Neighbours:
    """Previous and next lessons from an outline (a revision's, or the draft's for previews)."""
    flat = [(module, lesson) for module in outline for lesson in module["lessons"]]
    index = next(i for i, (_m, lesson) in enumerate(flat) if lesson["key"] == key)
    module = flat[index][0]
    return Neighbours(
        previous=flat[index - 1][1] if index > 0 else None,
        next=flat[index + 1][1] if index + 1 < len(flat) else None,
        module=module,
        index=index,
        total=len(flat),
        last_in_module=module["lessons"][-1]["key"] == key,
    )
