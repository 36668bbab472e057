"""Course packs through the database: export, import, round trips, refusals, CLI and upload."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from courses import services
from courses.models import Course, CourseMedia, CourseRevision, Lesson
from courses.packs import (
    PackError,
    course_to_pack,
    import_pack,
    read_pack_dir,
    read_pack_zip,
    write_pack_zip,
)
from tests.conftest import post
from tests.course_helpers import add_scheme, build_course
from tests.test_course_media import tiny_png
from training.extensions import db


@pytest.fixture
def media_root(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))
    return tmp_path / "media"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_export_import_export_is_byte_identical(ctx, users, media_root):
    from courses.media import store_media

    course = build_course(users["trainer"])
    store_media(course, "scheme.png", tiny_png(), users["trainer"].id)
    course.cover_filename = "scheme.png"
    db.session.commit()
    first = write_pack_zip(course_to_pack(course))

    # into an empty platform: a new course with the same content
    db.session.delete(db.session.get(Course, course.id))
    db.session.commit()
    result = import_pack(read_pack_zip(first), users["trainer"])
    db.session.commit()
    assert result.created
    again = write_pack_zip(course_to_pack(result.course))
    assert again == first
    assert result.course.published_revision_id is None  # imported as a draft


def test_assignments_travel_in_packs_byte_identical(ctx, users, media_root):
    from datetime import UTC, datetime

    from assignments.models import Assignment
    from assignments.rubric import parse_rubric
    from assignments.services import AssignmentSettings, create_assignment
    from courses.media import store_media
    from tests.assignment_helpers import RUBRIC

    course = build_course(users["trainer"])
    add_scheme(course)
    store_media(course, "shablon.pdf", b"%PDF-1.4 template", users["trainer"].id)
    create_assignment(
        course,
        AssignmentSettings(
            title="Заметка",
            module_key="osnovy",
            task="Напишите **заметку**.\n\nНе больше страницы.",
            example="Пример:\n\n> Собрание прошло…",
            template_filename="shablon.pdf",
            hand_in="both",
            pass_rule="score",
            pass_percent=70,
            due_at=datetime(2027, 3, 1, 20, 59, 59, tzinfo=UTC),
            late_policy="refuse",
            criteria=parse_rubric(RUBRIC),
        ),
    )
    create_assignment(
        course, AssignmentSettings(title="Итоговый план", task="План.", required=False)
    )
    create_assignment(
        course,
        AssignmentSettings(
            title="Отзыв коллег",
            task="Напишите листовку.",
            review_mode="mix",
            peer_reviews=3,
            reviews_before_result=False,
            weight_trainer=50,
            weight_peer=30,
            weight_self=20,
            criteria=parse_rubric(RUBRIC),
        ),
    )
    db.session.commit()
    first = write_pack_zip(course_to_pack(course))
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        text = archive.read("assignments/zametka.md").decode()
        mixed = archive.read("assignments/otzyv-kolleg.md").decode()
    assert text.startswith("---\ntitle: Заметка\nmodule: osnovy\n")
    assert "- 2 | Частично | Есть заголовок и лид" in text and "template: shablon.pdf" in text
    assert "review" not in text and "weights" not in text  # defaults are not written
    assert "review: mix\npeer_reviews: 3\nreviews_before_result: false\n" in mixed
    assert "weights:\n  trainer: 50\n  peer: 30\n  self: 20\n" in mixed

    db.session.delete(db.session.get(Course, course.id))
    db.session.commit()
    result = import_pack(read_pack_zip(first), users["trainer"])
    db.session.commit()
    assert write_pack_zip(course_to_pack(result.course)) == first
    imported = db.session.scalar(sa.select(Assignment).where(Assignment.key == "zametka"))
    assert imported.rubric.max_points == 7 and imported.late_policy == "refuse"
    assert imported.review_mode == "trainer"
    mix = db.session.scalar(sa.select(Assignment).where(Assignment.key == "otzyv-kolleg"))
    assert (mix.review_mode, mix.peer_reviews, mix.reviews_before_result) == ("mix", 3, False)
    assert mix.weights == {"trainer": 50, "peer": 30, "self": 20}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter", "assignments/bad.md:1"),
        ("---\ntitle: X\nhand_in: paper\n---\nТекст", "«hand_in»"),
        ("---\ntitle: X\nrubric: |\n  - 1 | Без критерия\n---\nТекст", "Строка 1"),
        ("---\ntitle: X\ntemplate: nowhere.pdf\n---\nТекст", "Выберите файл этого курса."),
        ("---\ntitle: X\nreview: robots\n---\nТекст", "«review»"),
        (
            "---\ntitle: X\nreview: mix\nweights: {trainer: 50, peer: 60}\nrubric: |\n"
            "  К\n  - 1 | Да\n---\nТекст",
            "Сумма весов должна быть 100% (сейчас 110%).",
        ),
        (
            "---\ntitle: X\nreview: peer\npeer_reviews: 9\nrubric: |\n  К\n  - 1 | Да\n---\nТ",
            "Каждую версию проверяют от 1 до 5 участников.",
        ),
    ],
)
def test_a_bad_assignment_file_refuses_the_pack_and_nothing_changes(
    ctx, users, media_root, text, message
):
    course = build_course(users["trainer"], publish=False)
    pack = course_to_pack(course)
    db.session.delete(db.session.get(Course, course.id))
    db.session.commit()
    pack.assignments["bad.md"] = text
    with pytest.raises(PackError) as refused:
        import_pack(pack, users["trainer"])
    db.session.rollback()
    assert message in str(refused.value)
    assert count(Course) == 0


def test_import_into_an_existing_course_makes_a_new_draft(ctx, users, media_root):
    course = build_course(users["trainer"])
    pack = course_to_pack(course)
    pack.modules[0].lessons[0].body = "Новая версия введения"
    # an unpublished edit that must not be lost
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.key == "plan"))
    services.update_lesson(lesson, title=lesson.title, body="Правка до импорта", required=True)
    db.session.commit()

    result = import_pack(pack, users["trainer"])
    db.session.commit()
    assert not result.created
    assert result.saved_draft is not None and result.saved_draft.kind == "saved-draft"
    assert any("Правка до импорта" in r.body for r in result.saved_draft.lesson_rows)
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.lessons()[0].body == "Новая версия введения"
    published = course.published_revision
    assert next(r for r in published.lesson_rows if r.key == "intro").body.startswith("Текст")


def test_import_is_refused_for_a_course_one_cannot_edit(ctx, users, make_user, media_root):
    from training.accounts.models import Role
    from training.errors import ServiceError

    course = build_course(users["trainer"])
    stranger = make_user("stranger", Role.TRAINER)
    with pytest.raises(ServiceError):
        import_pack(course_to_pack(course), stranger)


def test_conflicting_media_refuses_the_whole_pack(ctx, users, media_root):
    from courses.media import store_media

    course = build_course(users["trainer"])
    store_media(course, "scheme.png", tiny_png(), users["trainer"].id)
    db.session.commit()
    pack = course_to_pack(course)
    pack.media["scheme.png"] = tiny_png() + b"different"
    pack.modules[0].title = "Не должно появиться"
    with pytest.raises(PackError) as error:
        import_pack(pack, users["trainer"])
    assert error.value.problems[0].file == "media/scheme.png"
    db.session.rollback()
    assert db.session.get(Course, course.id).modules[0].title == "Основы"


def test_cli_export_and_import(app, users, tmp_path, media_root):
    add_scheme(build_course(users["trainer"]))
    runner = app.test_cli_runner()
    folder = tmp_path / "pack"
    r = runner.invoke(args=["courses", "export", "info-work", str(folder)])
    assert r.exit_code == 0, r.output
    assert (folder / "course.yaml").exists() and (folder / "lessons" / "intro.md").exists()
    zipped = tmp_path / "pack.zip"
    assert runner.invoke(args=["courses", "export", "info-work", str(zipped)]).exit_code == 0
    assert read_pack_dir(folder) == read_pack_zip(zipped.read_bytes())
    # renamed copy imports as a new course owned by an admin
    text = (folder / "course.yaml").read_text(encoding="utf-8")
    (folder / "course.yaml").write_text(
        text.replace("slug: info-work", "slug: copy"), encoding="utf-8"
    )
    r = runner.invoke(args=["courses", "import", str(folder)])
    assert r.exit_code == 0, r.output
    copy = db.session.scalar(sa.select(Course).where(Course.slug == "copy"))
    assert copy.owner_id == users["admin"].id
    assert runner.invoke(args=["courses", "export", "nope", str(tmp_path / "x")]).exit_code != 0


def test_cli_names_file_and_line_of_every_problem(app, users, tmp_path, media_root):
    build_course(users["trainer"])
    runner = app.test_cli_runner()
    folder = tmp_path / "pack"
    runner.invoke(args=["courses", "export", "info-work", str(folder)])
    (folder / "lessons" / "plan.md").unlink()
    (folder / "course.yaml").write_text(
        (folder / "course.yaml")
        .read_text(encoding="utf-8")
        .replace("language: ru", "language: de"),
        encoding="utf-8",
    )
    before = (count(Course), count(Lesson), count(CourseRevision))
    r = runner.invoke(args=["courses", "import", str(folder)])
    assert r.exit_code != 0
    assert "course.yaml:" in r.output and "lessons/plan.md" in r.output
    assert (count(Course), count(Lesson), count(CourseRevision)) == before


def test_trainer_uploads_and_downloads_packs_in_the_browser(login_as, users, media_root):
    add_scheme(build_course(users["trainer"]))
    client = login_as("trainer")
    download = client.get("/author/info-work/export")
    assert download.headers["Content-Type"] == "application/zip"
    data = download.data
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "course.yaml" in names
    # upload a modified copy as a new course
    pack = read_pack_zip(data)
    pack.slug = "uploaded"
    r = post(
        client,
        "/author/import",
        {"pack": (io.BytesIO(write_pack_zip(pack)), "uploaded.zip")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert db.session.scalar(sa.select(Course.id).where(Course.slug == "uploaded"))


def test_an_export_names_a_media_file_missing_on_the_server(login_as, users, media_root):
    from courses.media import media_file

    course = build_course(users["trainer"])
    add_scheme(course)
    db.session.commit()
    media_file(course.id, "scheme.png").unlink()  # e.g. a restore without the media folder
    client = login_as("trainer")
    answer = client.get("/author/info-work/export")
    assert answer.status_code == 302 and answer.location.endswith("/author/info-work")
    page = client.get(answer.location).get_data(as_text=True)
    assert "media/scheme.png: Файла нет на сервере: загрузите его снова или удалите." in page


def test_malformed_upload_shows_every_problem_and_imports_nothing(login_as, users, media_root):
    client = login_as("trainer")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("course.yaml", "format: 1\nslug: Bad Slug\ntitle: [unclosed\n")
        archive.writestr("../evil.md", "x")
    r = post(
        client,
        "/author/import",
        {"pack": (io.BytesIO(buffer.getvalue()), "bad.zip")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "course.yaml" in page
    assert count(Course) == 0 and count(CourseMedia) == 0
    r = post(
        client,
        "/author/import",
        {"pack": (io.BytesIO(b"not a zip at all"), "x.zip")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and count(Course) == 0


def test_a_refused_pack_leaves_no_files_behind(login_as, users, media_root):
    """Images are stored with the course; when a later part (a quiz) fails, none are kept."""
    from courses.packs import pack_files
    from tests.test_packs import make_pack, zip_of

    files = dict(pack_files(make_pack()))
    files["quizzes/final.gift"] = "::x:: Вопрос {=да ~нет\n"  # unclosed: refused
    client = login_as("trainer")
    r = post(
        client,
        "/author/import",
        {"pack": (io.BytesIO(zip_of(files)), "pack.zip")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "final.gift" in r.get_data(as_text=True)
    assert count(Course) == 0 and count(CourseMedia) == 0
    assert not [p for p in media_root.rglob("*") if p.is_file()]
