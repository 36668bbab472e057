"""Forms of cohorts: settings with module dates, adding learners, joining, announcements."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from training.accounts.forms import RegisterForm

_REQUIRED = _l("This field is required.")


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def day_start(day: date | None) -> datetime | None:
    """A picked date as the start of that day in the union's time zone, in UTC."""
    if day is None:
        return None
    return datetime.combine(day, time.min, _zone()).astimezone(UTC)


def day_end(day: date | None) -> datetime | None:
    """A picked date as the end of that day in the union's time zone, in UTC."""
    if day is None:
        return None
    return datetime.combine(day, time(23, 59, 59), _zone()).astimezone(UTC)


def local_day(moment: datetime | None) -> date | None:
    """The day of a stored moment in the union's time zone (to prefill a date field)."""
    return None if moment is None else moment.astimezone(_zone()).date()


class CohortForm(FlaskForm):
    """A cohort's settings; module dates come as `opens-<key>` / `due-<key>` date inputs."""

    name = StringField(_l("Name"), validators=[InputRequired(_REQUIRED), Length(max=120)])
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(_REQUIRED)])
    ends_on = DateField(_l("Ends on (inclusive)"), validators=[InputRequired(_REQUIRED)])
    capacity = IntegerField(
        _l("Places (empty: no limit)"),
        validators=[Optional(), NumberRange(1, 10_000, _l("From 1 to 10,000."))],
    )
    organization = SelectField(
        _l("Organization new people are placed in"), choices=[], validate_choice=True
    )
    co_trainers = StringField(
        _l("Co-trainers (usernames, comma-separated)"),
        validators=[Optional(), Length(max=1000)],
        description=_l(
            "They see the cohort's gradebook, review its learners' work and grade their "
            "written answers, even in a course they do not co-author."
        ),
    )

    dates = HiddenField()  # where a bad module date's message goes (the inputs are per module)

    def usernames(self) -> list[str]:
        """The co-trainers typed, without blanks."""
        return [n.strip() for n in (self.co_trainers.data or "").split(",") if n.strip()]


def read_module_dates(
    form_data: Any, keys: list[str]
) -> tuple[dict[str, tuple[datetime | None, datetime | None]], dict[str, str]]:
    """Module dates from the posted form: ({key: (opens at, due at)}, {key: raw bad value})."""
    dates: dict[str, tuple[datetime | None, datetime | None]] = {}
    bad: dict[str, str] = {}
    for key in keys:
        picked: list[date | None] = []
        for prefix in ("opens", "due"):
            raw = (form_data.get(f"{prefix}-{key}") or "").strip()
            try:
                picked.append(date.fromisoformat(raw) if raw else None)
            except ValueError:
                bad[key] = raw[:20]
                picked.append(None)
        dates[key] = (day_start(picked[0]), day_end(picked[1]))
    return dates, bad


class MembersForm(FlaskForm):
    """Existing accounts a trainer adds to a cohort."""

    usernames = TextAreaField(
        _l("Usernames (one per line or comma-separated)"),
        validators=[InputRequired(_REQUIRED), Length(max=5000)],
        render_kw={"rows": 4},
    )

    def names(self) -> list[str]:
        """The usernames typed."""
        return [n for n in (self.usernames.data or "").replace(",", "\n").splitlines() if n.strip()]


class CodeForm(FlaskForm):
    """A cohort code typed on a course page."""

    code = StringField(
        _l("Cohort code"),
        validators=[InputRequired(_REQUIRED), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )


class JoinForm(FlaskForm):
    """The confirm button of a join page (CSRF only)."""


class JoinRegisterForm(RegisterForm):
    """A new person's account made through a cohort link (the cohort places them)."""

    invite = None  # type: ignore[assignment] - the cohort's organization places them


class AnnouncementForm(FlaskForm):
    """A trainer's message to a cohort."""

    body = TextAreaField(
        _l("Announcement (Markdown)"),
        validators=[InputRequired(_REQUIRED), Length(max=10_000)],
        render_kw={"rows": 5},
    )
