"""Forms of questions under lessons: asking, answering, editing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

BODY_MAX = 10_000  # a long answer fits; a pasted book does not


def _not_blank(_form: FlaskForm, field: TextAreaField) -> None:
    """Whitespace alone is not a message."""
    if not (field.data or "").strip():
        raise ValidationError(_l("Write the text of the message."))


class AskForm(FlaskForm):
    """A learner's question under a lesson: an optional title and the question."""

    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=200)])
    body = TextAreaField(
        _l("Your question"),
        validators=[_not_blank, Length(max=BODY_MAX)],
        description=_l("Markdown: **bold**, *italic*, lists, links."),
    )


class AnswerForm(FlaskForm):
    """An answer in a thread."""

    body = TextAreaField(_l("Your answer"), validators=[_not_blank, Length(max=BODY_MAX)])


class EditForm(FlaskForm):
    """One's own post changed; the title only for a question."""

    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[_not_blank, Length(max=BODY_MAX)])
