"""Forms for getting back in, the e-mail address and confirming one's identity."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from training.accounts.models import normalise_username

_REQUIRED = _l("This field is required.")
_CODE_ATTRS = {
    "autocomplete": "one-time-code",
    "autocapitalize": "characters",
    "spellcheck": "false",
}


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            _l("New password"),
            validators=[InputRequired(_REQUIRED), Length(max=1024)],
            description=_l("At least 8 characters. A few unrelated words make a strong password."),
            render_kw={"autocomplete": "new-password"},
        ),
        PasswordField(
            _l("Repeat the new password"),
            validators=[
                InputRequired(_REQUIRED),
                EqualTo("password", _l("The passwords do not match.")),
            ],
            render_kw={"autocomplete": "new-password"},
        ),
    )


class ForgotPasswordForm(FlaskForm):
    """Ask for a reset link: username or e-mail."""

    identifier = StringField(
        _l("Username or e-mail"),
        validators=[InputRequired(_REQUIRED), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )


class ResetPasswordForm(FlaskForm):
    """A new password, chosen through an e-mailed link."""

    password, confirm = _new_password_fields()


class ResetCodeForm(FlaskForm):
    """Username, the code from staff, and a new password."""

    username = StringField(
        _l("Username"),
        validators=[InputRequired(_REQUIRED), Length(max=64)],
        filters=[lambda v: normalise_username(v) if v else v],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    code = StringField(
        _l("Reset code"),
        validators=[InputRequired(_REQUIRED), Length(max=40)],
        description=_l("12 characters, e.g. AB12-CD34-EF56, as your organizer gave it to you."),
        render_kw=_CODE_ATTRS,
    )
    password, confirm = _new_password_fields()


class EmailForm(FlaskForm):
    """The account's e-mail address (empty removes it)."""

    email = EmailField(
        _l("E-mail (optional)"),
        validators=[Optional(), Length(max=254), Email(_l("Enter a valid e-mail address."))],
        description=_l("We send a link to confirm it; until then it receives nothing else."),
        render_kw={"autocomplete": "email"},
    )


class ConfirmIdentityForm(FlaskForm):
    """The password again (and a code, when two-factor is on)."""

    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_REQUIRED), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("Code"),
        validators=[Optional(), Length(max=40)],
        description=_l("From your authenticator app, or one of your recovery codes."),
        render_kw=_CODE_ATTRS,
    )
    next = HiddenField()
