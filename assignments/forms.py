"""Forms: assignment settings, the learner's work, a trainer's review."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

_REQUIRED = _l("This field is required.")

HAND_IN_CHOICES = [
    SelectChoice("text", _l("Text")),
    SelectChoice("files", _l("Files")),
    SelectChoice("both", _l("Text and files")),
]
PASS_CHOICES = [
    SelectChoice("accepted", _l("Accepted by a reviewer")),
    SelectChoice("score", _l("Rubric score at least the pass mark")),
]
LATE_CHOICES = [
    SelectChoice("allow", _l("Accept late work and mark it late")),
    SelectChoice("refuse", _l("Refuse work after the deadline")),
]
REVIEW_CHOICES = [
    SelectChoice("trainer", _l("Trainers")),
    SelectChoice("peer", _l("Peers (other learners of the course)")),
    SelectChoice("self", _l("The learner (self-assessment)")),
    SelectChoice("mix", _l("A weighted mix")),
]
DECISION_CHOICES = [
    SelectChoice("accepted", _l("Accepted")),
    SelectChoice("revise", _l("Needs revision")),
    SelectChoice("rejected", _l("Not accepted")),
]
RUBRIC_HINT = _l(
    "One criterion per line (“Title | description”), its levels below it as "
    "“- points | title | description”."
)


def end_of_day(day: object) -> datetime | None:
    """A date picked in a form as the end of that day in the platform's time zone, in UTC."""
    if day is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(23, 59, 59), zone).astimezone(UTC)  # type: ignore[arg-type]


def local_day(moment: datetime | None) -> object:
    """The day of a stored moment in the platform's time zone (to prefill a date field)."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


class AssignmentForm(FlaskForm):
    """An assignment's settings."""

    title = StringField(_l("Title"), validators=[InputRequired(_REQUIRED), Length(max=200)])
    module = SelectField(_l("Place"), choices=[])
    task = TextAreaField(
        _l("Task (Markdown)"),
        validators=[InputRequired(_REQUIRED), Length(max=50_000)],
        render_kw={"rows": 10},
    )
    example = TextAreaField(
        _l("Example (Markdown, optional)"),
        validators=[Optional(), Length(max=50_000)],
        render_kw={"rows": 5},
    )
    template = SelectField(_l("Template to download"), choices=[])
    hand_in = SelectField(_l("What learners hand in"), choices=HAND_IN_CHOICES)
    rubric = TextAreaField(
        _l("Rubric"),
        validators=[Optional(), Length(max=20_000)],
        description=RUBRIC_HINT,
        render_kw={"rows": 8},
    )
    pass_rule = SelectField(_l("The assignment is passed when"), choices=PASS_CHOICES)
    pass_percent = IntegerField(
        _l("Pass mark, percent of the rubric's points"),
        validators=[InputRequired(_REQUIRED), NumberRange(0, 100)],
        default=60,
    )
    due_on = DateField(_l("Deadline (optional)"), validators=[Optional()])
    late_policy = SelectField(_l("After the deadline"), choices=LATE_CHOICES)
    review_mode = SelectField(_l("Who reviews the work"), choices=REVIEW_CHOICES, default="trainer")
    # The service says why a K out of 1–5 is refused; the form only reads a whole number.
    peer_reviews = IntegerField(
        _l("Peer reviews per version (1 to 5)"), validators=[Optional()], default=2
    )
    reviews_before_result = BooleanField(
        _l("A learner gives their peer reviews before seeing their own result"), default=True
    )
    weight_trainer = IntegerField(
        _l("Mix: trainer's weight, %"), validators=[Optional(), NumberRange(0, 100)], default=0
    )
    weight_peer = IntegerField(
        _l("Mix: peers' weight, %"), validators=[Optional(), NumberRange(0, 100)], default=0
    )
    weight_self = IntegerField(
        _l("Mix: self-assessment's weight, %"),
        validators=[Optional(), NumberRange(0, 100)],
        default=0,
    )
    required = BooleanField(_l("Required for completing the course"), default=True)
    is_open = BooleanField(_l("Open to learners"), default=True)


class WorkForm(FlaskForm):
    """The learner's answer: text and/or files; the button says save, preview or send."""

    text = TextAreaField(
        _l("Your answer (Markdown)"),
        validators=[Optional(), Length(max=100_000)],
        render_kw={"rows": 12},
    )
    files = MultipleFileField(_l("Files"))
    seen = HiddenField()


class PeerReviewForm(FlaskForm):
    """A peer's or the learner's own grade: rubric levels (radio inputs) and feedback."""

    feedback = TextAreaField(
        _l("Feedback (Markdown)"),
        validators=[Optional(), Length(max=50_000)],
        render_kw={"rows": 6},
    )


class ReviewForm(FlaskForm):
    """A trainer's review; the rubric's levels come as radio inputs named level-<criterion>."""

    feedback = TextAreaField(
        _l("Feedback (Markdown)"),
        validators=[Optional(), Length(max=50_000)],
        render_kw={"rows": 8},
    )
    decision = SelectField(_l("Decision"), choices=DECISION_CHOICES)
    revise_by = DateField(_l("New due date (for a revision)"), validators=[Optional()])


def chosen_levels(criteria: list[dict], data: dict) -> dict[int, int]:
    """The level chosen per criterion from the radio inputs level-<criterion index>."""
    from flask_babel import gettext

    from training.errors import ServiceError

    chosen = {}
    for index in range(len(criteria)):
        raw = data.get(f"level-{index}", "")
        if not raw.isascii() or not raw.isdigit() or len(raw) > 3:
            raise ServiceError(gettext("Choose a level for every criterion."), "levels")
        chosen[index] = int(raw)
    return chosen
