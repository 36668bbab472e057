"""Publishing: immutable revisions of a course, their history, differences and restoring."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from courses.diffs import Line, compare
from courses.models import Course, CourseRevision, Lesson, Module, RevisionLesson
from courses.services import CourseMeta, touch
from training.accounts.models import User
from training.errors import ServiceError
from training.extensions import db
from training.markdown import render_markdown


def media_base(course: Course) -> str:
    """Where lessons' `media/…` references point for this course."""
    return f"/courses/{course.slug}/media"


def draft_outline(course: Course) -> list[dict]:
    """The draft's reading order in the shape revisions store it."""
    return [
        {
            "key": module.key,
            "title": module.title,
            "lessons": [
                {"key": lesson.key, "title": lesson.title, "required": lesson.required}
                for lesson in module.lessons
            ],
        }
        for module in course.modules
    ]


def _next_number(course: Course) -> int:
    current = db.session.scalar(
        sa.select(sa.func.max(CourseRevision.number)).where(CourseRevision.course_id == course.id)
    )
    return (current or 0) + 1


def draft_revision(course: Course, *, kind: str = "published") -> CourseRevision:
    """The draft as an unsaved revision: what learners would get if it were published now.

    Publishing saves it; the author's preview shows it as it is, through the learner's page.
    """
    base = media_base(course)
    revision = CourseRevision(course_id=course.id, kind=kind, outline=draft_outline(course))
    CourseMeta.of(course).apply_to(revision)
    revision.lesson_rows = [
        RevisionLesson(
            key=lesson.key,
            module_key=module.key,
            title=lesson.title,
            body=lesson.body,
            html=render_markdown(lesson.body, media_base=base),
            required=lesson.required,
        )
        for module in course.modules
        for lesson in module.lessons
    ]
    return revision


def snapshot(course: Course, user: User | None, *, kind: str, comment: str = "") -> CourseRevision:
    """Freeze the draft into a new revision, rendering every lesson's HTML once."""
    revision = draft_revision(course, kind=kind)
    revision.number = _next_number(course)
    revision.created_by_id = user.id if user else None
    revision.comment = comment.strip()[:500]
    db.session.add(revision)
    db.session.flush()
    return revision


def publish(course: Course, user: User, comment: str = "") -> CourseRevision:
    """Make the draft what learners see, as a new numbered revision."""
    if not course.lessons():
        raise ServiceError(_("Add at least one lesson before publishing."))
    revision = snapshot(course, user, kind="published", comment=comment)
    course.published_revision = revision
    # The draft now equals the published revision.
    course.draft_updated_at = revision.created_at
    db.session.flush()
    return revision


def save_draft_if_changed(course: Course, user: User | None, reason: str) -> CourseRevision | None:
    """Keep unpublished changes as a saved-draft revision before the draft is replaced."""
    if not course.lessons() or not course.has_unpublished_changes:
        return None
    return snapshot(course, user, kind="saved-draft", comment=reason)


def restore(course: Course, revision: CourseRevision, user: User) -> CourseRevision | None:
    """Make an old revision the new draft; unpublished changes are saved first, not lost."""
    if revision.course_id != course.id:
        raise ServiceError(_("This revision belongs to another course."))
    saved = save_draft_if_changed(
        course, user, _("Draft saved before restoring revision %(num)d", num=revision.number)
    )
    replace_draft(
        course,
        CourseMeta.of(revision),
        outline=[
            (
                module["key"],
                module["title"],
                [(r.key, r.title, r.body, r.required) for r in _rows_of(revision, module["key"])],
            )
            for module in revision.outline
        ],
    )
    return saved


def _rows_of(revision: CourseRevision, module_key: str) -> list[RevisionLesson]:
    by_key = {row.key: row for row in revision.lesson_rows}
    module = next(m for m in revision.outline if m["key"] == module_key)
    return [by_key[lesson["key"]] for lesson in module["lessons"]]


def replace_draft(
    course: Course,
    meta: CourseMeta,
    outline: list[tuple[str, str, list[tuple[str, str, str, bool]]]],
) -> None:
    """Replace the whole draft: metadata and (module key, title, [lesson key, title, body,
    required]) in order. Keys are kept, so learners' progress carries over."""
    meta.apply_to(course)
    course.modules.clear()
    db.session.flush()  # old keys must be gone before the same keys come back
    for m_pos, (m_key, m_title, lessons) in enumerate(outline):
        module = Module(key=m_key, title=m_title, position=m_pos)
        course.modules.append(module)
        for l_pos, (l_key, l_title, body, required) in enumerate(lessons):
            module.lessons.append(
                Lesson(
                    course_id=course.id,
                    key=l_key,
                    title=l_title,
                    body=body,
                    required=required,
                    position=l_pos,
                )
            )
    touch(course)
    db.session.flush()


def revisions(course: Course) -> list[CourseRevision]:
    """All revisions of a course, newest first."""
    return list(
        db.session.scalars(
            sa.select(CourseRevision)
            .where(CourseRevision.course_id == course.id)
            .order_by(CourseRevision.number.desc())
        )
    )


@dataclass
class DiffSection:
    """One part of a comparison: the outline or one lesson, as readable lines (courses.diffs)."""

    title: str
    lines: list[Line]


def _outline_text(revision: CourseRevision) -> list[str]:
    """The outline as lines people read: words, not keys."""
    language = {"ru": _("Russian"), "en": _("English")}.get(revision.language, revision.language)
    lines = [
        f"# {revision.title}",
        f"{_('Language')}: {language}",
        f"{_('Estimated duration, minutes')}: {revision.duration_minutes}",
        f"{_('Topics')}: {', '.join(revision.topics)}",
    ]
    for module in revision.outline:
        lines.append(f"## {module['title']}")
        for lesson in module["lessons"]:
            optional = "" if lesson.get("required", True) else f" ({_('optional')})"
            lines.append(f"- {lesson['title']}{optional}")
    return lines


def diff(old: CourseRevision, new: CourseRevision) -> list[DiffSection]:
    """Differences between two revisions: outline first, then each changed lesson."""
    sections = []
    outline = compare(_outline_text(old), _outline_text(new))
    if outline:
        sections.append(DiffSection(_("Outline"), outline))
    old_lessons = {row.key: row for row in old.lesson_rows}
    new_lessons = {row.key: row for row in new.lesson_rows}
    for key in [*new.lesson_keys(), *[k for k in old.lesson_keys() if k not in new_lessons]]:
        before, after = old_lessons.get(key), new_lessons.get(key)
        text_before = before.body.splitlines() if before else []
        text_after = after.body.splitlines() if after else []
        if before and after and before.title != after.title:
            text_before.insert(0, f"# {before.title}")
            text_after.insert(0, f"# {after.title}")
        lines = compare(text_before, text_after)
        if lines:
            title = (after or before).title  # type: ignore[union-attr]
            sections.append(DiffSection(title, lines))
    return sections
