"""Forms for certificates: the holder's public name, revocation, course settings, lookup."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, IntegerField, RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional


class PublicNameForm(FlaskForm):
    """How the holder's name appears on the public verification page."""

    mode = RadioField(
        _l("Show my name publicly as"),
        choices=[
            SelectChoice("initials", _l("Initials only")),
            SelectChoice("full", _l("My full name")),
            SelectChoice("pseudonym", _l("A pseudonym")),
        ],
        default="initials",
    )
    pseudonym = StringField(_l("Pseudonym"), validators=[Optional(), Length(max=120)])


class RevokeForm(FlaskForm):
    """Why a certificate is revoked (shown publicly)."""

    reason = StringField(
        _l("Reason (shown on the verification page)"),
        validators=[InputRequired(_l("Give a reason for revoking.")), Length(max=500)],
    )


class CertificateSettingsForm(FlaskForm):
    """A course's certificate: issued or not, validity, hours printed."""

    enabled = BooleanField(_l("Issue certificates for this course"), default=True)
    validity_months = IntegerField(
        _l("Valid for, months"),
        validators=[Optional(), NumberRange(1, 600)],
        description=_l("Leave empty for no expiry."),
    )
    hours = FloatField(
        _l("Hours printed on the certificate"),
        validators=[Optional(), NumberRange(0.5, 10000)],
        description=_l("Leave empty to use the course's estimated duration."),
    )


class LookupForm(FlaskForm):
    """A certificate code typed by someone verifying it."""

    class Meta:
        csrf = False  # a GET lookup that changes nothing; no session needed to verify

    code = StringField(_l("Certificate code"), validators=[InputRequired(), Length(max=40)])
