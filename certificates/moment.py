"""The certificate where learners finish: announced on the course end and the final result,
and shown on their course cards."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, url_for
from flask_babel import gettext as _

from certificates import services
from certificates.forms import PublicNameForm
from certificates.models import Certificate
from courses.models import Course
from training.accounts.models import User
from training.db import utcnow
from training.extensions import db


def completion_notice(course: Course, user: User) -> str:
    """The certificate just earned (or why there is none), with its PDF, check page and the
    choice of the name strangers see."""
    certificate = services.current_certificate(user.id, course.id)
    if certificate is None:
        if not services.settings_for(course).enabled:
            return ""
        return render_template("certificates/_moment.html", c=None)
    form = PublicNameForm(
        prefix=f"c{certificate.id}", mode=certificate.name_mode, pseudonym=certificate.pseudonym
    )
    return render_template(
        "certificates/_moment.html",
        c=certificate,
        form=form,
        now=utcnow(),
        fmt=services.format_certificate_code,
    )


def course_awards(course_ids: list[int], user_id: int) -> dict[int, tuple[str, str]]:
    """The learner's latest certificate of each course as a card link, in one statement."""
    rows = db.session.execute(
        sa.select(Certificate.id, Certificate.course_id, Certificate.sequence)
        .where(Certificate.user_id == user_id, Certificate.course_id.in_(course_ids))
        .order_by(Certificate.course_id, Certificate.sequence)
    )
    latest = {course_id: certificate_id for certificate_id, course_id, _seq in rows}
    link = url_for("certificates.mine")
    return {
        course_id: (_("Your certificate"), f"{link}#certificate-{certificate_id}")
        for course_id, certificate_id in latest.items()
    }
