"""Assignments of a course, their rubric versions, learners' drafts and sent versions, reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courses.models import Course
from training.accounts.models import User
from training.db import UTCDateTime, utcnow
from training.extensions import db

HAND_IN = ("text", "files", "both")
BY_REVIEWER, BY_SCORE = "accepted", "score"  # pass rules: a reviewer accepts, or the score
PASS_RULES = (BY_REVIEWER, BY_SCORE)
LATE_POLICIES = ("allow", "refuse")
# A sent version waits for review, then is accepted, sent back for revision or not accepted.
WAITING, ACCEPTED, REVISE, REJECTED = "waiting", "accepted", "revise", "rejected"
SUBMISSION_STATES = (WAITING, ACCEPTED, REVISE, REJECTED)
DECISIONS = (ACCEPTED, REVISE, REJECTED)
# Who grades a version: trainers (the default), peers, the learner, or a weighted mix.
BY_TRAINER, BY_PEERS, BY_SELF, BY_MIX = "trainer", "peer", "self", "mix"
REVIEW_MODES = (BY_TRAINER, BY_PEERS, BY_SELF, BY_MIX)
# What kind of review a row is (a mix's parts).
REVIEW_KINDS = (BY_TRAINER, BY_PEERS, BY_SELF)
PEER_REVIEWS = range(1, 6)  # K: how many peer reviews each version gets


class Assignment(db.Model):
    """A practical task of a course: a step after its module's lessons (or after the last)."""

    __tablename__ = "assignments"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "key"),
        sa.CheckConstraint("hand_in IN ('text', 'files', 'both')", name="hand_in_known"),
        sa.CheckConstraint("pass_rule IN ('accepted', 'score')", name="pass_rule_known"),
        sa.CheckConstraint("late_policy IN ('allow', 'refuse')", name="late_policy_known"),
        sa.CheckConstraint("pass_percent BETWEEN 0 AND 100", name="pass_percent_percent"),
        sa.CheckConstraint(
            "review_mode IN ('trainer', 'peer', 'self', 'mix')", name="review_mode_known"
        ),
        sa.CheckConstraint("peer_reviews BETWEEN 1 AND 5", name="peer_reviews_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(64))
    module_key: Mapped[str | None] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    task: Mapped[str] = mapped_column(sa.Text, default="")
    example: Mapped[str] = mapped_column(sa.Text, default="")
    # A file of the course's media the learner downloads to start from.
    template_filename: Mapped[str | None] = mapped_column(sa.String(100))
    hand_in: Mapped[str] = mapped_column(sa.String(8), default="text")
    is_open: Mapped[bool] = mapped_column(default=True)
    required: Mapped[bool] = mapped_column(default=True)
    pass_rule: Mapped[str] = mapped_column(sa.String(16), default="accepted")
    pass_percent: Mapped[int] = mapped_column(default=60)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late_policy: Mapped[str] = mapped_column(sa.String(8), default="allow")
    rubric_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assignment_rubrics.id", ondelete="SET NULL", use_alter=True)
    )
    review_mode: Mapped[str] = mapped_column(
        sa.String(8), default=BY_TRAINER, server_default=BY_TRAINER
    )
    peer_reviews: Mapped[int] = mapped_column(default=2, server_default="2")
    # A learner gives their K peer reviews before they see their own result.
    reviews_before_result: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # A mix's weights in percent (summing to 100); unused by the other modes.
    weight_trainer: Mapped[int] = mapped_column(default=0, server_default="0")
    weight_peer: Mapped[int] = mapped_column(default=0, server_default="0")
    weight_self: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship()
    rubric: Mapped[Rubric | None] = relationship(foreign_keys=[rubric_id], post_update=True)

    @property
    def weights(self) -> dict[str, int]:
        """Each kind of review's share of the score in percent (by mode; a mix by its weights)."""
        if self.review_mode == BY_MIX:
            return {
                BY_TRAINER: self.weight_trainer,
                BY_PEERS: self.weight_peer,
                BY_SELF: self.weight_self,
            }
        return {self.review_mode: 100}

    @property
    def has_peers(self) -> bool:
        return self.weights.get(BY_PEERS, 0) > 0

    @property
    def takes_text(self) -> bool:
        return self.hand_in in ("text", "both")

    @property
    def takes_files(self) -> bool:
        return self.hand_in in ("files", "both")


class Rubric(db.Model):
    """One immutable version of an assignment's rubric; reviews keep the version they used.

    `criteria`: [{"title", "description", "levels": [{"title", "description", "points"}]}].
    """

    __tablename__ = "assignment_rubrics"
    __table_args__ = (sa.UniqueConstraint("assignment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id", ondelete="CASCADE"))
    number: Mapped[int]
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def max_points(self) -> int:
        return sum(max((lv["points"] for lv in c["levels"]), default=0) for c in self.criteria)


class Draft(db.Model):
    """What a learner has written but not sent yet (one per learner and assignment)."""

    __tablename__ = "assignment_drafts"

    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    text: Mapped[str] = mapped_column(sa.Text, default="")
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Submission(db.Model):
    """One sent version of a learner's work: immutable once sent; a resubmission is the next."""

    __tablename__ = "submissions"
    __table_args__ = (
        # Two sends of the same page race for the same number: only one version is made.
        sa.UniqueConstraint("assignment_id", "user_id", "number"),
        sa.CheckConstraint(
            "status IN ('waiting', 'accepted', 'revise', 'rejected')", name="status_known"
        ),
        sa.Index("ix_submissions_status_sent", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(16), default=WAITING)
    # Set when sent back for revision: the new due date of the next version.
    revise_by: Mapped[datetime | None] = mapped_column(UTCDateTime())

    assignment: Mapped[Assignment] = relationship()
    user: Mapped[User] = relationship()
    files: Mapped[list[SubmissionFile]] = relationship(
        order_by="SubmissionFile.position", cascade="all, delete-orphan"
    )
    reviews: Mapped[list[Review]] = relationship(
        order_by="Review.created_at", cascade="all, delete-orphan"
    )


class SubmissionFile(db.Model):
    """A file handed in with a version, checked by content; its bytes live under instance/."""

    __tablename__ = "submission_files"
    __table_args__ = (sa.UniqueConstraint("submission_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"))
    position: Mapped[int]
    filename: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))


class Review(db.Model):
    """A reviewer's grade of one version with the rubric version used, feedback and decision."""

    __tablename__ = "assignment_reviews"
    __table_args__ = (
        sa.UniqueConstraint("submission_id", "reviewer_id"),
        sa.CheckConstraint("decision IN ('accepted', 'revise', 'rejected')", name="decision_known"),
        sa.CheckConstraint("kind IN ('trainer', 'peer', 'self')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    # NULL once the reviewer's account is deleted: the grade stays, the person goes.
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    rubric_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assignment_rubrics.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(sa.String(8), default=BY_TRAINER, server_default="trainer")
    # A trainer discarded it (abusive): it stays for the record but no longer counts.
    discarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Criterion index (as text) -> chosen level index.
    levels: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    points: Mapped[int] = mapped_column(default=0)
    max_points: Mapped[int] = mapped_column(default=0)
    feedback: Mapped[str] = mapped_column(sa.Text, default="")
    # A trainer's decision; peers and self-assessments decide nothing (NULL).
    decision: Mapped[str | None] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    rubric: Mapped[Rubric | None] = relationship()
    reviewer: Mapped[User | None] = relationship()

    @property
    def percent(self) -> int | None:
        return round(100 * self.points / self.max_points) if self.max_points else None


class PeerAllocation(db.Model):
    """A version given to a peer to review. One reviewer never gets the same author twice for
    an assignment, and takes one allocation at a time: `seq` counts the reviewer's allocations,
    so two requests racing for the next one find it taken."""

    __tablename__ = "peer_allocations"
    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "reviewer_id", "author_id"),
        sa.UniqueConstraint("assignment_id", "reviewer_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    submission: Mapped[Submission] = relationship()
