"""Courses: the editable draft, immutable published revisions, enrollment, progress, media."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.accounts.models import User
from training.db import UTCDateTime, utcnow
from training.extensions import db

LANGUAGES = ("ru", "en")


class Course(db.Model):
    """A course: its draft (title, modules, lessons) plus a pointer to the published revision."""

    __tablename__ = "courses"
    __table_args__ = (sa.CheckConstraint("language IN ('ru', 'en')", name="language_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    owner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    # Draft metadata: what trainers edit. Learners only ever see a revision.
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(2), default="ru")
    topics: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    cover_filename: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    draft_updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course_revisions.id", ondelete="SET NULL", use_alter=True)
    )

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )
    editor_rows: Mapped[list[CourseEditor]] = relationship(cascade="all, delete-orphan")
    published_revision: Mapped[CourseRevision | None] = relationship(
        foreign_keys=[published_revision_id], post_update=True
    )

    def can_edit(self, user: Any) -> bool:
        """Owner, co-authors (editors) and administrators may edit."""
        if not getattr(user, "is_authenticated", False):
            return False
        if user.is_admin or user.id == self.owner_id:
            return True
        return any(row.user_id == user.id for row in self.editor_rows)

    def can_manage(self, user: Any) -> bool:
        """Owner and administrators: delete the course, choose co-authors, revoke certificates."""
        if not getattr(user, "is_authenticated", False):
            return False
        return bool(user.is_admin or user.id == self.owner_id)

    def can_view(self, user: Any) -> bool:
        """Published courses are open to everyone; drafts only to their authors."""
        return self.published_revision_id is not None or self.can_edit(user)

    @property
    def has_unpublished_changes(self) -> bool:
        revision = self.published_revision
        return revision is None or self.draft_updated_at > revision.created_at

    def lessons(self) -> list[Lesson]:
        """Draft lessons in reading order."""
        return [lesson for module in self.modules for lesson in module.lessons]


class CourseEditor(db.Model):
    """A co-author of a course (besides its owner)."""

    __tablename__ = "course_editors"

    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    user: Mapped[User] = relationship()


class Module(db.Model):
    """A draft module: an ordered group of lessons."""

    __tablename__ = "modules"
    __table_args__ = (sa.UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )


class Lesson(db.Model):
    """A draft lesson: Markdown text. Its key stays stable across revisions, so does progress."""

    __tablename__ = "lessons"
    __table_args__ = (sa.UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    required: Mapped[bool] = mapped_column(default=True)

    module: Mapped[Module] = relationship(back_populates="lessons")


class CourseRevision(db.Model):
    """An immutable snapshot of a course: published, or a draft saved before it was replaced."""

    __tablename__ = "course_revisions"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "number"),
        sa.CheckConstraint("kind IN ('published', 'saved-draft')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(16), default="published")
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(2))
    topics: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    duration_minutes: Mapped[int]
    cover_filename: Mapped[str | None] = mapped_column(sa.String(100))
    # [{"key", "title", "lessons": [{"key", "title", "required"}]}] — the reading order,
    # kept here so a lesson page needs no second query for previous/next.
    outline: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    comment: Mapped[str] = mapped_column(sa.String(500), default="")

    course: Mapped[Course] = relationship(foreign_keys=[course_id])
    created_by: Mapped[User | None] = relationship()
    lesson_rows: Mapped[list[RevisionLesson]] = relationship(
        cascade="all, delete-orphan", order_by="RevisionLesson.id"
    )

    @property
    def is_published(self) -> bool:
        return self.kind == "published"

    def lesson_keys(self) -> list[str]:
        """Lesson keys in reading order."""
        return [lesson["key"] for module in self.outline for lesson in module["lessons"]]

    def required_keys(self) -> set[str]:
        return {
            lesson["key"]
            for module in self.outline
            for lesson in module["lessons"]
            if lesson.get("required", True)
        }


class RevisionLesson(db.Model):
    """One lesson of a revision, with its HTML rendered once at publication."""

    __tablename__ = "revision_lessons"
    __table_args__ = (sa.UniqueConstraint("revision_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course_revisions.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(sa.String(64))
    module_key: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    html: Mapped[str] = mapped_column(sa.Text, default="")
    required: Mapped[bool] = mapped_column(default=True)


class Enrollment(db.Model):
    """A learner taking a course."""

    __tablename__ = "enrollments"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship()


class LessonProgress(db.Model):
    """When a learner first opened and when they finished one lesson (by its stable key)."""

    __tablename__ = "lesson_progress"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    lesson_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    first_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CourseMedia(db.Model):
    """An image or PDF handout uploaded to a course; the bytes live on disk."""

    __tablename__ = "course_media"
    __table_args__ = (sa.UniqueConstraint("course_id", "filename"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(sa.String(100))
    content_type: Mapped[str] = mapped_column(sa.String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
