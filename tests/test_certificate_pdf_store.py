"""Certificate PDFs are rendered once per (certificate, what they state) and kept as files;
a revocation or a name change gives a new file, and the old one is never sent again."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from certificates import documents
from certificates.models import Certificate
from tests.conftest import login, post
from tests.course_helpers import build_course
from training.extensions import db


@pytest.fixture(autouse=True)
def folders(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setitem(app.config, "CERTIFICATE_PDF_DIR", str(tmp_path / "pdfs"))


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The holder names of the PDFs actually rendered (the real renderer still runs)."""
    seen: list[str] = []
    real = documents.render_certificate_pdf

    def counting(data):
        seen.append(data.holder_name)
        return real(data)

    monkeypatch.setattr(documents, "render_certificate_pdf", counting)
    return seen


@pytest.fixture
def holder(app, users, make_user):
    """A logged-in holder of one certificate."""
    build_course(users["trainer"])
    make_user("activist", display_name="Анна Иванова")
    client = app.test_client()
    login(client, "activist")
    post(client, "/courses/info-work/enroll")
    for key in ("intro", "plan", "reach"):
        post(client, f"/courses/info-work/lessons/{key}/done")
    return client


def download(client, url: str):
    """GET a file download and close it (a sent file stays open until its response closes)."""
    with client.get(url) as response:
        response.get_data()
    return response


def stored_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "pdfs").rglob("*.pdf"))


def the_certificate() -> Certificate:
    db.session.expire_all()
    return db.session.scalar(sa.select(Certificate))


def test_a_redownload_sends_the_kept_file(holder, renders, tmp_path):
    url = f"/certificates/{the_certificate().id}/certificate.pdf"
    first = download(holder, url)
    again = download(holder, url)
    assert first.status_code == again.status_code == 200
    assert first.mimetype == "application/pdf" and first.data.startswith(b"%PDF")
    assert again.data == first.data and len(renders) == 1
    (kept,) = stored_files(tmp_path)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert kept.read_bytes() == first.data
    assert "attachment" in again.headers["Content-Disposition"]


def test_a_revoked_certificates_kept_pdf_is_never_served(holder, login_as, renders, tmp_path):
    cert = the_certificate()
    url = f"/certificates/{cert.id}/certificate.pdf"
    valid = download(holder, url).data
    (kept,) = stored_files(tmp_path)
    saved = tmp_path / "valid.pdf"
    shutil.copy(kept, saved)
    trainer = login_as("trainer")
    post(trainer, f"/certificates/{cert.id}/revoke", {"reason": "Выдан по ошибке"})
    assert stored_files(tmp_path) == []  # emptied once the revocation committed
    # Even a valid-state file written back by a download racing the revocation is not sent.
    kept.parent.mkdir(mode=0o700, exist_ok=True)
    shutil.copy(saved, kept)
    revoked = download(holder, url).data
    assert revoked != valid and len(renders) == 2
    assert [p.name for p in stored_files(tmp_path)] != [kept.name]  # the stale one went
    assert stored_files(tmp_path)[0].read_bytes() == revoked


def test_a_refused_revocation_keeps_the_file(holder, login_as, tmp_path):
    cert = the_certificate()
    download(holder, f"/certificates/{cert.id}/certificate.pdf")
    trainer = login_as("trainer")
    assert post(trainer, f"/certificates/{cert.id}/revoke", {"reason": ""}).status_code == 422
    assert the_certificate().revoked_at is None and len(stored_files(tmp_path)) == 1


def test_a_name_change_and_account_deletion_drop_the_files(app, holder, renders, tmp_path):
    cert = the_certificate()
    url = f"/certificates/{cert.id}/certificate.pdf"
    download(holder, url)
    post(holder, f"/certificates/{cert.id}/name", {f"c{cert.id}-mode": "full"})
    assert stored_files(tmp_path) == []
    download(holder, url)
    assert len(stored_files(tmp_path)) == 1
    from certificates.privacy import erase_certificate_data

    with app.test_request_context():
        erase_certificate_data(the_certificate().user)
        db.session.commit()
    assert stored_files(tmp_path) == []
