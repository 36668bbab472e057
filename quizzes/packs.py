"""Quizzes in course packs: the question bank as GIFT files, quiz settings in course.yaml.

A quiz's fixed questions travel in `quizzes/<quiz key>.gift`; the other questions of the
bank (those drawn at random, or not used yet) in `quizzes/bank.gift`. course.yaml lists each
quiz with its settings and its lines: `- file: check.gift` (every question of the file, in
order) or `- category: Name` with `draw: N`.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from courses import media_refs
from courses.models import Course
from courses.packs import CoursePack, PackError, PackProblem
from courses.packs.checks import line_of
from quizzes import bank, services
from quizzes.gift import GiftError, GiftResult, bank_to_gift, parse_gift
from quizzes.models import Question, QuestionCategory, Quiz
from quizzes.render import render_text
from training.accounts.models import User
from training.errors import ServiceError
from training.extensions import db

if TYPE_CHECKING:  # pydantic's models: imported when a pack is read (see import_quizzes)
    from quizzes.pack_entries import DrawLine, FileLine, QuizEntry

BANK_FILE = "bank.gift"


# ---- export ---------------------------------------------------------------------------------


def export_quizzes(course: Course, pack: CoursePack) -> None:
    """Put the course's bank and quizzes into the pack (deterministic, for byte-equal packs).

    A question GIFT cannot hold refuses the export (PackError naming it): a pack that quietly
    lost a question would import as a different course.
    """
    questions = bank.bank(course)
    in_quiz_files: set[int] = set()
    problems: list[PackProblem] = []

    def write(name: str, chosen: list[Question]) -> None:
        export = bank_to_gift(chosen)
        pack.quizzes[name] = export.text
        problems.extend(PackProblem(f"quizzes/{name}", None, note) for note in export.left_out)

    for quiz in services.quizzes_of(course):
        lines: list[dict[str, Any]] = []
        fixed = [slot.question for slot in quiz.slots if slot.question is not None]
        fixed = [q for q in fixed if q.retired_at is None]
        if fixed:
            name = f"{quiz.key}.gift"
            write(name, fixed)
            in_quiz_files.update(q.id for q in fixed)
            lines.append({"file": name})
        for slot in quiz.slots:
            if slot.category is not None:
                lines.append({"category": slot.category.name, "draw": slot.draw_count})
        pack.quiz_settings.append({"key": quiz.key, **_settings_of(quiz), "questions": lines})
    rest = [q for q in questions if q.id not in in_quiz_files]
    if rest:
        write(BANK_FILE, rest)
    if problems:
        raise PackError(problems)


def _settings_of(quiz: Quiz) -> dict[str, Any]:
    data: dict[str, Any] = {"title": quiz.title}
    if quiz.module_key:
        data["module"] = quiz.module_key
    if quiz.intro:
        data["intro"] = quiz.intro
    data.update(
        {
            "open": quiz.is_open,
            "required": quiz.required,
            "pass_mark": quiz.pass_mark,
            "attempts_allowed": quiz.attempts_allowed,
            "min_delay_minutes": _minutes(quiz.min_delay_seconds),
        }
    )
    if quiz.time_limit_seconds:
        data["time_limit_minutes"] = _minutes(quiz.time_limit_seconds)
    data.update(
        {
            "shuffle_questions": quiz.shuffle_questions,
            "shuffle_options": quiz.shuffle_options,
            "questions_per_page": quiz.questions_per_page,
            "review": quiz.review,
            "done_when": quiz.done_when,
        }
    )
    return data


def _minutes(seconds: int) -> int | float:
    minutes = seconds / 60
    return int(minutes) if minutes == int(minutes) else round(minutes, 4)


# ---- import ---------------------------------------------------------------------------------


def import_quizzes(course: Course, pack: CoursePack, user: User) -> None:
    """Add the pack's questions to the bank (skipping ones it already has) and create or
    update its quizzes. Any problem refuses the whole pack with its file and line."""
    problems: list[PackProblem] = []
    by_file: dict[str, list[Question]] = {}
    existing = _existing(course)
    for name in sorted(pack.quizzes):
        try:
            parsed = parse_gift(pack.quizzes[name])
        except GiftError as error:
            problems.append(PackProblem(f"quizzes/{name}", error.line, error.message))
            continue
        # A pack says what it means: an item GIFT reads but the bank cannot hold is an error.
        problems += [PackProblem(f"quizzes/{name}", s.line, s.reason) for s in parsed.skipped]
        problems += _missing_media(pack, name, parsed)
        default_category = PurePosixPath(name).stem
        questions = []
        for item in parsed.items:
            category = item.category or default_category
            key = (category, _frozen(item.spec.to_json()))
            question = existing.get(key)
            if question is None:
                try:
                    question = bank.add_question(course, item.spec, user, category)
                except ServiceError as error:
                    problems.append(PackProblem(f"quizzes/{name}", item.line, error.message))
                    continue
                existing[key] = question
            questions.append(question)
        by_file[name] = questions
    # Here, not at the top: pydantic costs every worker megabytes, and few import packs.
    from quizzes.pack_entries import parse_quizzes

    entries, invalid = parse_quizzes(pack.quiz_settings)
    problems += [_problem(pack, path, message) for path, message in invalid]
    if not problems:
        for index, entry in enumerate(entries):
            problems += _apply_quiz(course, pack, index, entry, by_file)
    if problems:
        raise PackError(problems)


def _missing_media(pack: CoursePack, name: str, parsed: GiftResult) -> list[PackProblem]:
    """Every reference of the file's questions to a `media/…` file the pack lacks."""
    lines = pack.quizzes[name].split("\n")
    problems = []
    for item in parsed.items:
        for text, text_format in item.spec.texts():

            def render(raw: str, base: str, text_format: str = text_format) -> str:
                return render_text(raw, text_format, base)

            for missing, _line in media_refs.missing(text, render, pack.media):
                # The first line of the question that names the file.
                at = next(
                    (
                        n
                        for n in range(item.line, len(lines) + 1)
                        if f"media/{missing}" in lines[n - 1]
                    ),
                    item.line,
                )
                problems.append(PackProblem(f"quizzes/{name}", at, media_refs.not_in_pack(missing)))
    return list(dict.fromkeys(problems))


def _existing(course: Course) -> dict[tuple[str, Any], Question]:
    found = {}
    for question in bank.bank(course):
        found[(question.category.name, _frozen(question.current_version.data))] = question
    return found


def _frozen(value: Any) -> Any:
    """A hashable copy of JSON data, to recognise a question the bank already has."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _problem(pack: CoursePack, path: tuple[str | int, ...], message: str) -> PackProblem:
    return PackProblem("course.yaml", line_of(pack.course_node, path), message)


# The quiz services' field names -> the keys of a quiz entry in course.yaml.
SETTING_KEYS = {
    "title": "title",
    "pass_mark": "pass_mark",
    "time_limit": "time_limit_minutes",
    "module": "module",
    "key": "key",
}


def _apply_quiz(
    course: Course,
    pack: CoursePack,
    index: int,
    entry: QuizEntry,
    by_file: dict[str, list[Question]],
) -> list[PackProblem]:
    """Create or update one quiz from its valid entry and set its lines anew."""
    where = ("quizzes", index)
    quiz = db.session.scalar(
        sa.select(Quiz).where(Quiz.course_id == course.id, Quiz.key == entry.key)
    )
    try:
        if quiz is None:
            quiz = services.create_quiz(course, entry.settings(), entry.key)
        else:
            services.update_quiz(course, quiz, entry.settings())
        for slot in list(quiz.slots):
            services.remove_slot(quiz, slot)
        for j, line in enumerate(entry.questions or []):
            message = _add_line(course, quiz, line, by_file)
            if message:
                return [_problem(pack, (*where, "questions", j), message)]
    except ServiceError as error:
        # At the setting the service names, when it names one (the entry's line otherwise).
        key = SETTING_KEYS.get(error.field or "")
        return [_problem(pack, (*where, key) if key else where, error.message)]
    db.session.flush()
    return []


def _add_line(
    course: Course, quiz: Quiz, line: FileLine | DrawLine, by_file: dict[str, list[Question]]
) -> str:
    """Add one line's questions to the quiz; what is wrong with the line, or ""."""
    from quizzes.pack_entries import FileLine  # loaded by import_quizzes already

    if isinstance(line, FileLine):
        if line.file not in by_file:
            return _("No such GIFT file in quizzes/.")
        for question in by_file[line.file]:
            services.add_fixed(quiz, question)
        return ""
    category = db.session.scalar(
        sa.select(QuestionCategory).where(
            QuestionCategory.course_id == course.id, QuestionCategory.name == line.category
        )
    )
    if category is None:
        return _("No such question category.")
    services.add_random(quiz, category, line.draw)
    return ""
