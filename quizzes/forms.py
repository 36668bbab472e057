"""Forms for the question bank and quiz settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

_REQUIRED = _l("This field is required.")

REVIEW_CHOICES = [
    SelectChoice("score", _l("Score only")),
    SelectChoice("feedback", _l("Score and feedback")),
    SelectChoice("answers", _l("Score, feedback and the right answers")),
    SelectChoice("answers_when_passed", _l("Right answers only once passed")),
]
DONE_CHOICES = [
    SelectChoice("passed", _l("When passed")),
    SelectChoice("passed_or_exhausted", _l("When passed or all attempts are used")),
]


class GiftForm(FlaskForm):
    """Questions in Moodle's GIFT format: a file or pasted text."""

    file = FileField(_l("GIFT file"))
    text = TextAreaField(_l("…or paste GIFT text"), validators=[Optional(), Length(max=500_000)])
    category = StringField(
        _l("Category"),
        validators=[Optional(), Length(max=200)],
        description=_l("Used for questions the file does not place with $CATEGORY."),
    )


class QuestionForm(FlaskForm):
    """One question written in GIFT; saving makes a new version."""

    gift = TextAreaField(
        _l("Question in GIFT format"),
        validators=[InputRequired(_REQUIRED), Length(max=50_000)],
        render_kw={"rows": 12},
    )
    category = StringField(_l("Category"), validators=[Optional(), Length(max=200)])


class QuizForm(FlaskForm):
    """A quiz's settings."""

    title = StringField(_l("Title"), validators=[InputRequired(_REQUIRED), Length(max=200)])
    module = SelectField(_l("Place"), choices=[])
    intro = TextAreaField(_l("Introduction"), validators=[Optional(), Length(max=2000)])
    # New quizzes are open: a closed required quiz would stop every learner finishing.
    is_open = BooleanField(_l("Open to learners"), default=True)
    required = BooleanField(_l("Required for completing the course"), default=True)
    pass_mark = IntegerField(
        _l("Pass mark, %"), validators=[InputRequired(_REQUIRED), NumberRange(0, 100)], default=70
    )
    attempts_allowed = IntegerField(
        _l("Attempts allowed"),
        validators=[InputRequired(_REQUIRED), NumberRange(0, 1000)],
        default=0,
        description=_l("0 means unlimited."),
    )
    min_delay_minutes = FloatField(
        _l("Pause between attempts, minutes"),
        validators=[Optional(), NumberRange(0, 60 * 24 * 365)],
        default=0,
    )
    time_limit_minutes = FloatField(
        _l("Time limit, minutes"),
        validators=[Optional(), NumberRange(0.5, 60 * 24)],
        description=_l("Leave empty for no limit. Checked on the server."),
    )
    shuffle_questions = BooleanField(_l("Shuffle questions"))
    shuffle_options = BooleanField(_l("Shuffle answer options"), default=True)
    questions_per_page = IntegerField(
        _l("Questions per page"),
        validators=[InputRequired(_REQUIRED), NumberRange(0, 100)],
        default=5,
        description=_l("0 puts all questions on one page."),
    )
    review = SelectField(_l("After submitting, learners see"), choices=REVIEW_CHOICES)
    done_when = SelectField(_l("The quiz counts as done"), choices=DONE_CHOICES)


class RandomSlotForm(FlaskForm):
    """Draw N random questions from a category."""

    category = SelectField(_l("Category"), choices=[])
    count = IntegerField(
        _l("How many"), validators=[InputRequired(_REQUIRED), NumberRange(1, 100)], default=1
    )


class GradeForm(FlaskForm):
    """A trainer's grade for one essay answer: points or a percentage, and feedback."""

    score = StringField(
        _l("Grade"),
        validators=[InputRequired(message=_REQUIRED), Length(max=20)],
        description=_l("Points from 0 to 1 (0.5) or a percentage (50%)."),
    )
    comment = TextAreaField(
        _l("Feedback for the learner"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Markdown: **bold**, lists with “-”, links."),
    )
