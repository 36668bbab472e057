"""Forms of the privacy pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import InputRequired, Length


class DeleteAccountForm(FlaskForm):
    """The password again: deleting an account cannot be undone."""

    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(_l("This field is required.")), Length(max=1024)],
        description=_l("Enter it again to confirm that it is you."),
        render_kw={"autocomplete": "current-password"},
    )
