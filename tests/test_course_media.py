"""Course files: checked by content, size-limited, served with safe headers."""

from __future__ import annotations

import io
import struct
import zlib

import sqlalchemy as sa

from courses.models import Course, CourseMedia
from tests.conftest import login, post
from tests.course_helpers import build_course
from training.extensions import db


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def upload(client, name: str, data: bytes, slug: str = "info-work"):
    return post(
        client,
        f"/author/{slug}/media",
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_upload_and_serve_image_and_pdf(app, login_as, users, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path))
    build_course(users["trainer"])
    client = login_as("trainer")
    assert upload(client, "scheme.png", tiny_png()).status_code == 302
    assert upload(client, "Памятка корреспондента.pdf", PDF).status_code == 302
    names = set(db.session.scalars(sa.select(CourseMedia.filename)))
    assert names == {"scheme.png", "pamiatka-korrespondenta.pdf"}

    with client.get("/courses/info-work/media/scheme.png") as image:
        assert image.status_code == 200
        assert image.headers["Content-Type"] == "image/png"
        assert image.headers["X-Content-Type-Options"] == "nosniff"
        assert image.data == tiny_png()
    with client.get("/courses/info-work/media/pamiatka-korrespondenta.pdf") as pdf:
        assert pdf.headers["Content-Type"] == "application/pdf"
        assert pdf.headers["Content-Disposition"].startswith("attachment")
        assert "sandbox" in pdf.headers["Content-Security-Policy"]
        # the view's stricter policy stands alone: the baseline's is not added beside it
        assert len(pdf.headers.getlist("Content-Security-Policy")) == 1
    # the published lesson refers to it by its stable address
    lesson = client.get("/courses/info-work")
    assert lesson.status_code == 200


def test_bad_uploads_are_refused_and_store_nothing(app, login_as, users, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path))
    monkeypatch.setitem(app.config, "MEDIA_MAX_BYTES", 1000)
    build_course(users["trainer"])
    client = login_as("trainer")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name, data in (
        ("evil.svg", svg),
        ("evil.png", svg),  # named as an image, is not one
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("big.pdf", PDF + b"x" * 2000),
        ("empty.png", b""),
    ):
        r = upload(client, name, data)
        assert r.status_code == 422, name
        assert 'class="errors"' in r.get_data(as_text=True), name
    r = post(client, "/author/info-work/media", {}, content_type="multipart/form-data")
    assert r.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseMedia)) == 0
    assert not any(tmp_path.rglob("*.*"))


def test_same_name_is_refused_and_files_in_use_cannot_be_deleted(
    app, login_as, users, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path))
    build_course(users["trainer"])  # its lesson "reach" uses media/scheme.png
    client = login_as("trainer")
    upload(client, "scheme.png", tiny_png())
    r = upload(client, "scheme.png", tiny_png())
    assert r.status_code == 422 and 'class="errors"' in r.get_data(as_text=True)
    item = db.session.scalar(sa.select(CourseMedia))
    post(client, f"/author/info-work/media/{item.id}/delete")
    assert db.session.get(CourseMedia, item.id) is not None
    assert (tmp_path / str(item.course_id) / "scheme.png").exists()
    upload(client, "unused.png", tiny_png())
    unused = db.session.scalar(sa.select(CourseMedia).where(CourseMedia.filename == "unused.png"))
    post(client, f"/author/info-work/media/{unused.id}/delete")
    assert (
        db.session.scalar(sa.select(CourseMedia.id).where(CourseMedia.filename == "unused.png"))
        is None
    )
    assert not (tmp_path / str(item.course_id) / "unused.png").exists()


def test_media_of_unpublished_courses_is_for_authors_only(
    app, client, login_as, users, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path))
    build_course(users["trainer"], slug="secret", publish=False)
    author = login_as("trainer")
    upload(author, "x.png", tiny_png(), slug="secret")
    with author.get("/courses/secret/media/x.png") as response:
        assert response.status_code == 200
    post(author, "/account/logout")
    assert client.get("/courses/secret/media/x.png").status_code == 404
    assert client.get("/courses/secret/media/missing.png").status_code == 404


def test_an_uploaded_image_can_be_chosen_as_the_cover(app, login_as, users, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path))
    build_course(users["trainer"])
    client = login_as("trainer")
    upload(client, "scheme.png", tiny_png())
    page = client.get("/author/info-work/edit")
    assert page.status_code == 200
    assert '<option value="scheme.png">' in page.get_data(as_text=True)
    data = {"title": "Информационная работа", "language": "ru", "duration": "90"}
    r = post(client, "/author/info-work/edit", {**data, "cover": "scheme.png"})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(Course.cover_filename)) == "scheme.png"
    r = post(client, "/author/info-work/edit", {**data, "cover": "../../etc/passwd"})
    assert r.status_code == 422 and 'class="errors"' in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Course.cover_filename)) == "scheme.png"


def test_only_files_that_published_content_uses_are_public(
    app, login_as, users, tmp_path, monkeypatch
):
    from quizzes import bank
    from quizzes.spec import Option, QuestionSpec

    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path))
    course = build_course(users["trainer"])  # the published lesson "reach" uses media/scheme.png
    author = login_as("trainer")
    assert upload(author, "scheme.png", tiny_png()).status_code == 302
    assert upload(author, "draft.png", tiny_png()).status_code == 302  # used by nothing yet
    visitor = app.test_client()
    for name in ("scheme.png", "draft.png"):
        with author.get(f"/courses/info-work/media/{name}") as response:
            assert response.status_code == 200, name  # authors see every file
    with visitor.get("/courses/info-work/media/scheme.png") as response:
        assert response.status_code == 200
    assert visitor.get("/courses/info-work/media/draft.png").status_code == 404
    learner = app.test_client()
    login(learner, "learner")
    assert learner.get("/courses/info-work/media/draft.png").status_code == 404

    spec = QuestionSpec(
        type="single",
        text="Что на схеме? ![Схема](media/draft.png)",
        name="scheme-question",
        options=[Option("o1", "Пирамида", 1.0), Option("o2", "Круг", 0.0)],
    )
    bank.add_question(db.session.merge(course), spec, db.session.merge(users["trainer"]))
    db.session.commit()
    with visitor.get("/courses/info-work/media/draft.png") as response:
        assert response.status_code == 200  # a question shows it to learners
