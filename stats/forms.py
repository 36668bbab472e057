"""The dashboard filters: a GET form (it changes nothing, so it needs no CSRF token)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectChoice, SelectField
from wtforms.fields import DateField
from wtforms.validators import Optional

from courses.models import Course
from stats.counting import week_of
from training.db import utcnow

PERIODS = [
    SelectChoice("4", _l("Last 4 weeks")),
    SelectChoice("12", _l("Last 12 weeks")),
    SelectChoice("26", _l("Last 26 weeks")),
    SelectChoice("52", _l("Last 52 weeks")),
    SelectChoice("all", _l("All time")),
    SelectChoice("custom", _l("Dates below")),
]
EARLIEST = date(2000, 1, 3)  # a Monday before any course here
LONGEST = timedelta(days=10 * 366)


class FilterForm(Form):
    """Period, course and language of a dashboard."""

    period = SelectField(_l("Period"), choices=PERIODS, default="12")
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    course = SelectField(_l("Course"), default="", choices=[])
    language = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("All languages")),
            SelectChoice("ru", "Русский"),
            SelectChoice("en", "English"),
        ],
        default="",
    )

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the period: both dates, in order, at most ten years apart."""
        valid = super().validate(extra_validators)
        if self.period.data != "custom" or self.start.errors or self.end.errors:
            return valid
        if self.start.data is None or self.end.data is None:
            self.end.errors.append(_l("Give both dates of the period."))
        elif self.end.data < self.start.data:
            self.end.errors.append(_l("The period ends before it starts."))
        elif self.end.data - self.start.data > LONGEST:
            self.end.errors.append(_l("The period may be at most ten years long."))
        else:
            return valid
        return False

    def period_dates(self) -> tuple[date, date]:
        """First Monday and last Sunday of the chosen period, whole weeks."""
        today = utcnow().date()
        last_sunday = week_of(today) + timedelta(days=6)
        if self.start.data and self.end.data and self.period.data != "custom":
            # Dates typed in with a preset still chosen: the dates are what the person meant.
            self.period.data = "custom"
        if self.period.data == "custom" and self.start.data and self.end.data:
            return week_of(self.start.data), week_of(self.end.data) + timedelta(days=6)
        if self.period.data in ("all", "custom"):  # "custom" without its dates: everything
            return EARLIEST, last_sunday
        weeks = int(self.period.data or 12)
        return week_of(today) - timedelta(weeks=weeks - 1), last_sunday


def course_choices(courses: list[Course]) -> list[SelectChoice]:
    """ "All courses", then each published course by title."""
    choices = [SelectChoice("", _l("All courses"))]
    return choices + [SelectChoice(str(c.id), c.published_revision.title) for c in courses]
