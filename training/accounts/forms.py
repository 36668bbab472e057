"""Forms for registration, login, password change and the profile."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from training.accounts.models import normalise_username

_REQUIRED = _l("This field is required.")


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(
        _l("Username"),
        validators=[InputRequired(_REQUIRED), Length(max=64)],
        filters=[lambda v: normalise_username(v) if v else v],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_REQUIRED), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class RegisterForm(FlaskForm):
    """A new learner's account; e-mail is optional by design."""

    invite = StringField(
        _l("Invite code"),
        validators=[Optional(), Length(max=40)],
        description=_l("From your union organization, e.g. AB12C-DE34F."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )
    username = StringField(
        _l("Username"),
        validators=[InputRequired(_REQUIRED), Length(max=64)],
        filters=[lambda v: normalise_username(v) if v else v],
        description=_l("3 to 32 letters, digits, dots, dashes or underscores. Others will see it."),
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    display_name = StringField(
        _l("Your name (optional)"),
        validators=[Optional(), Length(max=120)],
        description=_l("Used on your certificates. You decide later how it is shown publicly."),
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("E-mail (optional)"),
        validators=[Optional(), Length(max=254), Email(_l("Enter a valid e-mail address."))],
        description=_l(
            "Not required. With a confirmed address you can reset a forgotten password yourself."
        ),
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_REQUIRED), Length(max=1024)],
        description=_l("At least 8 characters. A few unrelated words make a strong password."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            InputRequired(_REQUIRED),
            EqualTo("password", _l("The passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """As usual; on a mismatch both password fields are marked (both come back empty)."""
        valid = super().validate(extra_validators)
        if self.confirm.errors and not self.password.errors and self.password.data:
            self.password.errors = [*self.password.errors, _l("Type it again in both fields.")]
        return valid


class PasswordChangeForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_REQUIRED), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_REQUIRED), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(_REQUIRED),
            EqualTo("new_password", _l("The passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ProfileForm(FlaskForm):
    """The name a user may keep with us (the e-mail address has its own page)."""

    display_name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=120)])


_CODE_ATTRS = {
    "autocomplete": "one-time-code",
    "autocapitalize": "characters",
    "spellcheck": "false",
}


class TwoFactorLoginForm(FlaskForm):
    """The second step of a login: a code from the app or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[InputRequired(_REQUIRED), Length(max=40)],
        description=_l(
            "The 6-digit code from your authenticator app. Lost your phone? Enter one of "
            "your recovery codes instead."
        ),
        render_kw=_CODE_ATTRS,
    )


class TwoFactorSetupForm(FlaskForm):
    """Confirm that the authenticator app was set up with our secret."""

    code = StringField(
        _l("Code from the app"),
        validators=[InputRequired(_REQUIRED), Length(max=40)],
        description=_l("6 digits; the app shows a new one every 30 seconds."),
        render_kw={**_CODE_ATTRS, "inputmode": "numeric"},
    )


class TwoFactorDisableForm(FlaskForm):
    """Turning two-factor off needs both the password and a code."""

    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_REQUIRED), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("Code"),
        validators=[InputRequired(_REQUIRED), Length(max=40)],
        description=_l("From your authenticator app, or one of your recovery codes."),
        render_kw=_CODE_ATTRS,
    )


class RecoveryCodesForm(FlaskForm):
    """New recovery codes need the password."""

    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_REQUIRED), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state (logout, delete)."""
