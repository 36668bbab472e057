"""The learning record: one append-only log of learning events, shaped like xAPI statements."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from training.accounts.models import User
from training.db import UTCDateTime, utcnow
from training.extensions import db
from training.hooks import event_recorded

# Our verbs and the xAPI verb IRIs they are exported as.
VERBS = {
    "enrolled": "http://adlnet.gov/expapi/verbs/registered",
    "viewed": "http://id.tincanapi.com/verb/viewed",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "attempted": "http://adlnet.gov/expapi/verbs/attempted",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "certified": "https://w3id.org/xapi/adl/verbs/achieved",
    "submitted": "http://activitystrea.ms/schema/1.0/submit",
    "scored": "http://adlnet.gov/expapi/verbs/scored",
}

ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "module": "http://adlnet.gov/expapi/activities/module",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "assignment": "http://id.tincanapi.com/activitytype/school-assignment",
}


class LearningEvent(db.Model):
    """Who did what to which learning object, when, with what result (append-only)."""

    __tablename__ = "learning_events"
    __table_args__ = (
        sa.Index("ix_learning_events_actor_time", "actor_id", "timestamp"),
        sa.Index("ix_learning_events_course_verb", "course_id", "verb"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(
        sa.String(36), unique=True, default=lambda: str(uuid.uuid4())
    )
    # NULL once the account is deleted or anonymised: the fact stays, the person goes.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Set when the actor is anonymised: a random token shared by that person's events only,
    # so distinct-learner totals stay right without any link back to the person.
    actor_ref: Mapped[str | None] = mapped_column(sa.String(32))
    # The actor's organization when the event happened: statistics count it there for good,
    # even if the person later moves or is deleted. No foreign key: the log outlives the tree.
    organization_id: Mapped[int | None]
    verb: Mapped[str] = mapped_column(sa.String(16))
    object_type: Mapped[str] = mapped_column(sa.String(16))
    # Path of the object below the platform's address, e.g. "courses/news/lessons/intro".
    object_path: Mapped[str] = mapped_column(sa.String(300))
    object_name: Mapped[str] = mapped_column(sa.String(300), default="")
    # Course the event belongs to, for statistics; no foreign key: the log outlives courses.
    course_id: Mapped[int | None] = mapped_column(index=True)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    context: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


def record_event(
    actor_id: int | None,
    verb: str,
    object_type: str,
    object_path: str,
    *,
    object_name: str = "",
    course_id: int | None = None,
    result: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> LearningEvent:
    """Append one event to the learning record (flushed with the request's transaction)."""
    if verb not in VERBS or object_type not in ACTIVITY_TYPES:
        raise ValueError(f"unknown verb or object type: {verb} {object_type}")
    actor = db.session.get(User, actor_id) if actor_id is not None else None
    event = LearningEvent(
        actor_id=actor_id,
        organization_id=actor.organization_id if actor is not None else None,
        verb=verb,
        object_type=object_type,
        object_path=object_path,
        object_name=object_name[:300],
        course_id=course_id,
        result=result,
        context=context,
    )
    db.session.add(event)
    event_recorded.send(None, event=event)
    return event


def new_actor_ref() -> str:
    """A fresh random reference standing in for one anonymised person (128 bits, hex)."""
    return secrets.token_hex(16)


def anonymise_actor(actor_id: int) -> int:
    """Cut every event of one account loose from it; returns how many events changed.

    All of the person's events get the same new random `actor_ref`, so statistics still count
    one learner, and nothing leads back to the account. Events anonymised earlier (actor_id
    already NULL) are out of reach and keep their own reference.
    """
    result = db.session.execute(
        sa.update(LearningEvent)
        .where(LearningEvent.actor_id == actor_id)
        .values(actor_id=None, actor_ref=new_actor_ref()),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# BCP 47 "undetermined": the language of a name whose course is gone from the database.
UNKNOWN_LANGUAGE = "und"


def xapi_actor_name(event: LearningEvent) -> str:
    """The opaque account name of the event's person in exported statements.

    An account's number while it exists; after anonymisation the person's own random
    reference, so an LRS still counts each anonymised person once (and never two as one).
    An event cut loose with neither (never done by this platform) stands alone.
    """
    if event.actor_id is not None:
        return str(event.actor_id)
    if event.actor_ref:
        return event.actor_ref  # 32 hex characters: no account number is that long
    return f"unlinked-{event.statement_id}"


def to_xapi(
    event: LearningEvent, base_url: str, language: str = UNKNOWN_LANGUAGE
) -> dict[str, Any]:
    """The event as an xAPI 1.0.3 statement for a Learning Record Store.

    The actor is an account on this platform identified by an opaque name, never a person's
    name. `language` tags the object's name: the language of the course it belongs to.
    """
    base = base_url.rstrip("/")
    actor_name = xapi_actor_name(event)
    statement: dict[str, Any] = {
        "id": event.statement_id,
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": base + "/", "name": actor_name},
        },
        "verb": {"id": VERBS[event.verb], "display": {"en-US": event.verb}},
        "object": {
            "objectType": "Activity",
            "id": f"{base}/{event.object_path}",
            "definition": {"type": ACTIVITY_TYPES[event.object_type]},
        },
        "timestamp": event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "version": "1.0.3",
    }
    if event.object_name:
        statement["object"]["definition"]["name"] = {language: event.object_name}
    if event.result:
        statement["result"] = event.result
    context = dict(event.context or {})
    parent = context.pop("parent", None)
    xapi_context: dict[str, Any] = {"platform": "union-training"}
    if parent:
        xapi_context["contextActivities"] = {
            "parent": [{"objectType": "Activity", "id": f"{base}/{parent}"}]
        }
    extensions = {}
    if "revision" in context:
        extensions[f"{base}/xapi/revision"] = context["revision"]
    if "attempt" in context:
        extensions[f"{base}/xapi/attempt"] = context["attempt"]
    if "items" in context:
        # Score of each question (by its id on this platform) in a graded attempt.
        extensions[f"{base}/xapi/question-scores"] = context["items"]
    if extensions:
        xapi_context["extensions"] = extensions
    statement["context"] = xapi_context
    return statement
