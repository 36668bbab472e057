"""`certificates verify --online`: another installation's credential, checked against its issuer
served for real over HTTP (werkzeug in a thread), revoked or not, and with the issuer gone."""

from __future__ import annotations

import json
import threading

import flask_migrate
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from certificates import services
from certificates.documents import key_store, signed_credential
from certificates.models import Certificate
from courses import learning
from tests.conftest import PASSWORD
from tests.test_backup import installation, run
from training.accounts.models import Role, User
from training.accounts.services import create_user
from training.extensions import db
from training.organizations.models import OrgKind
from training.organizations.services import create_organization


@pytest.fixture
def issuer(tmp_path):
    """An issuing installation answering on a real port, with one certificate signed there."""
    from tests.course_helpers import build_course

    app = installation(tmp_path, "issuer")
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    with app.app_context(), app.test_request_context():
        flask_migrate.upgrade()
        top = create_organization("Профсоюз", OrgKind.FEDERAL, None)
        trainer = create_user("trainer", PASSWORD, top, roles={Role.TRAINER})
        learner = create_user("learner", PASSWORD, top)
        course = build_course(trainer)
        learning.enroll(learner.id, course)
        for key in ("intro", "plan", "reach"):
            learning.mark_done(learner.id, course, course.published_revision, key)
        db.session.commit()
        certificate = db.session.scalar(sa.select(Certificate))
        token = signed_credential(certificate)
        keys = key_store().public_jwks()
    folder = tmp_path / "received"
    folder.mkdir()
    (folder / "credential.jwt").write_text(token)
    (folder / "jwks.json").write_text(json.dumps(keys))
    state = {"app": app, "folder": folder, "server": server}
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def verifier(tmp_path):
    """Another installation, which knows nothing of the certificate."""
    app = installation(tmp_path, "verifier")
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def verify(verifier, folder, *extra):
    args = ["certificates", "verify", str(folder / "credential.jwt")]
    return run(verifier, *args, "--keys", str(folder / "jwks.json"), *extra)


def test_a_valid_credential_is_confirmed_by_its_issuer(issuer, verifier):
    result = verify(verifier, issuer["folder"], "--online")
    assert result.exit_code == 0, result.output
    assert "signature: valid" in result.output and "online:  valid" in result.output
    assert result.output.rstrip().endswith("valid")
    # without --online nothing is asked, and the other installation cannot know more
    offline = verify(verifier, issuer["folder"])
    assert offline.exit_code == 0 and "online:" not in offline.output


def test_a_revoked_credential_fails_with_the_issuers_reason(issuer, verifier):
    app = issuer["app"]
    with app.app_context():
        certificate = db.session.scalar(sa.select(Certificate))
        trainer = db.session.scalar(sa.select(User).where(User.username == "trainer"))
        services.revoke(certificate, trainer, "Ошибка в ведомости")
        db.session.commit()
    result = verify(verifier, issuer["folder"], "--online")
    assert result.exit_code == 1
    assert "signature: valid" in result.output  # genuine, and still revoked
    assert "revoked: Ошибка в ведомости" in result.output
    # offline, the signature alone still holds: that is why --online exists
    assert verify(verifier, issuer["folder"]).exit_code == 0


def test_an_unreachable_issuer_is_its_own_exit_status(issuer, verifier):
    issuer["server"].shutdown()
    issuer["server"].server_close()
    result = verify(verifier, issuer["folder"], "--online")
    assert result.exit_code == 3, result.output
    assert "could not reach the issuer at http://127.0.0.1:" in result.output
    assert "Traceback" not in result.output


def test_a_certificate_the_issuer_no_longer_knows_fails(issuer, verifier):
    app = issuer["app"]
    with app.app_context():
        db.session.execute(sa.delete(Certificate))
        db.session.commit()
    result = verify(verifier, issuer["folder"], "--online")
    assert result.exit_code == 1
    assert "the issuer does not know this certificate" in result.output


def test_a_forged_credential_is_refused_before_asking_anyone(issuer, verifier):
    folder = issuer["folder"]
    token = (folder / "credential.jwt").read_text()
    head, body, signature = token.split(".")
    (folder / "credential.jwt").write_text(f"{head}.{body}.{signature[::-1]}")
    issuer["server"].shutdown()  # nobody answers: the signature check must not need to
    result = verify(verifier, folder, "--online")
    assert result.exit_code == 1 and "signature does not hold" in result.output
