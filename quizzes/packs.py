"""Quizzes in course packs: the question bank as GIFT files, quiz settings in course.yaml.

A quiz's fixed questions travel in `quizzes/<quiz key>.gift`; the other questions of the
bank (those drawn at random, or not used yet) in `quizzes/bank.gift`. course.yaml lists each
quiz with its settings and its lines: `- file: check.gift` (every question of the file, in
order) or `- category: Name` with `draw: N`.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from courses.models import Course
from courses.pack_checks import line_of
from courses.packs import CoursePack, PackError, PackProblem
from quizzes import bank, services
from quizzes.gift import GiftError, bank_to_gift, parse_gift
from quizzes.models import Question, QuestionCategory, Quiz
from training.accounts.models import User
from training.errors import ServiceError
from training.extensions import db

BANK_FILE = "bank.gift"
SETTINGS = {  # name in course.yaml: (QuizSettings field, type, default)
    "title": ("title", str, None),
    "module": ("module_key", str, None),
    "intro": ("intro", str, ""),
    "open": ("is_open", bool, True),
    "required": ("required", bool, True),
    "pass_mark": ("pass_mark", int, 70),
    "attempts_allowed": ("attempts_allowed", int, 0),
    "min_delay_minutes": ("min_delay_seconds", float, 0),
    "time_limit_minutes": ("time_limit_seconds", float, None),
    "shuffle_questions": ("shuffle_questions", bool, False),
    "shuffle_options": ("shuffle_options", bool, True),
    "questions_per_page": ("questions_per_page", int, 1),
    "review": ("review", str, "feedback"),
    "done_when": ("done_when", str, "passed"),
}


# ---- export ---------------------------------------------------------------------------------


def export_quizzes(course: Course, pack: CoursePack) -> None:
    """Put the course's bank and quizzes into the pack (deterministic, for byte-equal packs)."""
    questions = bank.bank(course)
    in_quiz_files: set[int] = set()
    for quiz in services.quizzes_of(course):
        lines: list[dict[str, Any]] = []
        fixed = [slot.question for slot in quiz.slots if slot.question is not None]
        fixed = [q for q in fixed if q.retired_at is None]
        if fixed:
            name = f"{quiz.key}.gift"
            pack.quizzes[name] = bank_to_gift(fixed)
            in_quiz_files.update(q.id for q in fixed)
            lines.append({"file": name})
        for slot in quiz.slots:
            if slot.category is not None:
                lines.append({"category": slot.category.name, "draw": slot.draw_count})
        pack.quiz_settings.append({"key": quiz.key, **_settings_of(quiz), "questions": lines})
    rest = [q for q in questions if q.id not in in_quiz_files]
    if rest:
        pack.quizzes[BANK_FILE] = bank_to_gift(rest)


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
    if not problems:
        for i, raw in enumerate(pack.quiz_settings):
            problems += _import_quiz(course, pack, i, raw, by_file)
    if problems:
        raise PackError(problems)


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


def _import_quiz(
    course: Course,
    pack: CoursePack,
    index: int,
    raw: dict[str, Any],
    by_file: dict[str, list[Question]],
) -> list[PackProblem]:
    where = ("quizzes", index)
    problems = []
    unknown = set(raw) - set(SETTINGS) - {"key", "questions"}
    for name in sorted(unknown):
        problems.append(
            _problem(pack, (*where, name), _("Unknown quiz setting “%(name)s”.", name=name))
        )
    values: dict[str, Any] = {}
    for name, (attr, kind, default) in SETTINGS.items():
        value = raw.get(name, default)
        if value is None and default is None and name != "title":
            values[attr] = None
            continue
        ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            problems.append(
                _problem(pack, (*where, name), _("“%(name)s” has the wrong type.", name=name))
            )
            continue
        values[attr] = round(value * 60) if name.endswith("_minutes") else value
    lines = raw.get("questions") or []
    if not isinstance(lines, list):
        problems.append(_problem(pack, (*where, "questions"), _("“questions” must be a list.")))
        lines = []
    if problems:
        return problems
    try:
        settings = services.QuizSettings(**values)
        key = raw.get("key")
        quiz = db.session.scalar(
            sa.select(Quiz).where(Quiz.course_id == course.id, Quiz.key == key)
        )
        if quiz is None:
            quiz = services.create_quiz(course, settings, key if isinstance(key, str) else None)
        else:
            services.update_quiz(course, quiz, settings)
        for slot in list(quiz.slots):
            services.remove_slot(quiz, slot)
        for j, line in enumerate(lines):
            if isinstance(line, dict) and "file" in line:
                for question in by_file.get(line["file"], []):
                    services.add_fixed(quiz, question)
                if line["file"] not in by_file:
                    return [
                        _problem(
                            pack, (*where, "questions", j), _("No such GIFT file in quizzes/.")
                        )
                    ]
            elif isinstance(line, dict) and "category" in line:
                category = db.session.scalar(
                    sa.select(QuestionCategory).where(
                        QuestionCategory.course_id == course.id,
                        QuestionCategory.name == line["category"],
                    )
                )
                if category is None:
                    return [
                        _problem(pack, (*where, "questions", j), _("No such question category."))
                    ]
                services.add_random(quiz, category, int(line.get("draw", 1)))
            else:
                return [
                    _problem(
                        pack,
                        (*where, "questions", j),
                        _("A line is “file: name.gift” or “category: name” with “draw: N”."),
                    )
                ]
    except ServiceError as error:
        return [_problem(pack, where, error.message)]
    db.session.flush()
    return []
