"""Course packs carry quizzes: the bank as GIFT files and quiz settings in course.yaml."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from courses.models import Course
from courses.packs import PackError, course_to_pack, import_pack, read_pack_zip, write_pack_zip
from quizzes import bank, services
from quizzes.models import Question, Quiz, QuizSlot
from quizzes.spec import QuestionSpec
from tests.course_helpers import add_scheme
from tests.quiz_helpers import build_quiz
from training.extensions import db


@pytest.fixture
def media_root(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def quiz_course(users):
    course, _quiz = build_quiz(users["trainer"], pass_mark=80, attempts_allowed=3)
    add_scheme(course)
    extra = bank.add_question(
        course,
        QuestionSpec(type="truefalse", text="Лид — первый абзац.", truth=True),
        users["trainer"],
        "Запас",
    )
    final = services.create_quiz(course, services.QuizSettings(title="Итоговый тест"))
    services.add_random(final, extra.category, 1)
    db.session.commit()
    return course


def packed_then_deleted(users) -> bytes:
    """The quiz course as a pack zip, the course itself deleted so the pack imports anew."""
    course = quiz_course(users)
    data = write_pack_zip(course_to_pack(course))
    db.session.delete(db.session.get(Course, course.id))
    db.session.commit()
    return data


def test_quizzes_travel_and_round_trip_byte_for_byte(ctx, users, media_root):
    course = quiz_course(users)
    first = write_pack_zip(course_to_pack(course))
    pack = read_pack_zip(first)
    assert sorted(pack.quizzes) == ["bank.gift", "proverka-po-moduliu.gift"]
    assert [q["key"] for q in pack.quiz_settings] == ["proverka-po-moduliu", "itogovyi-test"]
    assert pack.quiz_settings[0]["pass_mark"] == 80

    db.session.delete(db.session.get(Course, course.id))
    db.session.commit()
    assert count(Question) == 0
    result = import_pack(pack, users["trainer"])
    db.session.commit()
    assert count(Question) == 7 and count(Quiz) == 2 and count(QuizSlot) == 7
    assert write_pack_zip(course_to_pack(result.course)) == first


def test_reimporting_does_not_duplicate_questions(ctx, users, media_root):
    course = quiz_course(users)
    pack = course_to_pack(course)
    import_pack(pack, users["trainer"])
    db.session.commit()
    assert count(Question) == 7 and count(Quiz) == 2


def test_bad_quiz_parts_refuse_the_whole_pack(ctx, users, media_root):
    data = packed_then_deleted(users)

    pack = read_pack_zip(data)
    pack.quizzes["bank.gift"] = "::x:: Вопрос {=да ~нет\n"
    with pytest.raises(PackError) as error:
        import_pack(pack, users["trainer"])
    assert error.value.problems[0].file == "quizzes/bank.gift"
    assert error.value.problems[0].line == 1
    db.session.rollback()

    # a quiz setting of the wrong type is found at its line of course.yaml
    pack = read_pack_zip(data)
    pack.quiz_settings[0]["pass_mark"] = "много"
    files = write_pack_zip(pack)
    yaml_lines = zipfile.ZipFile(io.BytesIO(files)).read("course.yaml").decode().splitlines()
    expected = next(n for n, line in enumerate(yaml_lines, 1) if "pass_mark: много" in line)
    with pytest.raises(PackError) as error:
        import_pack(read_pack_zip(files), users["trainer"])
    problem = error.value.problems[0]
    assert (problem.file, problem.line) == ("course.yaml", expected)
    db.session.rollback()
    assert count(Course) == 0 and count(Question) == 0 and count(Quiz) == 0


def test_each_bad_quiz_entry_is_named_at_its_line_of_course_yaml(ctx, users, media_root):
    data = packed_then_deleted(users)

    pack = read_pack_zip(data)
    first, final = pack.quiz_settings
    first["colour"] = "красный"  # unknown setting
    first["shuffle_options"] = 1  # a number is not yes/no
    first["questions"].append({"chapter": "Запас"})  # neither kind of line
    final["questions"] = "Запас"  # not a list
    files = write_pack_zip(pack)
    yaml_lines = zipfile.ZipFile(io.BytesIO(files)).read("course.yaml").decode().splitlines()

    def line(text: str, after: int = 0) -> int:
        return next(n for n, ln in enumerate(yaml_lines, 1) if n > after and text in ln)

    with pytest.raises(PackError) as error:
        import_pack(read_pack_zip(files), users["trainer"])
    found = {(p.file, p.line, p.message) for p in error.value.problems}
    assert found == {
        ("course.yaml", line("colour:"), "Неизвестная настройка теста «colour»."),
        ("course.yaml", line("shuffle_options: 1"), "У «shuffle_options» неверный тип значения."),
        (
            "course.yaml",
            line("chapter:"),
            "Строка — это «file: name.gift» или «category: название» с «draw: N».",
        ),
        ("course.yaml", line("questions: Запас"), "«questions» должно быть списком."),
    }
    db.session.rollback()
    assert count(Course) == 0 and count(Question) == 0 and count(Quiz) == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda entry: entry["questions"][0].update({"draw": "abc"}),
        lambda entry: entry["questions"].__setitem__(0, {"file": ["a", "b"]}),
        lambda entry: entry.update({"time_limit_minutes": float("inf")}),
        lambda entry: entry.update({"min_delay_minutes": float("nan")}),
        lambda entry: entry.update({1: "key of another type"}),
        lambda entry: entry.update({"key": {"a": 1}}),
        lambda entry: entry["questions"].__setitem__(0, {"category": ["x"], "draw": 1}),
    ],
    ids=["draw-abc", "file-list", "inf", "nan", "int-key", "key-map", "category-list"],
)
def test_malformed_quiz_settings_are_problems_not_errors(ctx, users, media_root, change, request):
    """Seven shapes an attack walk sent: each is told at its line; nothing is imported."""
    pack = read_pack_zip(packed_then_deleted(users))
    change(pack.quiz_settings[0])
    setting = "time_limit_minutes" if request.node.callspec.id == "inf" else "min_delay_minutes"
    message = f"Значение «{setting}» вне допустимых пределов."
    with pytest.raises(PackError) as error:
        import_pack(read_pack_zip(write_pack_zip(pack)), users["trainer"])
    problems = error.value.problems
    assert problems and all(p.file == "course.yaml" and p.line for p in problems)
    if request.node.callspec.id in ("inf", "nan"):
        assert [p.message for p in problems] == [message]
    db.session.rollback()
    assert count(Course) == 0 and count(Question) == 0 and count(Quiz) == 0


def test_essay_questions_travel_in_packs_and_round_trip(ctx, users, media_root):
    course = quiz_course(users)
    bank.add_question(
        course,
        QuestionSpec(
            type="essay", text="Опишите *ваш* профком.", general_feedback="Кто, что, где."
        ),
        users["trainer"],
        "Запас",
    )
    db.session.commit()
    first = write_pack_zip(course_to_pack(course))
    assert "Опишите *ваш* профком. {\n\t####Кто, что, где.\n}" in read_pack_zip(first).quizzes[
        "bank.gift"
    ].replace("[markdown]", "")
    db.session.delete(db.session.get(Course, course.id))
    db.session.commit()
    result = import_pack(read_pack_zip(first), users["trainer"])
    db.session.commit()
    essays = [q for q in bank.bank(result.course) if q.current_version.type == "essay"]
    assert [q.current_version.spec.general_feedback for q in essays] == ["Кто, что, где."]
    assert write_pack_zip(course_to_pack(result.course)) == first
