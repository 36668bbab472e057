"""A person's assignment work in their export, and its deletion with the account.

Deletion removes the person's drafts, sent versions with their files and the reviews those
versions received; reviews the person wrote of others' work stay (the learner keeps their
feedback) with the reviewer cut loose. Scores survive anonymously in the learning record.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from assignments.models import Assignment, Draft, PeerAllocation, Review, Submission
from assignments.submitting import erase_files_of
from courses.models import Course
from training.accounts.models import User
from training.extensions import db


def _review(review: Review) -> dict[str, Any]:
    return {
        "kind": review.kind,  # trainer, peer or self; never who
        "discarded": review.discarded_at is not None,
        "created_at": review.created_at,
        "rubric_version": review.rubric.number if review.rubric else None,
        "levels": review.levels,
        "points": review.points,
        "max_points": review.max_points,
        "feedback": review.feedback,
        "decision": review.decision,
    }


def export_assignment_data(user: User) -> dict[str, Any]:
    """Drafts, every sent version with its files' names and its reviews, and reviews given."""
    rows = db.session.execute(
        sa.select(Submission, Assignment.title, Course.slug)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .where(Submission.user_id == user.id)
        .order_by(Submission.submitted_at, Submission.id)
        .options(selectinload(Submission.files), selectinload(Submission.reviews))
    ).all()
    drafts = db.session.execute(
        sa.select(Draft, Assignment.title)
        .join(Assignment, Assignment.id == Draft.assignment_id)
        .where(Draft.user_id == user.id)
    ).all()
    given = db.session.execute(
        sa.select(Review, Assignment.title)
        .join(Submission, Submission.id == Review.submission_id)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .where(Review.reviewer_id == user.id)
        .order_by(Review.created_at)
    ).all()
    return {
        "assignments.json": {
            "submissions": [
                {
                    "course": slug,
                    "assignment": title,
                    "version": s.number,
                    "submitted_at": s.submitted_at,
                    "late": s.late,
                    "status": s.status,
                    "text": s.text,
                    "files": [{"name": f.filename, "bytes": f.size} for f in s.files],
                    "reviews_received": [_review(r) for r in s.reviews],
                }
                for s, title, slug in rows
            ],
            "drafts": [
                {"assignment": title, "text": d.text, "saved_at": d.saved_at} for d, title in drafts
            ],
            "reviews_given": [{"assignment": title, **_review(r)} for r, title in given],
        }
    }


def erase_assignment_data(user: User) -> None:
    """Delete the person's drafts and versions (files after commit); detach reviews they wrote."""
    mine = list(
        db.session.scalars(
            sa.select(Submission)
            .where(Submission.user_id == user.id)
            .options(selectinload(Submission.files))
        )
    )
    erase_files_of(mine)
    for submission in mine:
        db.session.delete(submission)
    db.session.execute(
        sa.update(Review).where(Review.reviewer_id == user.id).values(reviewer_id=None),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        sa.delete(PeerAllocation).where(
            sa.or_(PeerAllocation.reviewer_id == user.id, PeerAllocation.author_id == user.id)
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        sa.delete(Draft).where(Draft.user_id == user.id),
        execution_options={"synchronize_session": False},
    )
    db.session.flush()
