"""Forms for administering user accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from training.accounts.models import ROLE_LABELS


class ChecklistField(SelectMultipleField):
    """Checkboxes for several choices, with a translated message for forged values."""

    def pre_validate(self, form: FlaskForm) -> None:
        allowed = {choice.value for choice in self.choices}
        if any(value not in allowed for value in self.data or ()):
            raise ValidationError(_l("Choose only from the listed options."))


class UserAdminForm(FlaskForm):
    """Roles, organization and whether the account may log in."""

    roles = ChecklistField(
        _l("Roles"),
        choices=[SelectChoice(str(r), label) for r, label in ROLE_LABELS.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    organization = SelectField(_l("Organization"), choices=[])
    active = BooleanField(_l("Account is active (may log in)"))


class AuditFilterForm(FlaskForm):
    """Filters of the audit page, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], default="", validate_choice=True)
    actor = StringField(
        _l("Done by (username)"),
        validators=[Optional(), Length(max=64)],
        filters=[lambda v: v.strip() if v else v],
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To (inclusive)"), validators=[Optional()])


class TwoFactorResetForm(FlaskForm):
    """The administrator's own password and code, before resetting someone's second factor."""

    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(_l("This field is required.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("Your code"),
        validators=[InputRequired(_l("This field is required.")), Length(max=40)],
        description=_l("From your authenticator app, or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters"},
    )
