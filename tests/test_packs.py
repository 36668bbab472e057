"""Course packs: reading, validating and writing folders and zips, without a database."""

from __future__ import annotations

import ast
import io
import stat
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pydantic
import pytest
import yaml

from courses.media_types import (
    ALLOWED_MEDIA_TYPES,
    SAFE_FILENAME,
    is_safe_filename,
    sniff_media_type,
)
from courses.packs import (
    CoursePack,
    PackError,
    PackLesson,
    PackModule,
    PackProblem,
    pack_files,
    read_pack_dir,
    read_pack_zip,
    validate_pack,
    write_pack_dir,
    write_pack_zip,
)
from courses.packs import archive as pack_archive
from courses.packs.checks import locate
from courses.packs.shapes import validation_issues

# --- A realistic pack ---------------------------------------------------------------------------


def tiny_png() -> bytes:
    """A real 1×1 red PNG, made by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


PNG = tiny_png()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
GIFT = (
    "// Итоговый тест\r\n"
    "::Профком:: Кто избирает профсоюзный комитет? {\r\n"
    "=Общее собрание\r\n"
    "~Директор\r\n"
    "~Отдел кадров\r\n"
    "}\r\n"
)

COURSE_YAML = """\
format: 1
slug: union-news
title: Профсоюзные новости
description: |
  Как рассказывать коллегам о работе профсоюза.
  Листовки, стенгазета, чаты.
language: ru
topics:
- новости
- информационная работа
duration_minutes: 90
cover: cover.png
modules:
- key: basics
  title: Основы
  lessons:
  - intro
  - who-does-what
- key: practice
  title: Практика
  lessons:
  - first-leaflet
"""

INTRO_MD = """\
---
title: Зачем профсоюзу информационная работа
required: true
---
# Зачем

Люди вступают в профсоюз, когда **видят** его работу.

![Обложка](media/cover.png)
"""


def make_pack() -> CoursePack:
    """Two modules, three lessons, a PNG cover, a PDF handout and a GIFT quiz."""
    return CoursePack(
        slug="union-news",
        title="Профсоюзные новости",
        description="Как рассказывать коллегам о работе профсоюза.\nЛистовки, стенгазета, чаты.\n",
        language="ru",
        topics=["новости", "информационная работа"],
        duration_minutes=90,
        cover="cover.png",
        modules=[
            PackModule(
                key="basics",
                title="Основы",
                lessons=[
                    PackLesson(
                        key="intro",
                        title="Зачем профсоюзу информационная работа",
                        body="# Зачем\n\nЛюди вступают в профсоюз, когда **видят** его работу."
                        "\n\n![Обложка](media/cover.png)",
                    ),
                    PackLesson(
                        key="who-does-what",
                        title="Кто за что отвечает: «пресс-центр» профкома",
                        body="- председатель\n- информатор\n\n[Памятка](media/handout.pdf)",
                        required=False,
                    ),
                ],
            ),
            PackModule(
                key="practice",
                title="Практика",
                lessons=[
                    PackLesson(
                        key="first-leaflet",
                        title="Первая листовка",
                        body="Напишите листовку к собранию.\n\n---\n\nИ покажите коллегам.",
                    )
                ],
            ),
        ],
        media={"cover.png": PNG, "handout.pdf": PDF},
        quizzes={"final.gift": GIFT},
    )


def good_files() -> dict[str, bytes]:
    return pack_files(make_pack())


def put(root: Path, files: dict[str, bytes | str]) -> Path:
    """Write files (text as UTF-8) under root and return it."""
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)
    return root


def zip_of(files: dict[str, bytes | str], attrs: dict[str, int] | None = None) -> bytes:
    """A plain zip of files by name, exactly as given (unsafe names included)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names; we want them
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (attrs or {}).get(name, (stat.S_IFREG | 0o644) << 16)
                archive.writestr(info, data)
    return buffer.getvalue()


def refused(read: Callable[[], object]) -> list[PackProblem]:
    with pytest.raises(PackError) as caught:
        read()
    assert caught.value.problems
    return caught.value.problems


def refused_dir(tmp_path: Path, files: dict[str, bytes | str]) -> list[PackProblem]:
    return refused(lambda: read_pack_dir(put(tmp_path / "pack", files)))


def with_changes(**changes: bytes | str | None) -> dict[str, bytes | str]:
    """The good pack's files with some replaced (keys use __ for / and _ for .)."""
    files: dict[str, bytes | str] = dict(good_files())
    for key, data in changes.items():
        name = key.replace("__", "/").replace("_", ".")
        if data is None:
            del files[name]
        else:
            files[name] = data
    return files


def course_yaml(old: str, new: str) -> dict[str, bytes | str]:
    assert old in COURSE_YAML
    return with_changes(course_yaml=COURSE_YAML.replace(old, new, 1))


def found(problems: list[PackProblem], file: str, line: int | None, text: str) -> bool:
    return any(
        p.file == file and p.line == line and text.lower() in p.message.lower() for p in problems
    )


def same_tree(a: Path, b: Path) -> None:
    names_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    names_b = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert names_a == names_b
    for name in names_a:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# --- Media types --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF87a\x01\x00", "image/gif"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (PDF, "application/pdf"),
        (SVG, None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"<!DOCTYPE html><html><script>x</script></html>", None),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"RIFF", None),
        (b"\x89PNG", None),
        (b"", None),
    ],
)
def test_sniff_media_type(data, expected):
    assert sniff_media_type(data) == expected


def test_allowed_media_types_and_safe_filenames():
    assert ALLOWED_MEDIA_TYPES == {
        "image/png": ".png",
        "image/jpeg": ".jpg",
        "image/gif": ".gif",
        "image/webp": ".webp",
        "application/pdf": ".pdf",
    }
    for name in ("cover.png", "Handout_2024-v2.pdf", "a", "x" * 100):
        assert is_safe_filename(name), name
    for name in ("", ".hidden", "-x.png", "a/b.png", "a..png", "фото.png", "a b.png", "x" * 101):
        assert not is_safe_filename(name), name
    assert SAFE_FILENAME.pattern == r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
    assert not is_safe_filename("cover.png\n")


# --- Writing and round trips --------------------------------------------------------------------


def test_written_course_yaml_and_lesson_follow_the_documented_layout():
    files = good_files()
    assert sorted(files) == [
        "course.yaml",
        "lessons/first-leaflet.md",
        "lessons/intro.md",
        "lessons/who-does-what.md",
        "media/cover.png",
        "media/handout.pdf",
        "quizzes/final.gift",
    ]
    assert files["course.yaml"].decode() == COURSE_YAML
    assert files["lessons/intro.md"].decode() == INTRO_MD
    assert files["lessons/who-does-what.md"].startswith(
        "---\ntitle: 'Кто за что отвечает: «пресс-центр» профкома'\nrequired: false\n---\n".encode()
    )
    assert files["quizzes/final.gift"] == GIFT.encode()
    assert files["media/cover.png"] == PNG


def test_cover_is_omitted_when_there_is_none():
    pack = make_pack()
    pack.cover = None
    text = pack_files(pack)["course.yaml"].decode()
    assert "cover" not in text
    assert read_pack_zip(write_pack_zip(pack)).cover is None


def test_folder_round_trip_is_byte_identical(tmp_path):
    pack = make_pack()
    write_pack_dir(pack, tmp_path / "one")
    again = read_pack_dir(tmp_path / "one")
    assert again == pack
    write_pack_dir(again, tmp_path / "two")
    same_tree(tmp_path / "one", tmp_path / "two")


def test_zip_round_trip_is_byte_identical_and_deterministic():
    pack = make_pack()
    first = write_pack_zip(pack)
    again = read_pack_zip(first)
    assert again == pack
    assert write_pack_zip(again) == first
    assert write_pack_zip(make_pack()) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        entries = archive.infolist()
    assert [e.filename for e in entries] == sorted(good_files())
    for entry in entries:
        assert entry.date_time == (1980, 1, 1, 0, 0, 0)
        assert entry.external_attr >> 16 == stat.S_IFREG | 0o644
        assert entry.compress_type == zipfile.ZIP_DEFLATED
        assert not entry.is_dir()


def test_folder_and_zip_hold_the_same_files(tmp_path):
    pack = make_pack()
    write_pack_dir(pack, tmp_path / "folder")
    read_pack_zip(write_pack_zip(pack))
    with zipfile.ZipFile(io.BytesIO(write_pack_zip(read_pack_dir(tmp_path / "folder")))) as z:
        for name in z.namelist():
            assert z.read(name) == (tmp_path / "folder" / name).read_bytes()


def test_text_is_normalised_so_round_trips_stay_stable():
    pack = make_pack()
    pack.description = "Строка с пробелом в конце   \n\n  отступ\n"
    pack.modules[0].lessons[0].body = "\nТекст  \n\n\n"
    pack.modules[1].title = "yes"  # would be a boolean if written unquoted
    pack.topics = []
    first = write_pack_zip(pack)
    again = read_pack_zip(first)
    assert again.description == pack.description
    assert again.modules[0].lessons[0].body == "\nТекст"
    assert again.modules[1].title == "yes"
    assert again.topics == []
    assert write_pack_zip(again) == first


def test_hand_written_pack_with_windows_line_endings_and_bom_reads(tmp_path):
    files = with_changes(
        lessons__intro_md="\ufeff" + INTRO_MD.replace("\n", "\r\n") + "\r\n\r\n",
        course_yaml=COURSE_YAML.replace("\n", "\r\n"),
    )
    files.pop("quizzes/final.gift")
    pack = read_pack_dir(put(tmp_path / "pack", files))
    assert pack.modules[0].lessons[0] == make_pack().modules[0].lessons[0]
    assert pack.description.startswith("Как рассказывать")
    assert pack.quizzes == {}


def test_lesson_required_defaults_to_true(tmp_path):
    files = with_changes(lessons__intro_md="---\ntitle: Введение\n---\nТекст\n")
    lesson = read_pack_dir(put(tmp_path / "p", files)).modules[0].lessons[0]
    assert (lesson.title, lesson.required, lesson.body) == ("Введение", True, "Текст")


def test_zip_with_one_top_level_folder_reads():
    files = {f"union-news/{name}": data for name, data in good_files().items()}
    files = {"union-news/": b"", "union-news/lessons/": b"", **files}
    files["__MACOSX/union-news/._course.yaml"] = b"\x00\x05\x16\x07"
    files["union-news/.DS_Store"] = b"\x00\x00\x00\x01Bud1"
    assert read_pack_zip(zip_of(files)) == make_pack()


def test_write_pack_dir_needs_a_new_or_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    write_pack_dir(make_pack(), tmp_path / "empty")
    assert (tmp_path / "empty" / "course.yaml").is_file()
    with pytest.raises(FileExistsError):
        write_pack_dir(make_pack(), tmp_path / "empty")
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError):
        write_pack_dir(make_pack(), tmp_path / "file")


def test_writers_refuse_an_invalid_pack(tmp_path):
    pack = make_pack()
    pack.modules[0].lessons[0].key = "../../etc/evil"
    with pytest.raises(PackError) as caught:
        write_pack_zip(pack)
    assert caught.value.problems[0].file == "course.yaml"
    with pytest.raises(PackError):
        write_pack_dir(pack, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path.parent / "etc").exists()


# --- validate_pack ------------------------------------------------------------------------------


def test_validate_pack_accepts_the_good_pack():
    assert validate_pack(make_pack()) == []


def test_validate_pack_reports_every_problem_in_memory():
    pack = make_pack()
    pack.slug = "Union News"
    pack.language = "de"
    pack.duration_minutes = True  # type: ignore[assignment]
    pack.topics = ["", "x" * 41]
    pack.cover = "missing.png"
    pack.modules[1].key = "basics"
    pack.modules[1].lessons.append(PackLesson("intro", "Повтор", ""))
    pack.modules[0].lessons[1].title = "  "
    pack.modules[0].lessons[1].required = "yes"  # type: ignore[assignment]
    pack.media["page.png"] = b"<html><body>hi</body></html>"
    pack.media["photo.jpg"] = PNG
    pack.media["bad name.png"] = PNG
    pack.quizzes["notes.txt"] = "x"
    problems = validate_pack(pack)
    assert all(p.line is None for p in problems)
    expected = [
        ("course.yaml", "slug"),
        ("course.yaml", "language"),
        ("course.yaml", "duration"),
        ("course.yaml", "topic"),
        ("course.yaml", "cover"),
        ("course.yaml", "two modules have the key “basics”"),
        ("course.yaml", "lesson “intro” appears twice"),
        ("lessons/who-does-what.md", "enter a title"),
        ("lessons/who-does-what.md", "“required” must be true or false"),
        ("media/page.png", "only png"),
        ("media/photo.jpg", "does not match its content (image/png)"),
        ("media/bad name.png", "file name"),
        ("quizzes/notes.txt", ".gift"),
    ]
    for file, text in expected:
        assert found(problems, file, None, text), (file, text, problems)


def test_validate_pack_refuses_a_pdf_cover():
    pack = make_pack()
    pack.cover = "handout.pdf"
    assert found(validate_pack(pack), "course.yaml", None, "must be an image")


# --- course.yaml problems -----------------------------------------------------------------------


def test_yaml_syntax_error_names_the_line(tmp_path):
    problems = refused_dir(tmp_path, course_yaml("title: Основы\n", "title: [Основы\n"))
    assert [p.file for p in problems] == ["course.yaml"]
    assert problems[0].line in (15, 16)
    assert "YAML syntax error" in problems[0].message


def test_yaml_syntax_error_with_bad_indentation(tmp_path):
    problems = refused_dir(tmp_path, course_yaml("language: ru\n", "language: ru\n  oops: 1\n"))
    assert found(problems, "course.yaml", 8, "YAML syntax error")


def test_course_yaml_missing(tmp_path):
    problems = refused_dir(tmp_path, with_changes(course_yaml=None))
    assert found(problems, "course.yaml", None, "course.yaml is missing")


def test_course_yaml_must_be_a_mapping(tmp_path):
    problems = refused_dir(tmp_path, with_changes(course_yaml="- just\n- a list\n"))
    assert found(problems, "course.yaml", 1, "key: value")


def test_missing_field_is_reported_once(tmp_path):
    problems = refused_dir(tmp_path, course_yaml("title: Профсоюзные новости\n", ""))
    assert problems == [
        PackProblem("course.yaml", 1, "The field “title” is missing."),
    ]


def test_missing_module_field_points_at_the_module(tmp_path):
    problems = refused_dir(tmp_path, course_yaml("  title: Практика\n", ""))
    assert problems == [PackProblem("course.yaml", 19, "The field “title” is missing.")]


def test_unsupported_format(tmp_path):
    problems = refused_dir(tmp_path, course_yaml("format: 1", "format: 2"))
    assert found(problems, "course.yaml", 1, "Unsupported pack format “2”")


def test_unknown_field_is_refused(tmp_path):
    problems = refused_dir(tmp_path, course_yaml("language: ru\n", "language: ru\nauthor: Я\n"))
    assert found(problems, "course.yaml", 8, "Unknown field “author”")


@pytest.mark.parametrize(
    ("old", "new", "line", "text"),
    [
        ("slug: union-news", "slug: Union News", 2, "slug"),
        ("slug: union-news", "slug: x", 2, "slug"),
        ("slug: union-news", "slug: 2024", 2, "slug"),
        ("language: ru", "language: de", 7, "“ru” or “en”"),
        ("duration_minutes: 90", "duration_minutes: true", 11, "whole minutes"),
        ("duration_minutes: 90", "duration_minutes: '90'", 11, "whole minutes"),
        ("duration_minutes: 90", "duration_minutes: 0", 11, "whole minutes"),
        ("duration_minutes: 90", "duration_minutes: 100001", 11, "whole minutes"),
        ("duration_minutes: 90", "duration_minutes: 1.5", 11, "whole minutes"),
        ("title: Профсоюзные новости", "title: ''", 3, "enter a title"),
        ("title: Профсоюзные новости", "title: [a, b]", 3, "must be text"),
        ("description: |", "description: [a]\nx: |", 4, "description must be text"),
        ("- информационная работа", "- ''", 10, "topic"),
        ("topics:", "topics: 5\nx:", 8, "topics must be a list"),
        ("cover: cover.png", "cover: missing.png", 12, "one of the files in media/"),
        ("cover: cover.png", "cover: handout.pdf", 12, "must be an image"),
        ("modules:\n", "modules: none\nx:\n", 13, "“modules” must be a list"),
        ("- key: basics\n", "- 5\n- key: basics\n", 14, "must have a key"),
        ("key: practice", "key: Practice", 19, "a key must be"),
        ("key: practice", "key: basics", 19, "two modules have the key “basics”"),
        ("title: Практика", "title: 42", 20, "must be text"),
        ("  - first-leaflet", "  - first-leaflet\n  - intro", 23, "lesson “intro” appears twice"),
        ("  - first-leaflet", "  - First_Leaflet", 22, "a key must be"),
        ("  lessons:\n  - first-leaflet", "  lessons: first-leaflet", 21, "must be a list"),
    ],
)
def test_bad_course_field_names_its_line(tmp_path, old, new, line, text):
    problems = refused_dir(tmp_path, course_yaml(old, new))
    assert found(problems, "course.yaml", line, text), problems


@pytest.mark.parametrize(
    ("addition", "line", "text"),
    [
        ("quizzes: final\n", 23, "“quizzes” must be a list of quizzes."),
        ("quizzes:\n- final\n", 23, "“quizzes” must be a list of quizzes."),
        ("certificate: [a]\n", 23, "“certificate” must be “key: value” lines."),
        ("format: true\n", 23, "Unsupported pack format “True”"),
    ],
)
def test_misshapen_course_yaml_parts_are_named_once(tmp_path, addition, line, text):
    files = course_yaml("  - first-leaflet\n", "  - first-leaflet\n" + addition)
    problems = refused_dir(tmp_path, files)
    assert [(p.line, p.message[: len(text)]) for p in problems] == [(line, text)], problems


class _Entry(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    key: str
    limit: int = 1


def test_validation_issues_name_the_line_of_each_error_inside_the_validated_part():
    text = "quizzes:\n- key: final\n  limit: many\n  colour: red\n- {}\n"
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    issues = []
    for i, raw in enumerate(yaml.safe_load(text)["quizzes"]):
        try:
            _Entry.model_validate(raw)
        except pydantic.ValidationError as error:
            issues += validation_issues(error, "course.yaml", at=("quizzes", i))
    problems = locate(issues, {"course.yaml": (node, 0)}, set())
    assert sorted((p.line, p.message) for p in problems) == [
        (3, "“limit” has the wrong type."),  # pydantic's own English is not shown
        (4, "Unknown field “colour”."),
        (5, "The field “key” is missing."),
    ]


def test_lesson_listed_without_its_file(tmp_path):
    problems = refused_dir(tmp_path, with_changes(lessons__intro_md=None))
    assert problems == [
        PackProblem(
            "course.yaml",
            17,
            "Lesson “intro” is listed in the outline but lessons/intro.md is missing.",
        )
    ]


def test_lesson_file_not_in_the_outline(tmp_path):
    problems = refused_dir(tmp_path, with_changes(lessons__extra_md="---\ntitle: Лишний\n---\n"))
    assert problems == [
        PackProblem(
            "lessons/extra.md", None, "This lesson is not listed in any module of course.yaml."
        )
    ]


# --- Lesson file problems -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("# Нет заголовка\n", 1, "must start with a “---” line"),
        ("", 1, "must start with a “---” line"),
        ("---\ntitle: Открыто\nТекст\n", 1, "never closed"),
        ("---\ntitle: Ок\nrequired: [yes\n---\nТекст\n", 3, "YAML syntax error"),
        ("---\ntitle: Ок\n  bad: indent\n---\n", 3, "YAML syntax error"),
        ("---\n- a\n- b\n---\n", 2, "key: value"),
        ("---\nrequired: false\n---\nТекст\n", 2, "no title"),
        ("---\n---\nТекст\n", 2, "no title"),
        ("---\ntitle: ' '\n---\n", 2, "enter a title"),
        ("---\ntitle: Ок\nrequired: да\n---\n", 3, "“required” must be true or false"),
        ("---\ntitle: Ок\nauthor: Я\n---\n", 3, "Unknown field “author”"),
    ],
)
def test_bad_lesson_file_names_its_line(tmp_path, text, line, message):
    problems = refused_dir(tmp_path, with_changes(lessons__intro_md=text))
    assert found(problems, "lessons/intro.md", line, message), problems
    assert all(p.file == "lessons/intro.md" for p in problems), problems


def test_badly_named_lesson_file(tmp_path):
    problems = refused_dir(tmp_path, with_changes(lessons__Intro_md=INTRO_MD))
    assert found(problems, "lessons/Intro.md", None, "named after its key")


# --- Files, media, encodings --------------------------------------------------------------------


def test_svg_renamed_to_png_is_refused(tmp_path):
    problems = refused_dir(tmp_path, with_changes(media__cover_png=SVG))
    assert found(problems, "media/cover.png", None, "Only PNG, JPEG, GIF, WebP")


@pytest.mark.parametrize(
    ("name", "data", "text"),
    [
        ("media/page.jpg", b"<html><script>alert(1)</script></html>", "only png"),
        ("media/tool.pdf", b"MZ\x90\x00", "only png"),
        ("media/photo.gif", PNG, "does not match its content (image/png)"),
        ("media/фото.png", PNG, "file name"),
        ("media/-x.png", PNG, "file name"),
        ("media/my photo.png", PNG, "file name"),
        ("media/a..b.png", PNG, "file name"),
    ],
)
def test_bad_media_file_is_refused(tmp_path, name, data, text):
    problems = refused_dir(tmp_path, {**good_files(), name: data})
    assert found(problems, name, None, text), problems


def test_jpeg_may_be_named_jpeg(tmp_path):
    files = {**good_files(), "media/photo.jpeg": b"\xff\xd8\xff\xe0JFIF"}
    assert "photo.jpeg" in read_pack_dir(put(tmp_path / "p", files)).media


@pytest.mark.parametrize(
    ("name", "data", "line"),
    [
        ("course.yaml", COURSE_YAML.encode().replace(b"ru\n", b"r\xfc\n"), 7),
        ("lessons/intro.md", INTRO_MD.encode("cp1251"), 2),
        ("quizzes/final.gift", GIFT.encode("cp1251"), 1),
    ],
)
def test_text_files_must_be_utf8(tmp_path, name, data, line):
    problems = refused_dir(tmp_path, {**good_files(), name: data})
    assert found(problems, name, line, "not UTF-8"), problems


@pytest.mark.parametrize(
    ("name", "reported"),
    [
        ("notes.txt", "notes.txt"),
        ("extra/readme.md", "extra/"),
        ("lessons/old/intro.md", "lessons/old/intro.md"),
        ("lessons/intro.txt", "lessons/intro.txt"),
        ("media/sub/cover.png", "media/sub/cover.png"),
        ("quizzes/final.txt", "quizzes/final.txt"),
        ("lessons", "lessons"),
    ],
)
def test_unknown_files_and_folders_are_refused(tmp_path, name, reported):
    files = good_files()
    if name == "lessons":
        files = {"course.yaml": files["course.yaml"]}
    problems = refused_dir(tmp_path, {**files, name: b"x"})
    assert any(p.file == reported for p in problems), problems


def test_every_problem_is_reported_at_once(tmp_path):
    files = course_yaml("slug: union-news", "slug: Bad Slug")
    files["course.yaml"] = files["course.yaml"].replace("language: ru", "language: xx")
    files.pop("lessons/who-does-what.md")
    files["lessons/intro.md"] = "нет front matter\n"
    files["media/cover.png"] = SVG
    files["notes.txt"] = "x"
    files["lessons/stray.md"] = "---\ntitle: Лишний\n---\n"
    problems = refused_dir(tmp_path, files)
    assert {(p.file, p.line) for p in problems} == {
        ("course.yaml", 2),
        ("course.yaml", 7),
        ("course.yaml", 18),
        ("lessons/intro.md", 1),
        ("lessons/stray.md", None),
        ("media/cover.png", None),
        ("notes.txt", None),
    }
    assert problems == sorted(problems, key=lambda p: (p.file, p.line or 0))


def test_problems_are_found_even_when_course_yaml_is_broken(tmp_path):
    files = with_changes(course_yaml="format: [\n", media__cover_png=SVG)
    files["lessons/intro.md"] = "---\ntitle: [\n---\n"
    problems = refused_dir(tmp_path, files)
    assert {p.file for p in problems} == {"course.yaml", "lessons/intro.md", "media/cover.png"}


def test_symlink_in_a_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    root = put(tmp_path / "pack", good_files())
    (root / "media" / "link.png").symlink_to(secret)
    problems = refused(lambda: read_pack_dir(root))
    assert found(problems, "media/link.png", None, "Symbolic links")


def test_missing_folder_is_refused(tmp_path):
    problems = refused(lambda: read_pack_dir(tmp_path / "nowhere"))
    assert problems[0].file == ""


def test_hidden_and_os_litter_is_ignored_in_a_folder(tmp_path):
    root = put(tmp_path / "pack", {**good_files(), ".git/config": "x", "media/.DS_Store": "x"})
    assert read_pack_dir(root) == make_pack()


# --- Zip safety ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("/etc/passwd", "absolute"),
        ("C:/Windows/evil.dll", "absolute"),
        ("../evil.md", "“..”"),
        ("lessons/../../evil.md", "“..”"),
        ("media\\evil.png", "backslash"),
        ("lessons//intro.md", "empty path"),
        ("./course.yaml", "empty path"),
    ],
)
def test_zip_slip_paths_are_refused(name, text):
    problems = refused(lambda: read_pack_zip(zip_of({**good_files(), name: b"x"})))
    assert found(problems, name, None, text), problems


def test_zip_symlink_entry_is_refused():
    link = (stat.S_IFLNK | 0o777) << 16
    data = zip_of({**good_files(), "media/link.png": b"/etc/passwd"}, {"media/link.png": link})
    problems = refused(lambda: read_pack_zip(data))
    assert problems == [PackProblem("media/link.png", None, "Symbolic links are not allowed.")]


def test_zip_with_too_many_files_is_refused():
    files = {**good_files(), **{f"media/f{i}.png": PNG for i in range(10)}}
    problems = refused(lambda: read_pack_zip(zip_of(files), max_files=12))
    assert problems == [
        PackProblem("", None, "The archive holds 17 entries; at most 12 are allowed.")
    ]
    assert read_pack_zip(zip_of(good_files()), max_files=7) == make_pack()


def test_zip_bomb_is_refused_by_declared_size():
    bomb = zip_of({**good_files(), "media/bomb.png": PNG + b"\0" * 3_000_000})
    assert len(bomb) < 100_000
    problems = refused(lambda: read_pack_zip(bomb, max_total_bytes=1024 * 1024))
    assert found(problems, "", None, "larger than 1 MB")


def test_zip_bomb_with_lying_headers_is_refused():
    bomb = zip_of({**good_files(), "media/bomb.png": PNG + b"\0" * 3_000_000})
    real = struct.pack("<I", len(PNG) + 3_000_000)
    assert bomb.count(real) == 2  # the local header and the central directory
    forged = bomb.replace(real, struct.pack("<I", 100))
    problems = refused(lambda: read_pack_zip(forged, max_total_bytes=1024 * 1024))
    assert found(problems, "media/bomb.png", None, "damaged"), problems


def test_reading_stops_as_soon_as_real_bytes_exceed_the_budget():
    data = zip_of({"big.bin": b"\0" * 1_000_000})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entry = archive.infolist()[0]
        with pytest.raises(pack_archive._TooBig):
            pack_archive._read_entry(archive, entry, 200_000)
        assert len(pack_archive._read_entry(archive, entry, 1_000_000)) == 1_000_000


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04broken", PNG])
def test_non_zip_is_refused_clearly(data):
    problems = refused(lambda: read_pack_zip(data))
    assert problems == [PackProblem("", None, "This file is not a zip archive.")]


def test_zip_duplicate_and_encrypted_entries_are_refused():
    data = zip_of({"media/secret.png": PNG, **good_files()})
    # zipfile cannot encrypt, so set the "encrypted" flag in the central directory by hand.
    entry = data.index(b"PK\x01\x02")
    assert data[entry + 46 : entry + 62] == b"media/secret.png"
    data = data[: entry + 8] + b"\x01" + data[entry + 9 :]
    buffer = io.BytesIO(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.writestr("media/cover.png", PNG)
    problems = refused(lambda: read_pack_zip(buffer.getvalue()))
    assert found(problems, "media/cover.png", None, "appears twice")
    assert found(problems, "media/secret.png", None, "Encrypted")


def test_zip_problems_and_content_problems_come_together():
    files = {**good_files(), "../evil": b"x", "media/cover.png": SVG}
    problems = refused(lambda: read_pack_zip(zip_of(files)))
    assert {p.file for p in problems} == {"../evil", "media/cover.png"}


def test_zip_with_a_folder_but_no_course_yaml_is_refused():
    files = {f"pack/{name}": data for name, data in good_files().items() if name != "course.yaml"}
    problems = refused(lambda: read_pack_zip(zip_of(files)))
    assert found(problems, "course.yaml", None, "missing")
    assert found(problems, "pack/", None, "Unknown file or folder")


def test_pack_error_lists_problems_in_its_message():
    error = PackError(
        [PackProblem("course.yaml", 3, "Bad."), PackProblem("", None, "Not a zip archive.")]
    )
    assert str(error) == "course.yaml:3: Bad.\nNot a zip archive."


def test_pack_modules_import_each_other_one_way():
    """archive ← format ← yaml_reader ← checks ← shapes ← reading ← database: never a later
    one (also inside functions: reading imports shapes on first use)."""
    order = ["archive", "format", "yaml_reader", "checks", "shapes", "reading", "database"]
    folder = Path(__file__).parent.parent / "courses" / "packs"
    assert sorted(p.stem for p in folder.glob("*.py")) == sorted([*order, "__init__"])
    for rank, name in enumerate(order):
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        imported = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.module == "courses.packs":  # from courses.packs import shapes
                imported |= {alias.name for alias in node.names}
            elif (node.module or "").startswith("courses.packs."):
                imported.add(node.module.removeprefix("courses.packs."))
        assert imported <= set(order[:rank]), (name, imported)
