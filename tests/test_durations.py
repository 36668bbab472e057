"""Durations shown honestly: a 45-minute course is «45 мин» on the page, PDF and credential."""

from __future__ import annotations

import jwt
import pytest
import sqlalchemy as sa

from certificates.models import Certificate, CertificateSettings
from certificates.pdf_text import duration_text
from courses.models import Course
from tests.conftest import post
from tests.course_helpers import build_course
from tests.test_certificate_pdf import text_of
from training.extensions import db


@pytest.fixture(autouse=True)
def keys_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))


@pytest.mark.parametrize(
    ("hours", "ru", "en"),
    [
        (0.75, "45 мин", "45 min"),
        (1.0, "1 ч.", "1 h"),
        (1.5, "1 ч. 30 мин", "1 h 30 min"),
        (50 / 60, "50 мин", "50 min"),  # stored rounded; still the same minute
        (round(50 / 60, 4), "50 мин", "50 min"),
        (36.0, "36 ч.", "36 h"),
    ],
)
def test_duration_text_is_to_the_minute(hours, ru, en):
    assert duration_text(hours, "ru") == ru
    assert duration_text(hours, "en") == en


def certify(client, users, minutes: int, hours_setting: float | None = None) -> Certificate:
    course = build_course(users["trainer"])
    course = db.session.get(Course, course.id)
    course.duration_minutes = course.published_revision.duration_minutes = minutes
    if hours_setting is not None:
        db.session.add(CertificateSettings(course_id=course.id, hours=hours_setting))
    db.session.commit()
    post(client, "/courses/info-work/enroll")
    for key in ("intro", "plan", "reach"):
        post(client, f"/courses/info-work/lessons/{key}/done")
    db.session.expire_all()
    return db.session.scalar(sa.select(Certificate))


def test_a_45_minute_course_is_45_minutes_everywhere(login_as, users, tmp_path):
    learner = login_as("learner")
    certificate = certify(learner, users, 45)
    assert certificate.hours == 0.75

    page = learner.get("/courses/info-work").get_data(as_text=True)
    assert "45 мин" in page and "1 ч" not in page
    pdf = learner.get(f"/certificates/{certificate.id}/certificate.pdf").data
    text = text_of(pdf, tmp_path)
    assert "Объём: 45 мин" in text and "1 ч." not in text
    token = learner.get(f"/certificates/{certificate.id}/credential.jwt").get_data(as_text=True)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["credentialSubject"]["achievement"]["creditsAvailable"] == 0.75


def test_hours_set_by_the_trainer_are_printed_as_set(login_as, users, tmp_path):
    learner = login_as("learner")
    certificate = certify(learner, users, 45, hours_setting=2.5)
    text = text_of(learner.get(f"/certificates/{certificate.id}/certificate.pdf").data, tmp_path)
    assert "Объём: 2 ч. 30 мин" in text
    token = learner.get(f"/certificates/{certificate.id}/credential.jwt").get_data(as_text=True)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["credentialSubject"]["achievement"]["creditsAvailable"] == 2.5
