"""Forms for the organization tree and invite codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from training.organizations.models import ORG_KIND_LABELS, Organization


def org_choices(orgs: list[Organization], *, allow_none: bool = False) -> list[SelectChoice]:
    """Select options showing the tree by indentation."""
    choices = [SelectChoice("", _l("— none (top of the tree) —"))] if allow_none else []
    choices += [SelectChoice(str(o.id), "\u00a0\u00a0" * o.depth + o.name) for o in orgs]
    return choices


class OrganizationForm(FlaskForm):
    """Name, level and place of an organization in the tree."""

    name = StringField(
        _l("Name"), validators=[InputRequired(_l("This field is required.")), Length(max=200)]
    )
    kind = SelectField(
        _l("Level"),
        choices=[SelectChoice(str(k), label) for k, label in ORG_KIND_LABELS.items()],
        validators=[InputRequired()],
    )
    parent = SelectField(_l("Part of"), choices=[], validate_choice=True)


class InviteForm(FlaskForm):
    """Settings of a new invite code."""

    expires_on = DateField(
        _l("Valid until (optional)"),
        validators=[Optional()],
        description=_l("The last day the code can be used."),
    )
    max_uses = IntegerField(
        _l("Number of uses (optional)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100000, message=_l("Enter a number from 1 to 100000.")),
        ],
        description=_l("Leave empty for no limit."),
    )
