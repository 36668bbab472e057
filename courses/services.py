"""Authoring a course's draft: metadata, modules, lessons, order, co-authors. Services flush."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import sqlalchemy as sa
from flask_babel import gettext as _

from courses.keys import KEY_RE, SLUG_RE, slugify, unique_key
from courses.models import LANGUAGES, Course, CourseEditor, CourseRevision, Lesson, Module
from training.accounts.models import Role, User
from training.accounts.services import find_user
from training.db import utcnow
from training.errors import ServiceError
from training.extensions import db

MAX_TOPICS = 10


def touch(course: Course) -> None:
    """Mark the draft as changed since the last publication."""
    course.draft_updated_at = utcnow()


def parse_topics(raw: str | list[str]) -> list[str]:
    """Topics from a comma-separated string: trimmed, lower-cased, unique, in order."""
    items = raw.split(",") if isinstance(raw, str) else raw
    topics: list[str] = []
    for item in items:
        topic = " ".join(item.split()).lower()[:40]
        if topic and topic not in topics:
            topics.append(topic)
    if len(topics) > MAX_TOPICS:
        raise ServiceError(_("At most %(num)d topics.", num=MAX_TOPICS), "topics")
    return topics


@dataclass
class CourseMeta:
    """What describes a course besides its outline: the draft's, a revision's or a pack's."""

    title: str
    description: str = ""
    language: str = "ru"
    topics: list[str] = field(default_factory=list)
    duration_minutes: int = 60
    cover_filename: str | None = None

    @classmethod
    def of(cls, source: Course | CourseRevision) -> CourseMeta:
        """The metadata of a course's draft or of a revision (they have the same fields)."""
        return cls(**{f.name: getattr(source, f.name) for f in fields(cls)})

    def apply_to(self, target: Course | CourseRevision) -> None:
        """Copy these values onto a course's draft or a new revision, as they are."""
        for f in fields(self):
            value = getattr(self, f.name)
            setattr(target, f.name, list(value) if isinstance(value, list) else value)


def _checked(meta: CourseMeta) -> CourseMeta:
    """The metadata tidied (title, description, topics), or ServiceError naming the field."""
    title = " ".join(meta.title.split())
    if not title:
        raise ServiceError(_("Enter a title."), "title")
    if meta.language not in LANGUAGES:
        raise ServiceError(_("Choose Russian or English."), "language")
    if not 1 <= meta.duration_minutes <= 100_000:
        raise ServiceError(_("Enter the duration in minutes, from 1 to 100000."), "duration")
    return replace(
        meta,
        title=title,
        description=meta.description.strip(),
        topics=parse_topics(meta.topics),
        cover_filename=meta.cover_filename or None,
    )


def create_course(owner: User, *, slug: str, meta: CourseMeta) -> Course:
    """A new draft course owned by `owner`; an empty `slug` is made from the title."""
    slug = slug.strip().lower() or free_slug(meta.title)
    if not slug:
        raise ServiceError(
            _("Type the address name in Latin letters: the title has too few to make one."),
            "slug",
        )
    if not SLUG_RE.fullmatch(slug):
        raise ServiceError(
            _("The address name has 2–64 Latin letters, digits and dashes, e.g. union-news."),
            "slug",
        )
    if db.session.scalar(sa.select(Course.id).where(Course.slug == slug)):
        raise ServiceError(_("A course with this address name already exists."), "slug")
    course = Course(slug=slug, owner=owner)
    _checked(meta).apply_to(course)
    db.session.add(course)
    db.session.flush()
    return course


def free_slug(title: str) -> str:
    """An unused address name transliterated from the title ('' when the title has no
    letters or digits to make one from: the trainer is then asked to type it)."""
    base = slugify(title, max_length=60)
    if len(base) < 2:
        return ""
    similar = sa.select(Course.slug).where(Course.slug.startswith(base, autoescape=True))
    taken = set(db.session.scalars(similar))
    return unique_key(base, taken, max_length=60)


def update_course(course: Course, meta: CourseMeta) -> None:
    """Change the draft's metadata."""
    _checked(meta).apply_to(course)
    touch(course)
    db.session.flush()


def delete_course(course: Course) -> None:
    """Delete a course that no learner has enrolled in (otherwise their record would vanish)."""
    from courses.models import Enrollment

    if db.session.scalar(sa.select(Enrollment.user_id).where(Enrollment.course_id == course.id)):
        raise ServiceError(_("Learners are enrolled in this course; it cannot be deleted."))
    course.published_revision = None
    db.session.flush()
    db.session.delete(course)
    db.session.flush()


# ---- modules and lessons --------------------------------------------------------------------


def _taken_module_keys(course: Course) -> set[str]:
    return {m.key for m in course.modules}


def _taken_lesson_keys(course: Course) -> set[str]:
    return set(db.session.scalars(sa.select(Lesson.key).where(Lesson.course_id == course.id)))


def add_module(course: Course, title: str, key: str | None = None) -> Module:
    """Append a module at the end of the course."""
    title = " ".join(title.split())
    if not title:
        raise ServiceError(_("Enter a title."), "title")
    key = key or unique_key(title, _taken_module_keys(course))
    if not KEY_RE.fullmatch(key) or key in _taken_module_keys(course):
        raise ServiceError(_("This key is not valid or already used."), "key")
    module = Module(course=course, key=key, title=title, position=len(course.modules))
    db.session.add(module)
    touch(course)
    db.session.flush()
    return module


def rename_module(module: Module, title: str) -> None:
    """Change a module's title."""
    title = " ".join(title.split())
    if not title:
        raise ServiceError(_("Enter a title."), "title")
    module.title = title
    touch(module.course)
    db.session.flush()


def delete_module(module: Module) -> None:
    """Remove a module and its lessons from the draft."""
    course = module.course
    course.modules.remove(module)
    _renumber(course.modules)
    touch(course)
    db.session.flush()


def add_lesson(
    module: Module,
    title: str,
    body: str = "",
    *,
    required: bool = True,
    key: str | None = None,
) -> Lesson:
    """Append a lesson at the end of a module."""
    title = " ".join(title.split())
    if not title:
        raise ServiceError(_("Enter a title."), "title")
    taken = _taken_lesson_keys(module.course)
    key = key or unique_key(title, taken)
    if not KEY_RE.fullmatch(key) or key in taken:
        raise ServiceError(_("This key is not valid or already used."), "key")
    lesson = Lesson(
        course_id=module.course_id,
        module=module,
        key=key,
        title=title,
        body=body.rstrip(),
        required=required,
        position=len(module.lessons),
    )
    db.session.add(lesson)
    touch(module.course)
    db.session.flush()
    return lesson


def update_lesson(
    lesson: Lesson, *, title: str, body: str, required: bool, module: Module | None = None
) -> None:
    """Change a lesson's text; optionally move it to the end of another module."""
    title = " ".join(title.split())
    if not title:
        raise ServiceError(_("Enter a title."), "title")
    lesson.title = title
    lesson.body = body.replace("\r\n", "\n").rstrip()
    lesson.required = required
    if module is not None and module.id != lesson.module_id:
        if module.course_id != lesson.course_id:
            raise ServiceError(_("Choose a module of this course."), "module")
        old = lesson.module
        old.lessons.remove(lesson)
        _renumber(old.lessons)
        lesson.position = len(module.lessons)
        module.lessons.append(lesson)
    touch(lesson.module.course)
    db.session.flush()


def delete_lesson(lesson: Lesson) -> None:
    """Remove a lesson from the draft (learners keep it until the next publication)."""
    module = lesson.module
    module.lessons.remove(lesson)
    _renumber(module.lessons)
    touch(module.course)
    db.session.flush()


def _renumber(items: list[Module] | list[Lesson]) -> None:
    for position, item in enumerate(items):
        item.position = position


def move(items: list[Module] | list[Lesson], item: Module | Lesson, step: int) -> bool:
    """Move an item one place up (-1) or down (+1) among its siblings; False at an end."""
    index = items.index(item)
    target = index + step
    if step not in (-1, 1) or not 0 <= target < len(items):
        return False
    # Swap positions only: reassigning slots of the relationship list would orphan (and
    # so delete) the item that is briefly out of it.
    other = items[target]
    item.position, other.position = other.position, item.position
    touch(item.course if isinstance(item, Module) else item.module.course)
    db.session.flush()
    return True


# ---- co-authors -----------------------------------------------------------------------------


def add_editor(course: Course, username: str) -> User:
    """Make a trainer a co-author of the course (owners only, checked by the view)."""
    user = find_user(username)
    if user is None:
        raise ServiceError(_("There is no user with this username."), "username")
    if not user.has_role(Role.TRAINER, Role.ADMIN):
        raise ServiceError(_("Only trainers can be co-authors."), "username")
    if user.id == course.owner_id or any(r.user_id == user.id for r in course.editor_rows):
        raise ServiceError(_("This person already edits the course."), "username")
    course.editor_rows.append(CourseEditor(user_id=user.id))
    db.session.flush()
    return user


def remove_editor(course: Course, user_id: int) -> None:
    """Remove a co-author."""
    for row in list(course.editor_rows):
        if row.user_id == user_id:
            course.editor_rows.remove(row)
    db.session.flush()
