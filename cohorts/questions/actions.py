"""Buttons of a thread: delete one's own post, accept an answer, hide, report, pin, lock."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from cohorts.questions import services
from cohorts.questions.loading import Loaded, load_post, load_thread
from cohorts.questions.views import bp, posting
from training.transaction import service_errors


def _back(loaded: Loaded, post_id: int | None = None) -> Response:
    anchor = f"post-{post_id}" if post_id else None
    return redirect(url_for(".thread", thread_id=loaded.thread.id, _anchor=anchor))


@bp.route("/questions/posts/<int:post_id>/delete", methods=["POST"])
@login_required
def delete(post_id: int) -> Response:
    """Delete one's own post: its text goes, its place stays (others' posts: 403)."""
    loaded, post = load_post(post_id)
    if post.author_id != current_user.id:
        abort(403)
    if post.deleted_at is None:
        services.delete(post)
        flash(_("Your message is deleted."), "success")
    return _back(loaded, post.id)


@bp.route("/questions/posts/<int:post_id>/accept", methods=["POST"])
@login_required
def accept(post_id: int) -> Response:
    """Mark the accepted answer: the asker or a trainer of the thread."""
    loaded, post = load_post(post_id)
    if not (loaded.moderator or loaded.asker):
        abort(403)
    with service_errors() as outcome:
        services.accept(loaded.thread, post)
    if outcome.ok:
        flash(_("The answer is marked as accepted."), "success")
    return _back(loaded, post.id)


@bp.route("/questions/posts/<int:post_id>/hide", methods=["POST"])
@login_required
def hide(post_id: int) -> Response:
    """Hide a post from learners, or show it again (trainers of the thread)."""
    loaded, post = load_post(post_id)
    if not loaded.moderator:
        abort(403)
    services.set_hidden(post, not post.hidden)
    flash(_("The message is hidden from learners.") if post.hidden else _("The message is shown."))
    return _back(loaded, post.id)


@bp.route("/questions/posts/<int:post_id>/report", methods=["POST"])
@login_required
@posting
def report(post_id: int) -> Response:
    """Report a post to the trainers, once per person."""
    loaded, post = load_post(post_id)
    if services.report(post, current_user):
        flash(_("Thank you: the trainers will look at this message."), "success")
    else:
        flash(_("You have already reported this message."), "info")
    return _back(loaded, post.id)


@bp.route("/questions/<int:thread_id>/pin", methods=["POST"])
@login_required
def pin(thread_id: int) -> Response:
    """Pin a thread at the top of the lesson's questions, or unpin it (trainers)."""
    loaded = load_thread(thread_id)
    if not loaded.moderator:
        abort(403)
    services.moderate(loaded.thread, pinned=not loaded.thread.pinned)
    flash(_("The thread is pinned.") if loaded.thread.pinned else _("The thread is unpinned."))
    return _back(loaded)


@bp.route("/questions/<int:thread_id>/lock", methods=["POST"])
@login_required
def lock(thread_id: int) -> Response:
    """Close a thread to new answers, or open it again (trainers)."""
    loaded = load_thread(thread_id)
    if not loaded.moderator:
        abort(403)
    services.moderate(loaded.thread, locked=not loaded.thread.locked)
    flash(_("The thread is closed.") if loaded.thread.locked else _("The thread is open again."))
    return _back(loaded)
