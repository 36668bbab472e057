"""Asking, answering, editing, deleting, accepting, moderating and reporting; services flush."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from cohorts.models import cohort_of
from cohorts.questions.models import PostReport, QuestionPost, QuestionThread
from courses.models import Course
from training.accounts.models import User
from training.db import utcnow
from training.errors import ServiceError
from training.extensions import db
from training.notifications.services import notify
from training.text import cut_words


def ask(course: Course, lesson_key: str, user: User, title: str, body: str) -> QuestionThread:
    """Open a thread under a lesson in the asker's group (their cohort, or self-paced)."""
    cohort = cohort_of(user.id, course.id)
    thread = QuestionThread(
        course_id=course.id,
        lesson_key=lesson_key,
        cohort_id=cohort.id if cohort else None,
        title=title.strip(),
        created_at=utcnow(),
    )
    thread.posts.append(
        QuestionPost(author_id=user.id, body=body, is_question=True, created_at=utcnow())
    )
    db.session.add(thread)
    db.session.flush()
    return thread


def thread_label(thread: QuestionThread, question: QuestionPost) -> str:
    """The thread's title, or the start of its question when it has none (for lists, notes)."""
    return thread.title or cut_words(question.body, 80) or _("Question")


def answer(
    thread: QuestionThread, question: QuestionPost, user: User, body: str, *, trainer: bool
) -> QuestionPost:
    """Add an answer (refused in a locked thread) and tell the asker it arrived."""
    if thread.locked:
        raise ServiceError(_("This thread is closed: new answers are not accepted."), "body")
    post = QuestionPost(
        thread_id=thread.id, author_id=user.id, body=body, by_trainer=trainer, created_at=utcnow()
    )
    db.session.add(post)
    db.session.flush()
    asker = question.author
    if asker is not None and asker.id != user.id and question.deleted_at is None:
        notify(
            asker,
            "question_answered",
            thread=thread.id,
            title=thread_label(thread, question),
            trainer=trainer,
        )
    return post


def edit(post: QuestionPost, body: str, title: str | None = None) -> None:
    """Change the text of one's own post (and the title, for a question)."""
    if post.deleted_at is not None:
        raise ServiceError(_("A deleted message cannot be edited."), "body")
    post.body = body
    post.edited_at = utcnow()
    if post.is_question and title is not None:
        post.thread.title = title.strip()
    db.session.flush()


def delete(post: QuestionPost) -> None:
    """Remove the text of one's own post; its place stays so the thread reads on."""
    post.body = ""
    post.deleted_at = utcnow()
    post.accepted = False
    db.session.flush()


def accept(thread: QuestionThread, post: QuestionPost) -> None:
    """Mark `post` as the accepted answer (the mark moves from any other one)."""
    if post.is_question or post.deleted_at is not None or post.hidden:
        raise ServiceError(_("Only a shown answer can be accepted."))
    db.session.execute(
        sa.update(QuestionPost)
        .where(QuestionPost.thread_id == thread.id, QuestionPost.id != post.id)
        .values(accepted=False),
        execution_options={"synchronize_session": "fetch"},
    )
    post.accepted = True
    db.session.flush()


def moderate(thread: QuestionThread, *, pinned: bool | None = None, locked: bool | None = None):
    """Pin or unpin, lock or unlock a thread (trainers)."""
    if pinned is not None:
        thread.pinned = pinned
    if locked is not None:
        thread.locked = locked
    db.session.flush()


def set_hidden(post: QuestionPost, hidden: bool) -> None:
    """Hide a post from learners, or show it again (trainers); a hidden answer is not accepted."""
    post.hidden = hidden
    if hidden:
        post.accepted = False
    db.session.flush()


def report(post: QuestionPost, user: User) -> bool:
    """Flag a post for the trainers; False when this person had already reported it."""
    if db.session.get(PostReport, (post.id, user.id)) is not None:
        return False
    db.session.add(PostReport(post_id=post.id, user_id=user.id, created_at=utcnow()))
    db.session.flush()
    return True
