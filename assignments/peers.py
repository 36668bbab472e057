"""Peer review and self-assessment: who reviews whom, grading, and a version's result by mode.

Allocation is on demand from the reviewer's side: opening "review peers" hands out the waiting
version with the fewest counting allocations, oldest first, never the reviewer's own and never an
author the reviewer already had for this assignment. A version may get more than K reviews when
every waiting version has its K (nobody is left without work, late senders still get reviewed).

The result of a version (`result`): each kind of review present gives a percent (a trainer's
newest, the peers' average, the self-assessment); the score is their weighted mean, and a
missing part's weight is spread over the present ones in proportion to theirs until it arrives.
The result is final when every weighted part is in (peers: at least K counting reviews).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from assignments.models import (
    ACCEPTED,
    BY_PEERS,
    BY_SCORE,
    BY_SELF,
    BY_TRAINER,
    REVISE,
    WAITING,
    Assignment,
    PeerAllocation,
    Review,
    Submission,
)
from assignments.reviewing import announce, rubric_points
from courses.path import announce_progress
from training.accounts.models import User
from training.audit import audit
from training.db import utcnow
from training.errors import ServiceError
from training.extensions import db
from training.notifications.services import notify


def peer_pool(assignment: Assignment, submission: Submission | None = None) -> sa.Select:
    """Ids of the learners who may review `submission` as peers: today everyone of the course
    who has sent a version of the assignment. The cohorts package narrows this to a cohort."""
    return sa.select(Submission.user_id).where(Submission.assignment_id == assignment.id).distinct()


def _counting_load() -> sa.Subquery:
    """Per version, its allocations whose review (if given) is not discarded."""
    joined = sa.and_(
        Review.submission_id == PeerAllocation.submission_id,
        Review.reviewer_id == PeerAllocation.reviewer_id,
    )
    return (
        sa.select(PeerAllocation.submission_id, sa.func.count().label("load"))
        .outerjoin(Review, joined)
        .where(Review.discarded_at.is_(None))
        .group_by(PeerAllocation.submission_id)
        .subquery()
    )


def open_allocation(assignment: Assignment, reviewer: User) -> PeerAllocation | None:
    """The reviewer's allocation of this assignment not reviewed yet, if any."""
    reviewed = sa.select(Review.id).where(
        Review.submission_id == PeerAllocation.submission_id,
        Review.reviewer_id == PeerAllocation.reviewer_id,
    )
    return db.session.scalar(
        sa.select(PeerAllocation)
        .where(
            PeerAllocation.assignment_id == assignment.id,
            PeerAllocation.reviewer_id == reviewer.id,
            ~reviewed.exists(),
        )
        .order_by(PeerAllocation.seq)
        .limit(1)
    )


def allocate(assignment: Assignment, reviewer: User) -> PeerAllocation | None:
    """The version this reviewer is to review now: their open one, or a new fair pick; None
    when nothing is waiting for them. Two racing requests make one allocation."""
    if not assignment.has_peers:
        raise ServiceError(_("This assignment is not reviewed by peers."))
    in_pool = db.session.scalar(
        sa.select(Submission.id)
        .where(Submission.assignment_id == assignment.id, Submission.user_id == reviewer.id)
        .limit(1)
    )
    if in_pool is None:
        raise ServiceError(_("Send your own work first; then you can review others'."))
    if (current := open_allocation(assignment, reviewer)) is not None:
        return current
    had = sa.select(PeerAllocation.author_id).where(
        PeerAllocation.assignment_id == assignment.id, PeerAllocation.reviewer_id == reviewer.id
    )
    load = _counting_load()
    candidates = db.session.scalars(
        sa.select(Submission)
        .outerjoin(load, load.c.submission_id == Submission.id)
        .where(
            Submission.assignment_id == assignment.id,
            Submission.status == WAITING,
            Submission.user_id != reviewer.id,
            Submission.user_id.not_in(had),
        )
        .order_by(sa.func.coalesce(load.c.load, 0), Submission.submitted_at, Submission.id)
        .limit(20)
    )
    for candidate in candidates:
        if reviewer.id in db.session.scalars(peer_pool(assignment, candidate)).all():
            return _take(assignment, reviewer, candidate)
    return None


def _take(assignment: Assignment, reviewer: User, submission: Submission) -> PeerAllocation:
    seq = db.session.scalar(
        sa.select(sa.func.count()).where(
            PeerAllocation.assignment_id == assignment.id,
            PeerAllocation.reviewer_id == reviewer.id,
        )
    )
    row = PeerAllocation(
        assignment_id=assignment.id,
        submission_id=submission.id,
        author_id=submission.user_id,
        reviewer_id=reviewer.id,
        seq=(seq or 0) + 1,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        # Another request of the same reviewer took this turn: use what it took.
        current = open_allocation(assignment, reviewer)
        if current is None:
            raise ServiceError(_("Please open the page again.")) from None
        return current
    return row


def allocated(submission: Submission, reviewer_id: int) -> bool:
    """Whether this version was given to this peer to review."""
    return (
        db.session.scalar(
            sa.select(PeerAllocation.id).where(
                PeerAllocation.submission_id == submission.id,
                PeerAllocation.reviewer_id == reviewer_id,
            )
        )
        is not None
    )


def _graded(
    submission: Submission, reviewer: User, kind: str, levels: dict[int, int], feedback: str
) -> Review:
    if any(r.reviewer_id == reviewer.id for r in submission.reviews):
        raise ServiceError(_("You have already reviewed this version."))
    rubric = submission.assignment.rubric
    row = Review(
        submission_id=submission.id,
        reviewer_id=reviewer.id,
        kind=kind,
        rubric_id=rubric.id if rubric else None,
        levels={str(i): level for i, level in levels.items()},
        points=rubric_points(rubric.criteria if rubric else [], levels),
        max_points=rubric.max_points if rubric else 0,
        feedback=feedback,
        decision=None,
    )
    db.session.add(row)
    submission.reviews.append(row)
    db.session.flush()
    return row


def peer_review(
    submission: Submission, reviewer: User, levels: dict[int, int], feedback: str
) -> Review:
    """A peer's grade of a version allocated to them; the author is told, the result settled."""
    if submission.user_id == reviewer.id:
        raise ServiceError(_("You cannot review your own work."))
    if not allocated(submission, reviewer.id):
        raise ServiceError(_("This work was not given to you to review."))
    row = _graded(submission, reviewer, BY_PEERS, levels, feedback)
    assignment = submission.assignment
    notify(
        submission.user,
        "assignment_peer_reviewed",
        assignment=assignment.title,
        slug=assignment.course.slug,
        key=assignment.key,
    )
    settle(submission)
    # The reviewer's own step may have waited for this review (their result shows once they
    # have given their reviews): their path, and a certificate it completes, move on now.
    announce_progress(reviewer.id, assignment.course_id)
    return row


def self_assess(
    submission: Submission, learner: User, levels: dict[int, int], feedback: str
) -> Review:
    """The learner's own grade of their waiting version, once per version."""
    if submission.user_id != learner.id:
        raise ServiceError(_("You can assess only your own work."))
    if submission.assignment.weights.get(BY_SELF, 0) <= 0:
        raise ServiceError(_("This assignment has no self-assessment."))
    if submission.status != WAITING:
        raise ServiceError(_("This version has already been reviewed."))
    row = _graded(submission, learner, BY_SELF, levels, feedback)
    settle(submission)
    return row


def discard(review: Review, actor: User) -> None:
    """A trainer discards an abusive peer review: it stops counting, and the version goes back
    to the front of the allocation order so another peer reviews it. Audited: the review
    keeps when, the trail says who (an author or the learner's cohort trainer)."""
    if review.kind != BY_PEERS:
        raise ServiceError(_("Only peer reviews can be discarded."))
    if review.discarded_at is not None:
        raise ServiceError(_("This review is already discarded."))
    review.discarded_at = utcnow()
    audit(
        actor.id, "assignment.review_discard", "review", review.id, submission=review.submission_id
    )
    db.session.flush()


@dataclass
class Result:
    """A version's score by its assignment's mode: percent (None before any part), whether
    every weighted part is in, and the parts (kind -> percent) that made it."""

    percent: int | None
    complete: bool
    parts: dict[str, int]
    peer_count: int


def result(submission: Submission, adding: Review | None = None) -> Result:
    """The version's score from the reviews that count (see the module's rule), with `adding`
    (a review about to be saved) counted too."""
    assignment = submission.assignment
    reviews = [*submission.reviews, adding] if adding is not None else submission.reviews
    counting = [r for r in reviews if r.discarded_at is None and r.max_points]
    by_kind: dict[str, list[int]] = {}
    for review in counting:
        by_kind.setdefault(review.kind, []).append(review.percent or 0)
    parts: dict[str, int] = {}
    if by_kind.get(BY_TRAINER):
        parts[BY_TRAINER] = by_kind[BY_TRAINER][-1]
    if by_kind.get(BY_PEERS):
        parts[BY_PEERS] = round(sum(by_kind[BY_PEERS]) / len(by_kind[BY_PEERS]))
    if by_kind.get(BY_SELF):
        parts[BY_SELF] = by_kind[BY_SELF][0]
    weights = {k: w for k, w in assignment.weights.items() if w > 0}
    present = {k: w for k, w in weights.items() if k in parts}
    peer_count = len(by_kind.get(BY_PEERS, []))
    complete = set(present) == set(weights) and (
        BY_PEERS not in weights or peer_count >= assignment.peer_reviews
    )
    if not present:
        return Result(None, False, parts, peer_count)
    total = sum(present.values())
    percent = round(sum(parts[k] * w for k, w in present.items()) / total)
    return Result(percent, complete, parts, peer_count)


def settle(submission: Submission) -> None:
    """Decide a waiting version without a trainer when its mode allows: pass rule by score, no
    trainer weight, every part in. Below the mark it goes back for revision (never "not
    accepted": that stays a trainer's word)."""
    assignment = submission.assignment
    if submission.status != WAITING or assignment.pass_rule != BY_SCORE:
        return
    if assignment.weights.get(BY_TRAINER, 0) > 0:
        return
    outcome = result(submission)
    if not outcome.complete or outcome.percent is None:
        return
    decision = ACCEPTED if outcome.percent >= assignment.pass_percent else REVISE
    submission.status = decision
    db.session.flush()
    announce(submission, decision, outcome.percent, outcome.percent, 100)


def reviews_left(assignment: Assignment, user_id: int) -> int:
    """How many peer reviews the learner still owes: K, or fewer when fewer others have sent
    work (a small group cannot owe what does not exist); discarded reviews do not count."""
    if not assignment.has_peers:
        return 0
    others = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Submission.user_id))).where(
            Submission.assignment_id == assignment.id, Submission.user_id != user_id
        )
    )
    given = db.session.scalar(
        sa.select(sa.func.count(Review.id))
        .join(Submission, Submission.id == Review.submission_id)
        .where(
            Submission.assignment_id == assignment.id,
            Review.reviewer_id == user_id,
            Review.kind == BY_PEERS,
            Review.discarded_at.is_(None),
        )
    )
    return max(0, min(assignment.peer_reviews, others or 0) - (given or 0))


def result_hidden(assignment: Assignment, user_id: int) -> int:
    """Reviews still owed before the learner sees grades and feedback (0: shown)."""
    if not assignment.has_peers or not assignment.reviews_before_result:
        return 0
    return reviews_left(assignment, user_id)
