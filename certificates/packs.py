"""Certificate settings in course packs: `certificate:` in course.yaml."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from certificates.models import CertificateSettings
from courses.models import Course
from courses.packs import CoursePack, PackError, PackProblem
from courses.packs.checks import line_of
from training.accounts.models import User
from training.extensions import db

FIELDS: dict[str, tuple[type, ...]] = {
    "enabled": (bool,),
    "validity_months": (int, type(None)),
    "hours": (int, float, type(None)),
}


def export_certificate(course: Course, pack: CoursePack) -> None:
    """Write the course's certificate settings when a trainer has set them."""
    row = db.session.get(CertificateSettings, course.id)
    if row is None:
        return
    data: dict[str, Any] = {"enabled": row.enabled}
    if row.validity_months:
        data["validity_months"] = row.validity_months
    if row.hours:
        data["hours"] = int(row.hours) if row.hours == int(row.hours) else row.hours
    pack.certificate = data


def import_certificate(course: Course, pack: CoursePack, _user: User) -> None:
    """Apply the pack's certificate settings (refusing the pack when they are malformed)."""
    if not pack.certificate:
        return
    problems = []
    for name, value in pack.certificate.items():
        kinds = FIELDS.get(name)
        where = line_of(pack.course_node, ("certificate", name))
        if kinds is None:
            message = _("Unknown certificate setting “%(name)s”.", name=name)
            problems.append(PackProblem("course.yaml", where, message))
        elif not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            message = _("“%(name)s” has the wrong type.", name=name)
            problems.append(PackProblem("course.yaml", where, message))
    if problems:
        raise PackError(problems)
    row = db.session.get(CertificateSettings, course.id) or CertificateSettings(course_id=course.id)
    row.enabled = pack.certificate.get("enabled", True)
    row.validity_months = pack.certificate.get("validity_months")
    row.hours = pack.certificate.get("hours")
    db.session.add(row)
    db.session.flush()
