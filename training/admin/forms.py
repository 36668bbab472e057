"""Forms for administering user accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from training.accounts.models import ROLE_LABELS


class UserAdminForm(FlaskForm):
    """Roles, organization and whether the account may log in."""

    roles = SelectMultipleField(
        _l("Roles"),
        choices=[SelectChoice(str(r), label) for r, label in ROLE_LABELS.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    organization = SelectField(_l("Organization"), choices=[])
    active = BooleanField(_l("Account is active (may log in)"))
