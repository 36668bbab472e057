"""Course pack errors name the line where the problem is, and every media reference is checked
at import (file:line) and before publishing (a warning)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from courses.models import Course
from courses.packs import PackError, course_to_pack, import_pack, read_pack_dir
from quizzes import bank
from quizzes.models import Question, QuestionVersion, Quiz
from quizzes.spec import Pair, QuestionSpec
from tests.course_helpers import add_scheme, build_course
from training.extensions import db

STARTER = Path(__file__).parent.parent / "courses" / "starter" / "info-work-basics"


@pytest.fixture
def media_root(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))


@pytest.fixture
def pack_dir(tmp_path) -> Path:
    """A copy of a starter pack to break."""
    folder = tmp_path / "pack"
    shutil.copytree(STARTER, folder)
    return folder


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in a file; the 1-based line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def problems(folder: Path, users=None) -> list[tuple[str, int | None, str]]:
    with pytest.raises(PackError) as caught:
        pack = read_pack_dir(folder)
        import_pack(pack, users["trainer"])
    return [(p.file, p.line, p.message) for p in caught.value.problems]


def counts() -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Course, Question, Quiz)
    )


@pytest.mark.parametrize("quote", ["'", '"'])
def test_an_unclosed_quote_is_reported_where_it_opens(ctx, pack_dir, quote):
    line = edit(pack_dir / "course.yaml", "title: ", f"title: {quote}")
    assert line == 3
    assert problems(pack_dir) == [
        (
            "course.yaml",
            3,
            "Ошибка синтаксиса YAML: кавычка, открытая в этой строке, не закрыта.",
        )
    ]


def test_other_syntax_errors_keep_their_own_line(ctx, pack_dir):
    line = edit(pack_dir / "course.yaml", "  pass_mark: 70", "  pass_mark: 70 x: y")
    [(file, found, message)] = problems(pack_dir)
    assert (file, found) == ("course.yaml", line) and "кавычка" not in message


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("pass_mark: 70", "pass_mark: 170", "Значение «pass_mark» вне допустимых пределов."),
        ("pass_mark: 70", "pass_mark: семьдесят", "У «pass_mark» неверный тип значения."),
        (
            "review: answers_when_passed",
            "review: always",
            "«review» должно быть одним из значений: score, feedback, answers, "
            "answers_when_passed.",
        ),
        ("module: why-and-who", "module: no-such-module", "Выберите модуль этого курса."),
    ],
)
def test_a_bad_quiz_setting_is_reported_at_its_own_line(
    ctx, users, media_root, pack_dir, old, new, message
):
    line = edit(pack_dir / "course.yaml", old, new)
    entry = next(
        n
        for n, text in enumerate((pack_dir / "course.yaml").read_text().splitlines(), 1)
        if text.startswith("- key: why-and-who-quiz")
    )
    assert line > entry  # the setting, not the start of the quiz entry
    before = counts()
    assert problems(pack_dir, users) == [("course.yaml", line, message)]
    db.session.rollback()
    assert counts() == before


def test_a_lesson_image_missing_from_the_pack_is_refused_at_its_line(ctx, pack_dir):
    lesson = next((pack_dir / "lessons").glob("*.md"))
    text = lesson.read_text(encoding="utf-8")
    body_start = text.index("---", 3) + 4
    line = text[:body_start].count("\n") + 3  # a line after the body's first
    lines = text.splitlines()
    lines.insert(line - 1, "![Схема](media/missing.png) и [памятка](media/gone.pdf)")
    lines.append("`media/in-code.png` is code, not a reference.")
    lesson.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert problems(pack_dir) == [
        (f"lessons/{lesson.name}", line, "media/missing.png нет в пакете."),
        (f"lessons/{lesson.name}", line, "media/gone.pdf нет в пакете."),
    ]


def test_a_question_image_missing_from_the_pack_is_refused_at_its_line(
    ctx, users, media_root, pack_dir
):
    gift = next((pack_dir / "quizzes").glob("*.gift"))
    text = gift.read_text(encoding="utf-8")
    gift.write_text(
        text + "\n\n::Схема::[markdown]Что на схеме?\n![Схема](media/nowhere.png)\n{T}\n",
        encoding="utf-8",
    )
    line = text.count("\n") + 4
    before = counts()
    assert problems(pack_dir, users) == [
        (f"quizzes/{gift.name}", line, "media/nowhere.png нет в пакете.")
    ]
    db.session.rollback()
    assert counts() == before


def test_a_description_in_a_pack_is_refused_with_its_line(ctx, users, media_root, pack_dir):
    gift = next((pack_dir / "quizzes").glob("*.gift"))
    text = gift.read_text(encoding="utf-8")
    gift.write_text(text + "\n\n::Вступление:: Прочитайте внимательно.\n", encoding="utf-8")
    [(file, line, message)] = problems(pack_dir, users)
    assert (file, line) == (f"quizzes/{gift.name}", text.count("\n") + 3)
    assert message.startswith("Описания")


def test_an_essay_in_a_pack_is_imported(ctx, users, media_root, pack_dir):
    gift = next((pack_dir / "quizzes").glob("*.gift"))
    text = gift.read_text(encoding="utf-8")
    gift.write_text(text + "\n\n::Эссе:: Опишите ваш профком. {}\n", encoding="utf-8")
    result = import_pack(read_pack_dir(pack_dir), users["trainer"])
    types = db.session.scalars(
        sa.select(QuestionVersion.type)
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .where(Question.course_id == result.course.id)
    ).all()
    assert "essay" in types


def test_publish_warns_about_media_the_course_does_not_have(login_as, users, media_root):
    course = build_course(users["trainer"])  # its lesson "reach" shows media/scheme.png
    course.cover_filename = "cover.png"
    spec = QuestionSpec("truefalse", "![Фото](media/photo.png) Это фото?", text_format="markdown")
    spec.truth, spec.name = True, "Фото"
    bank.add_question(course, spec, users["trainer"])
    db.session.commit()
    client = login_as("trainer")
    page = " ".join(client.get("/author/info-work/publish").get_data(as_text=True).split())
    assert "Обложки media/cover.png нет среди файлов курса." in page
    assert "Урок «Охват» показывает media/scheme.png, но такого файла нет" in page
    assert "Вопрос «Фото» показывает media/photo.png, но такого файла нет" in page

    add_scheme(course)
    page = client.get("/author/info-work/publish").get_data(as_text=True)
    assert "media/scheme.png" not in page and "media/photo.png" in page


def test_a_pack_export_refuses_a_question_gift_cannot_hold(ctx, users, media_root):
    course = build_course(users["trainer"])
    add_scheme(course)
    spec = QuestionSpec(
        "matching", "Стрелки", name="Стрелки", pairs=[Pair("p1", "a->b", "c"), Pair("p2", "d", "e")]
    )
    bank.add_question(course, spec, users["trainer"])
    with pytest.raises(PackError) as caught:
        course_to_pack(course)
    [problem] = caught.value.problems
    assert problem.file == "quizzes/bank.gift"
    assert problem.message.startswith(
        "«Стрелки» не попадёт в файл GIFT: GIFT не может хранить «->»"
    )
