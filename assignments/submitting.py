"""A learner's work on an assignment: the draft, sending a version, who may see it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from assignments.files import Upload, remove_after_commit, stored_path, write_after_commit
from assignments.models import (
    ACCEPTED,
    REJECTED,
    REVISE,
    WAITING,
    Assignment,
    Draft,
    Submission,
    SubmissionFile,
)
from courses.models import Course
from training.db import utcnow
from training.errors import ServiceError
from training.events import record_event
from training.extensions import db

MAX_TEXT = 100_000


def versions(assignment: Assignment, user_id: int) -> list[Submission]:
    """A learner's sent versions of an assignment, newest first, with files and reviews."""
    return list(
        db.session.scalars(
            sa.select(Submission)
            .where(Submission.assignment_id == assignment.id, Submission.user_id == user_id)
            .options(sa.orm.selectinload(Submission.files), sa.orm.selectinload(Submission.reviews))
            .order_by(Submission.number.desc())
        )
    )


def draft_of(assignment: Assignment, user_id: int) -> Draft | None:
    return db.session.get(Draft, (assignment.id, user_id))


def save_draft(assignment: Assignment, user_id: int, text: str) -> Draft:
    """Keep what the learner wrote so far (only the text; files go with the sent version)."""
    if len(text) > MAX_TEXT:
        raise ServiceError(_("The text is longer than %(num)d characters.", num=MAX_TEXT), "text")
    draft = draft_of(assignment, user_id)
    if draft is None:
        draft = Draft(assignment_id=assignment.id, user_id=user_id)
        db.session.add(draft)
    draft.text = text
    draft.saved_at = utcnow()
    db.session.flush()
    return draft


def due_date(assignment: Assignment, latest: Submission | None) -> datetime | None:
    """When the next version is due: the revision's date once sent back, else the assignment's."""
    if latest is not None and latest.status == REVISE and latest.revise_by is not None:
        return latest.revise_by
    return assignment.due_at


def may_send(assignment: Assignment, latest: Submission | None) -> str | None:
    """Why the learner cannot send a version now, or None when they can."""
    if latest is not None and latest.status == WAITING:
        return _("Your work was sent and waits for review.")
    if latest is not None and latest.status == ACCEPTED:
        return _("Your work was accepted.")
    if latest is not None and latest.status == REJECTED:
        return _("Your work was not accepted; it cannot be sent again.")
    due = due_date(assignment, latest)
    if due is not None and utcnow() > due and assignment.late_policy == "refuse":
        return _("The deadline has passed; work is no longer accepted.")
    return None


def submit(
    assignment: Assignment, user_id: int, text: str, uploads: list[Upload], seen: int
) -> Submission:
    """Send the next version. `seen` is the number of the newest version the page showed: a
    second click of the same page (or a race of two) finds it taken and sends nothing."""
    latest = db.session.scalar(
        sa.select(Submission)
        .where(Submission.assignment_id == assignment.id, Submission.user_id == user_id)
        .order_by(Submission.number.desc())
        .limit(1)
    )
    if latest is not None and latest.number > seen:
        raise ServiceError(_("This version was already sent."))
    if reason := may_send(assignment, latest):
        raise ServiceError(reason)
    _check_content(assignment, text, uploads)
    due = due_date(assignment, latest)
    submission = Submission(
        assignment_id=assignment.id,
        user_id=user_id,
        number=seen + 1,
        text=text if assignment.takes_text else "",
        late=due is not None and utcnow() > due,
        status=WAITING,
    )
    try:
        with db.session.begin_nested():
            db.session.add(submission)
            db.session.flush()
    except IntegrityError:
        raise ServiceError(_("This version was already sent.")) from None
    for position, upload in enumerate(uploads):
        row = SubmissionFile(
            submission_id=submission.id,
            position=position,
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(upload.data),
            sha256=upload.sha256,
        )
        db.session.add(row)
        db.session.flush()
        write_after_commit(stored_path(submission.id, row.id), upload.data)
    if (draft := draft_of(assignment, user_id)) is not None:
        db.session.delete(draft)
    record(assignment, user_id, "submitted", {"extensions": {"version": submission.number}})
    db.session.flush()
    return submission


def _check_content(assignment: Assignment, text: str, uploads: list[Upload]) -> None:
    if len(text) > MAX_TEXT:
        raise ServiceError(_("The text is longer than %(num)d characters.", num=MAX_TEXT), "text")
    if assignment.takes_text and not text.strip():
        raise ServiceError(_("Write your answer before sending."), "text")
    if assignment.takes_files and not uploads:
        raise ServiceError(_("Attach at least one file."), "files")
    if not assignment.takes_files and uploads:
        raise ServiceError(_("This assignment takes text only."), "files")


def record(assignment: Assignment, user_id: int, verb: str, result: dict[str, Any]) -> None:
    """A learning-record statement about this learner and assignment."""
    course: Course = assignment.course
    record_event(
        user_id,
        verb,
        "assignment",
        f"courses/{course.slug}/assignments/{assignment.key}",
        object_name=assignment.title,
        course_id=course.id,
        result=result,
    )


def erase_files_of(submissions: list[Submission]) -> None:
    """Drop the stored bytes of these versions once their rows are deleted."""
    remove_after_commit([stored_path(s.id, f.id) for s in submissions for f in s.files])
