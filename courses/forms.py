"""Forms for authoring courses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from courses.keys import TRANSLIT_JSON
from courses.services import CourseMeta

_REQUIRED = _l("This field is required.")
LANGUAGE_CHOICES = [SelectChoice("ru", _l("Russian")), SelectChoice("en", _l("English"))]


class CourseForm(FlaskForm):
    """A course's description (the outline is edited on the course page)."""

    title = StringField(_l("Title"), validators=[InputRequired(_REQUIRED), Length(max=200)])
    # After the title: it is made from the title (static/js/slug.js as it is typed, the
    # service when left empty) and stays editable.
    slug = StringField(
        _l("Address name"),
        validators=[Optional(), Length(max=64)],
        description=_l(
            "Latin letters, digits and dashes; part of the course's address. "
            "Made from the title if left empty; it cannot be changed later."
        ),
        render_kw={
            "autocomplete": "off",
            "spellcheck": "false",
            "data-slug-from": "title",
            "data-slug-max": "60",
            "data-translit": TRANSLIT_JSON,
        },
    )
    description = TextAreaField(_l("Short description"), validators=[Optional(), Length(max=2000)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    topics = StringField(
        _l("Topics"),
        validators=[Optional(), Length(max=400)],
        description=_l("Separated by commas, e.g. news, social networks."),
    )
    duration = IntegerField(
        _l("Estimated duration, minutes"),
        validators=[
            InputRequired(_REQUIRED),
            NumberRange(1, 100000, _l("Enter a number from 1 to 100000.")),
        ],
    )

    def course_meta(self) -> CourseMeta:
        """The submitted values (the service tidies and checks them)."""
        cover = getattr(self, "cover", None)
        return CourseMeta(
            title=self.title.data,
            description=self.description.data or "",
            language=self.language.data,
            topics=(self.topics.data or "").split(","),
            duration_minutes=self.duration.data,
            cover_filename=(cover.data or None) if cover is not None else None,
        )


class CourseEditForm(CourseForm):
    """The course's description once it exists: a cover can be chosen from its images."""

    # The address is fixed once the course exists (links and progress depend on it): the
    # page shows it as text and the view fills it in, so nothing is required from the form.
    slug = StringField(_l("Address name"))
    cover = SelectField(_l("Cover image"), choices=[], validate_choice=True)

    @classmethod
    def of(cls, slug: str, meta: CourseMeta) -> CourseEditForm:
        """The form filled with a course's current values."""
        return cls(
            slug=slug,
            title=meta.title,
            description=meta.description,
            language=meta.language,
            topics=", ".join(meta.topics),
            duration=meta.duration_minutes,
            cover=meta.cover_filename or "",
        )


class TitleForm(FlaskForm):
    """A module's title."""

    title = StringField(_l("Title"), validators=[InputRequired(_REQUIRED), Length(max=200)])


class LessonForm(FlaskForm):
    """A lesson: title, Markdown text, whether it is required, which module it is in."""

    title = StringField(_l("Title"), validators=[InputRequired(_REQUIRED), Length(max=200)])
    module = SelectField(_l("Module"), choices=[])
    body = TextAreaField(
        _l("Text (Markdown)"),
        validators=[Optional(), Length(max=200_000)],
        description=_l(
            "Headings with ##, lists with -, tables, footnotes[^1]. "
            "Images and handouts from the course files: ![description](media/name.png)."
        ),
        render_kw={"rows": 24, "spellcheck": "true"},
    )
    required = BooleanField(_l("Required for completing the course"), default=True)


class PublishForm(FlaskForm):
    """An optional note on what changed."""

    comment = StringField(_l("What changed (optional)"), validators=[Optional(), Length(max=500)])


class EditorForm(FlaskForm):
    """A co-author's username."""

    username = StringField(_l("Username"), validators=[InputRequired(_REQUIRED), Length(max=64)])


class MediaForm(FlaskForm):
    """One image or PDF file."""

    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])


class PackForm(FlaskForm):
    """A course pack (zip) to import."""

    pack = FileField(_l("Course pack (.zip)"), validators=[FileRequired(_l("Choose a file."))])
