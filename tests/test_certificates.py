"""Certificates: issued on completion exactly once, verifiable, revocable, private by default."""

from __future__ import annotations

import json
from calendar import monthrange
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from certificates import services
from certificates.models import Certificate, CertificateSettings, initials
from courses.models import Lesson, LessonProgress
from tests.conftest import login, post
from tests.course_helpers import build_course
from tests.download_helpers import download_name
from tests.quiz_helpers import RIGHT, build_quiz, enroll, form_fields
from training.audit import AuditEvent
from training.db import utcnow
from training.extensions import db


@pytest.fixture(autouse=True)
def keys_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def finish_lessons(client, slug: str = "info-work") -> None:
    for key in ("intro", "plan", "reach"):
        post(client, f"/courses/{slug}/lessons/{key}/done")


def certificate() -> Certificate:
    db.session.expire_all()
    return db.session.scalar(sa.select(Certificate))


def test_issued_at_completion_exactly_once(login_as, users):
    build_course(users["trainer"])
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    post(client, "/courses/info-work/lessons/intro/done")
    assert count(Certificate) == 0
    finish_lessons(client)
    finish_lessons(client)  # done again: nothing new
    assert count(Certificate) == 1
    cert = certificate()
    assert cert.holder_name == users["learner"].username  # no display name was given
    assert cert.name_mode == "initials" and cert.revision_number == 1
    assert len(cert.code) == services.CODE_LENGTH
    assert services.issue_if_complete(users["learner"].id, cert.course_id) is None


def test_the_unique_constraint_stops_a_second_certificate(ctx, users):
    course = build_course(users["trainer"])

    def first_certificate() -> Certificate:
        return Certificate(
            code=services.new_code(),
            user_id=users["learner"].id,
            course_id=course.id,
            sequence=1,
            revision_number=1,
            course_title="x",
            hours=1,
            issuer_name="x",
        )

    db.session.add(first_certificate())
    db.session.flush()
    db.session.add(first_certificate())
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_required_quiz_must_be_passed_and_optional_parts_are_skipped(login_as, users):
    course, quiz = build_quiz(users["trainer"], questions_per_page=0)
    db.session.execute(sa.update(Lesson).where(Lesson.key == "reach").values(required=False))
    from courses import publishing

    publishing.publish(course, users["trainer"])
    db.session.commit()
    enroll(users["learner"], course)
    client = login_as("learner")
    for key in ("intro", "plan"):
        post(client, f"/courses/info-work/lessons/{key}/done")
    assert count(Certificate) == 0  # the quiz is still to pass
    post(client, f"/courses/info-work/quizzes/{quiz.key}/start")
    from quizzes.models import Attempt

    attempt = db.session.scalar(sa.select(Attempt))
    data = {"page": 0, "action": "submit"}
    for item in attempt.items:
        data.update(form_fields(item, RIGHT[item.version.name]))
    post(client, f"/courses/info-work/quizzes/{quiz.key}/attempts/{attempt.id}", data)
    assert count(Certificate) == 1  # "reach" is optional


def test_validity_expiry_and_renewal(login_as, users):
    course = build_course(users["trainer"])
    db.session.add(CertificateSettings(course_id=course.id, validity_months=12))
    db.session.commit()
    client = login_as("learner")
    post(client, "/courses/info-work/enroll")
    finish_lessons(client)
    cert = certificate()
    issued = cert.issued_at
    last_day = monthrange(issued.year + 1, issued.month)[1]  # 29 February -> 28 February
    assert cert.expires_at == issued.replace(year=issued.year + 1, day=min(issued.day, last_day))
    cert.issued_at -= timedelta(days=400)  # a year and more passes
    cert.expires_at -= timedelta(days=400)
    for row in db.session.scalars(sa.select(LessonProgress)):
        row.completed_at -= timedelta(days=400)
    db.session.commit()
    page = client.get(f"/verify/{services.format_certificate_code(cert.code)}").get_data(
        as_text=True
    )
    assert "Срок действия сертификата истёк" in page
    # lessons done before the old certificate do not renew it…
    assert services.issue_if_complete(users["learner"].id, course.id) is None
    # …doing them again does
    db.session.execute(sa.text("UPDATE lesson_progress SET completed_at = NULL"))
    db.session.commit()
    finish_lessons(client)
    assert count(Certificate) == 2
    renewed = db.session.scalar(sa.select(Certificate).where(Certificate.sequence == 2))
    assert renewed.status(renewed.issued_at) == "valid"


def test_verification_page_shows_only_what_the_holder_chose(client, login_as, users, make_user):
    build_course(users["trainer"])
    holder = make_user("activist", display_name="Анна Петровна Иванова")
    login(client, "activist")
    post(client, "/courses/info-work/enroll")
    finish_lessons(client)
    cert = certificate()
    url = f"/verify/{services.format_certificate_code(cert.code)}"
    page = client.get(url).get_data(as_text=True)
    assert "А. П. И." in page and "Иванова" not in page and "activist" not in page
    assert "Информационная работа" in page
    r = post(
        client,
        f"/certificates/{cert.id}/name",
        {f"c{cert.id}-mode": "pseudonym", f"c{cert.id}-pseudonym": ""},
    )
    assert certificate().name_mode == "initials"  # a pseudonym must be given
    post(
        client,
        f"/certificates/{cert.id}/name",
        {f"c{cert.id}-mode": "pseudonym", f"c{cert.id}-pseudonym": "Сова"},
    )
    assert "Сова" in client.get(url).get_data(as_text=True)
    post(client, f"/certificates/{cert.id}/name", {f"c{cert.id}-mode": "full"})
    assert "Анна Петровна Иванова" in client.get(url).get_data(as_text=True)
    assert r.status_code == 302 and holder.id


def test_certificate_settings_are_saved_or_refused_whole(login_as, users):
    course = build_course(users["trainer"])
    client = login_as("trainer")
    url = "/author/info-work/certificate"
    refused = post(client, url, {"enabled": "y", "validity_months": "0", "hours": "2"})
    assert refused.status_code == 422
    assert db.session.get(CertificateSettings, course.id) is None
    saved = post(client, url, {"enabled": "y", "validity_months": "24", "hours": "2"})
    assert saved.status_code == 302
    row = db.session.get(CertificateSettings, course.id)
    assert (row.enabled, row.validity_months, row.hours) == (True, 24, 2.0)


def test_unknown_and_garbled_codes_get_a_plain_not_found(client):
    for code in ("ABCD-EFGH-JKMN-PQRS-TVWX", "garbage", "<script>", "0" * 200):
        r = client.get(f"/verify/{code}")
        assert r.status_code == 404
        assert "<script>" not in r.get_data(as_text=True)
    assert client.get("/verify/nope/status").status_code == 404
    r = client.get("/verify?code=  abcd-efgh ")
    assert r.status_code == 302


def test_lookup_is_rate_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_LIMIT_PER_IP", "5 per minute")
    codes = [client.get(f"/verify/AAAA-BBBB-CCCC-DDDD-{n:04d}").status_code for n in range(7)]
    assert codes[:5] == [404] * 5 and codes[5:] == [429, 429]


def test_revocation_with_reason_audit_and_undo(client, login_as, users, make_user):
    from training.accounts.models import Role

    build_course(users["trainer"])
    learner = login_as("learner")
    post(learner, "/courses/info-work/enroll")
    finish_lessons(learner)
    cert = certificate()
    url = f"/verify/{services.format_certificate_code(cert.code)}"
    post(learner, "/account/logout")
    # a learner and a trainer who does not own the course cannot revoke
    login(client, "learner")
    assert post(client, f"/certificates/{cert.id}/revoke", {"reason": "x"}).status_code == 403
    post(client, "/account/logout")
    make_user("other-trainer", Role.TRAINER)
    login(client, "other-trainer")
    assert post(client, f"/certificates/{cert.id}/revoke", {"reason": "x"}).status_code == 403
    post(client, "/account/logout")
    login(client, "trainer")
    # a forged request without the CSRF token changes nothing
    assert client.post(f"/certificates/{cert.id}/revoke", data={"reason": "x"}).status_code == 400
    assert certificate().revoked_at is None
    r = post(client, f"/certificates/{cert.id}/revoke", {"reason": ""})
    assert r.status_code == 422 and certificate().revoked_at is None
    post(client, f"/certificates/{cert.id}/revoke", {"reason": "Выдан по ошибке"})
    assert certificate().revoked_at is not None
    page = client.get(url).get_data(as_text=True)
    assert "Выдан по ошибке" in page
    status = json.loads(client.get(url + "/status").get_data(as_text=True))
    assert status["status"] == "revoked" and status["reason"] == "Выдан по ошибке"
    assert status["revokedCredentials"] == [
        {
            "id": "http://127.0.0.1:5000" + url,
            "revoked": True,
            "revocationReason": "Выдан по ошибке",
        }
    ]
    post(client, f"/certificates/{cert.id}/unrevoke")
    assert certificate().revoked_at is None
    # The course's list of certificates: on a phone each stacked cell names its column.
    issued = client.get("/author/info-work/certificates").get_data(as_text=True)
    for label in ("Код", "Слушатель", "Выдан", "Статус"):
        assert issued.count(f'data-label="{label}"') == 1, label
    assert json.loads(client.get(url + "/status").get_data(as_text=True))["status"] == "valid"
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.action.startswith("certificate."))  # staff enrolling 2FA is audited too
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["certificate.revoke", "certificate.unrevoke"]


def test_pdf_and_credential_are_for_the_holder_only(
    app, client, login_as, users, make_user, tmp_path
):
    build_course(users["trainer"])
    learner = login_as("learner")
    post(learner, "/courses/info-work/enroll")
    finish_lessons(learner)
    cert = certificate()
    pdf = learner.get(f"/certificates/{cert.id}/certificate.pdf")
    assert pdf.data.startswith(b"%PDF-")
    assert download_name(pdf) == f"certificate-{cert.code}.pdf"
    credential = learner.get(f"/certificates/{cert.id}/credential.jwt")
    assert credential.mimetype == "application/vc+jwt"
    assert download_name(credential) == f"certificate-{cert.code}.jwt"
    token = credential.get_data(as_text=True)
    assert token.count(".") == 2
    post(learner, "/account/logout")
    make_user("nosy")
    login(client, "nosy")
    assert client.get(f"/certificates/{cert.id}/certificate.pdf").status_code == 403
    assert client.get(f"/certificates/{cert.id}/credential.jwt").status_code == 403
    assert client.get("/certificates/999999/certificate.pdf").status_code == 404

    # offline verification with the CLI, and a tampered copy that fails
    path = tmp_path / "cert.jwt"
    path.write_text(token)
    runner = app.test_cli_runner()
    r = runner.invoke(args=["certificates", "verify", str(path)])
    assert r.exit_code == 0, r.output
    assert "signature: valid" in r.output and "Информационная работа" in r.output
    head, body, signature = token.split(".")
    tampered = tmp_path / "tampered.jwt"
    tampered.write_text(
        ".".join([head, body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB"), signature])
    )
    r = runner.invoke(args=["certificates", "verify", str(tampered)])
    assert r.exit_code != 0 and "signature does not hold" in r.output


def test_published_keys_and_issuer(client):
    jwks = json.loads(client.get("/issuer/jwks.json").get_data(as_text=True))
    assert jwks["keys"] and all("d" not in key for key in jwks["keys"])
    profile = json.loads(client.get("/issuer").get_data(as_text=True))
    assert "Profile" in profile["type"]


def test_initials():
    assert initials("Лев Николаевич Толстой") == "Л. Н. Т."
    assert initials("") == ""
    assert initials("anna") == "A."


def test_a_revoked_certificate_is_marked_and_no_longer_vouched_for(app, login_as, users, tmp_path):
    from tests.test_certificate_pdf import text_of

    build_course(users["trainer"])
    learner = login_as("learner")
    post(learner, "/courses/info-work/enroll")
    finish_lessons(learner)
    cert = certificate()
    token = learner.get(f"/certificates/{cert.id}/credential.jwt").get_data(as_text=True)
    before = learner.get(f"/certificates/{cert.id}/certificate.pdf").data
    assert "ОТОЗВАН" not in text_of(before, tmp_path)
    services.revoke(cert, db.session.merge(users["admin"]), "Ошибка в ведомости")
    db.session.commit()

    after = learner.get(f"/certificates/{cert.id}/certificate.pdf").data
    assert "ОТОЗВАН" in text_of(after, tmp_path)
    refused = learner.get(f"/certificates/{cert.id}/credential.jwt")
    assert refused.status_code == 302 and refused.location.endswith("/certificates/")
    page = learner.get("/certificates/").get_data(as_text=True)
    assert (
        "Этот сертификат отозван, поэтому подписанное удостоверение для него не выдаётся." in page
    )
    assert f"/certificates/{cert.id}/credential.jwt" not in page

    path = tmp_path / "old.jwt"
    path.write_text(token)
    result = app.test_cli_runner().invoke(args=["certificates", "verify", str(path)])
    assert result.exit_code == 1
    assert "signature: valid" in result.output
    assert "revoked: Ошибка в ведомости" in result.output


def test_the_command_refuses_an_expired_credential(app, ctx, users, tmp_path):
    from certificates.documents import signed_credential

    build_course(users["trainer"])
    cert = Certificate(
        code=services.new_code(),
        user_id=users["learner"].id,
        course_id=db.session.scalar(sa.select(Lesson.course_id).limit(1)),
        sequence=1,
        revision_number=1,
        course_title="Старый курс",
        hours=2,
        issuer_name="Профсоюз",
        issued_at=utcnow() - timedelta(days=800),
        expires_at=utcnow() - timedelta(days=70),
    )
    db.session.add(cert)
    db.session.flush()
    path = tmp_path / "expired.jwt"
    path.write_text(signed_credential(cert))
    result = app.test_cli_runner().invoke(args=["certificates", "verify", str(path)])
    assert result.exit_code == 1
    assert "signature: valid" in result.output and "the credential is expired" in result.output


def test_a_chosen_name_is_labelled_and_never_signed(app, client, users, make_user, tmp_path):
    """The attack walk set the pseudonym to an official's title and name: the check page must
    not vouch for it, and no signed credential may carry it."""
    from certificates.badges import verify_credential
    from certificates.documents import key_store

    build_course(users["trainer"])
    make_user("activist", display_name="Анна Петровна Иванова")
    login(client, "activist")
    post(client, "/courses/info-work/enroll")
    finish_lessons(client)
    cert = certificate()
    claimed = "Председатель ЦС Иван Петрович Иванов"
    post(
        client,
        f"/certificates/{cert.id}/name",
        {f"c{cert.id}-mode": "pseudonym", f"c{cert.id}-pseudonym": claimed},
    )
    page = client.get(f"/verify/{services.format_certificate_code(cert.code)}")
    text = page.get_data(as_text=True)
    assert f"псевдоним, выбранный владельцем: «{claimed}» (организатор его не проверял)" in text
    token = client.get(f"/certificates/{cert.id}/credential.jwt").get_data(as_text=True)
    result = verify_credential(token, key_store().public_keyset())
    assert result.valid_signature and result.holder_name is None
    assert claimed not in json.dumps(result.credential, ensure_ascii=False)

    # A later display name does not change the name recorded at issue.
    holder = certificate().user
    holder.display_name = claimed
    db.session.commit()
    post(client, f"/certificates/{cert.id}/name", {f"c{cert.id}-mode": "full"})
    token = client.get(f"/certificates/{cert.id}/credential.jwt").get_data(as_text=True)
    assert verify_credential(token, key_store().public_keyset()).holder_name == (
        "Анна Петровна Иванова"
    )
    history = db.session.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == "certificate.public_name")
    ).all()
    assert [(d["before"], d["mode"]) for d in history] == [
        ("initials", "pseudonym"),
        ("pseudonym", "full"),
    ]
