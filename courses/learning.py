"""What learners do: find courses, enroll, read lessons, mark them done; progress is derived."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from courses.models import Course, CourseRevision, Enrollment, LessonProgress, RevisionLesson
from training.db import utcnow
from training.errors import ServiceError
from training.events import LearningEvent, record_event
from training.extensions import db
from training.hooks import progress_changed


def course_path(course: Course) -> str:
    return f"courses/{course.slug}"


def lesson_path(course: Course, key: str) -> str:
    return f"courses/{course.slug}/lessons/{key}"


@dataclass
class Progress:
    """A learner's progress in one revision of a course, computed from lesson records."""

    done: set[str] = field(default_factory=set)
    viewed: set[str] = field(default_factory=set)
    total: int = 0
    required: set[str] = field(default_factory=set)

    @property
    def done_count(self) -> int:
        return len(self.done)

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / self.total) if self.total else 0

    @property
    def required_done(self) -> bool:
        return self.required <= self.done


def progress_for(revision: CourseRevision, rows: list[LessonProgress]) -> Progress:
    """Progress derived for the revision's lessons; records of removed lessons are ignored."""
    keys = set(revision.lesson_keys())
    return Progress(
        done={r.lesson_key for r in rows if r.completed_at is not None} & keys,
        viewed={r.lesson_key for r in rows} & keys,
        total=len(keys),
        required=revision.required_keys(),
    )


def progress_rows(user_id: int, course_id: int) -> list[LessonProgress]:
    """One learner's lesson records in one course (one query)."""
    return list(
        db.session.scalars(
            sa.select(LessonProgress).where(
                LessonProgress.user_id == user_id, LessonProgress.course_id == course_id
            )
        )
    )


def published_courses(language: str | None = None, topic: str | None = None) -> list[Course]:
    """The catalog: courses with a published revision, optionally by language and topic."""
    query = (
        sa.select(Course, CourseRevision)
        .join(CourseRevision, Course.published_revision_id == CourseRevision.id)
        .order_by(CourseRevision.title)
    )
    if language:
        query = query.where(CourseRevision.language == language)
    courses = []
    for course, revision in db.session.execute(query):
        # Topics are a short JSON list per course; a catalog has tens of courses.
        if topic and topic not in revision.topics:
            continue
        courses.append(course)
    return courses


def enrollments_of(user_id: int) -> dict[int, Enrollment]:
    """The courses a learner is enrolled in, by course id."""
    rows = db.session.scalars(sa.select(Enrollment).where(Enrollment.user_id == user_id))
    return {row.course_id: row for row in rows}


def progress_by_course(user_id: int, course_ids: list[int]) -> dict[int, list[LessonProgress]]:
    """Lesson records for several courses in one query (for catalog and home page)."""
    result: dict[int, list[LessonProgress]] = {cid: [] for cid in course_ids}
    if not course_ids:
        return result
    rows = db.session.scalars(
        sa.select(LessonProgress).where(
            LessonProgress.user_id == user_id, LessonProgress.course_id.in_(course_ids)
        )
    )
    for row in rows:
        result[row.course_id].append(row)
    return result


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


def load_lesson(slug: str, key: str) -> tuple[Course, CourseRevision, RevisionLesson] | None:
    """A published lesson with its course and revision, in one query."""
    row = db.session.execute(
        sa.select(Course, CourseRevision, RevisionLesson)
        .join(CourseRevision, Course.published_revision_id == CourseRevision.id)
        .join(
            RevisionLesson,
            sa.and_(RevisionLesson.revision_id == CourseRevision.id, RevisionLesson.key == key),
        )
        .where(Course.slug == slug)
    ).first()
    return tuple(row) if row else None  # type: ignore[return-value]


def record_view(
    user_id: int, course: Course, revision: CourseRevision, lesson: RevisionLesson, rows
) -> None:
    """Note the first time a learner opens a lesson (later visits write nothing)."""
    if any(r.lesson_key == lesson.key for r in rows):
        return
    db.session.add(LessonProgress(user_id=user_id, course_id=course.id, lesson_key=lesson.key))
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
    """Mark a lesson done (idempotent). True when this call completed it."""
    if key not in revision.lesson_keys():
        raise ServiceError(_("There is no such lesson in this course."))
    row = db.session.get(LessonProgress, (user_id, course.id, key))
    if row is None:
        row = LessonProgress(user_id=user_id, course_id=course.id, lesson_key=key)
        db.session.add(row)
    if row.completed_at is not None:
        return False
    row.completed_at = utcnow()
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
    progress = progress_for(revision, progress_rows(user_id, course.id))
    module = next(m for m in revision.outline if key in {item["key"] for item in m["lessons"]})
    if _module_done(module, progress.done):
        path = f"{course_path(course)}/modules/{module['key']}"
        if _completion_is_new(user_id, course, "module", path):
            record_event(
                user_id,
                "completed",
                "module",
                path,
                object_name=module["title"],
                course_id=course.id,
                context={"parent": course_path(course), "revision": revision.number},
            )
    if progress.required_done and _completion_is_new(
        user_id, course, "course", course_path(course)
    ):
        record_event(
            user_id,
            "completed",
            "course",
            course_path(course),
            object_name=revision.title,
            course_id=course.id,
            context={"revision": revision.number},
        )
    progress_changed.send(None, user_id=user_id, course_id=course.id)
    return True


def _module_done(module: dict, done: set[str]) -> bool:
    """A module is done when its required lessons are (all of them, if none is required)."""
    keys = [item["key"] for item in module["lessons"] if item.get("required", True)]
    keys = keys or [item["key"] for item in module["lessons"]]
    return set(keys) <= done


def _completion_is_new(user_id: int, course: Course, object_type: str, path: str) -> bool:
    """True when the learner has no "completed" event for this module or course yet."""
    return (
        db.session.scalar(
            sa.select(LearningEvent.id).where(
                LearningEvent.actor_id == user_id,
                LearningEvent.verb == "completed",
                LearningEvent.object_type == object_type,
                LearningEvent.course_id == course.id,
                LearningEvent.object_path == path,
            )
        )
        is None
    )


def first_unfinished(revision: CourseRevision, progress: Progress) -> str | None:
    """Key of the first lesson in reading order that is not done, or None when all are."""
    return next((key for key in revision.lesson_keys() if key not in progress.done), None)


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
