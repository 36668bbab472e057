"""Backup and restore: a fresh installation gets every course, attempt and valid certificate."""

from __future__ import annotations

import io
import json
import os
import tarfile
import threading
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from certificates.badges import verify_credential
from certificates.documents import key_store, signed_credential
from certificates.models import Certificate
from courses import learning
from courses.models import Course
from quizzes.models import Attempt
from tests.conftest import PASSWORD, extra_app, make_database, worker_number
from tests.quiz_helpers import build_quiz
from tests.stats_helpers import take_quiz
from training.accounts.models import Role
from training.accounts.services import create_user
from training.db import keep_private
from training.extensions import db
from training.organizations.models import OrgKind
from training.organizations.services import create_organization


def installation(tmp_path: Path, name: str):
    """An app with its own database, media folder and keys folder."""
    worker = worker_number(os.environ.get("PYTEST_XDIST_WORKER", "master"))
    folder = tmp_path / name
    folder.mkdir()
    return extra_app(
        folder,
        SQLALCHEMY_DATABASE_URI=make_database(f"w{worker}_{name}", folder),
        MEDIA_ROOT=str(folder / "media"),
        SUBMISSIONS_ROOT=str(folder / "submissions"),
        SIGNING_KEYS_DIR=str(folder / "keys"),
        INSTANCE_ID_FILE=str(folder / "instance-id"),
        PUBLIC_BASE_URL="http://127.0.0.1:9",  # nothing answers there: "not running"
    )


@pytest.fixture
def source(tmp_path):
    """An installation with a course, a quiz attempt, a certificate and an uploaded file."""
    app = installation(tmp_path, "source")
    with app.app_context(), app.test_request_context():
        flask_migrate.upgrade()
        top = create_organization("Профсоюз", OrgKind.FEDERAL, None)
        trainer = create_user("trainer", PASSWORD, top, roles={Role.TRAINER})
        learner = create_user("learner", PASSWORD, top)
        course, quiz = build_quiz(trainer)
        learning.enroll(learner.id, course)
        for key in ("intro", "plan", "reach"):
            learning.mark_done(learner.id, course, course.published_revision, key)
        take_quiz(learner, quiz, right=True)
        db.session.commit()
        certificate = db.session.scalar(sa.select(Certificate))
        assert certificate is not None
        token = signed_credential(certificate)
        media = Path(app.config["MEDIA_ROOT"]) / str(course.id)
        media.mkdir(parents=True)
        (media / "cover.png").write_bytes(b"\x89PNG picture")
        handed_in = Path(app.config["SUBMISSIONS_ROOT"]) / "1" / "1"
        handed_in.parent.mkdir(parents=True)
        keep_private(handed_in)
        handed_in.write_bytes(b"%PDF-1.4 learner's work")
    yield app, token
    with app.app_context():
        db.engine.dispose()


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Course, Attempt, Certificate)
        )


def test_restore_into_a_fresh_installation(source, tmp_path):
    app, token = source
    archive = tmp_path / "backups" / "nightly.tar.gz"
    made = run(app, "backup", str(archive))
    assert made.exit_code == 0, made.output
    assert "Writing the archive: done" in made.stderr  # progress, for the operator's log
    assert made.stdout.startswith("Backup of the ")
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # it holds the signing keys
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and any(n.startswith("keys/") for n in names)

    fresh = installation(tmp_path, "fresh")
    restored = run(fresh, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "Unpacking the backup: done" in restored.stderr
    assert counts(fresh) == counts(app) == (1, 1, 1)
    with fresh.app_context():
        certificate = db.session.scalar(sa.select(Certificate))
        # the restored keys verify the credential signed before the backup, and sign anew
        assert verify_credential(token, key_store().public_keyset()).valid_signature
        with fresh.test_request_context():
            again = signed_credential(certificate)
        assert verify_credential(again, key_store().public_keyset()).valid_signature
    client = fresh.test_client()
    assert client.get(f"/verify/{certificate.code}").status_code == 200
    cover = Path(fresh.config["MEDIA_ROOT"]) / str(certificate.course_id) / "cover.png"
    assert cover.read_bytes() == b"\x89PNG picture"
    handed_in = Path(fresh.config["SUBMISSIONS_ROOT"]) / "1" / "1"
    assert handed_in.read_bytes() == b"%PDF-1.4 learner's work"
    assert handed_in.stat().st_mode & 0o077 == 0  # still readable by the server only
    assert Path(fresh.config["SUBMISSIONS_ROOT"]).stat().st_mode & 0o077 == 0
    with fresh.app_context():
        db.engine.dispose()


def test_restore_is_refused_while_the_platform_runs(source, tmp_path):
    app, _token = source
    archive = tmp_path / "backup.tar.gz"
    assert run(app, "backup", str(archive)).exit_code == 0
    target = installation(tmp_path, "live")
    with target.app_context():
        flask_migrate.upgrade()
    server = make_server("127.0.0.1", 0, target)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    target.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        refused = run(target, "restore", str(archive))
        assert refused.exit_code != 0
        assert "seems to be running" in refused.output and "--force" in refused.output
        assert counts(target) == (0, 0, 0)  # nothing changed
        forced = run(target, "restore", "--force", str(archive))
        assert forced.exit_code == 0, forced.output
        assert counts(target) == (1, 1, 1)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with target.app_context():
            db.engine.dispose()


def fake_backup(path: Path, manifest: dict | None) -> None:
    with tarfile.open(path, "w:gz") as tar:
        if manifest is not None:
            data = json.dumps(manifest).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (None, "not a backup of the platform"),
        ({"format": 99, "database": "sqlite"}, "unknown backup format"),
        ({"format": 1, "database": "oracle"}, "holds a oracle database"),
    ],
)
def test_files_that_are_not_our_backups_are_refused(source, tmp_path, manifest, message):
    app, _token = source
    before = counts(app)
    bad = tmp_path / "bad.tar.gz"
    fake_backup(bad, manifest)
    result = run(app, "restore", str(bad))
    assert result.exit_code != 0 and message in result.output
    assert counts(app) == before
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not a tar file")
    result = run(app, "restore", str(garbage))
    assert result.exit_code != 0 and "cannot read the backup" in result.output
    assert counts(app) == before
