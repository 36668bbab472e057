"""A course's question bank in and out of GIFT: import all questions or none, export."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from courses.models import Course
from quizzes import bank
from quizzes.gift.read import GiftResult, parse_gift
from quizzes.gift.write import GiftLoss, to_gift, write_question
from quizzes.models import Question
from quizzes.spec import QuestionSpec
from quizzes.types.base import REGISTRY
from training.accounts.models import User


@dataclass
class GiftExport:
    """A GIFT file and, by question, what it leaves out and why (for the trainer to read)."""

    text: str
    left_out: list[str]


def import_gift(
    course: Course, text: str, user: User | None, default_category: str = ""
) -> GiftResult:
    """Parse a GIFT text and add every question to the bank (GiftError refuses the whole file).

    Questions keep the $CATEGORY they were given; others go to `default_category`.
    """
    result = parse_gift(text)
    add_gift_items(course, result, user, default_category)
    return result


def add_gift_items(
    course: Course, result: GiftResult, user: User | None, default_category: str = ""
) -> None:
    """Add every question of a parsed GIFT file to the bank (a ServiceError refuses them all)."""
    for item in result.items:
        bank.add_question(course, item.spec, user, item.category or default_category)


def gift_problem(spec: QuestionSpec) -> str:
    """Why GIFT, as Moodle reads it, cannot hold this question, or "" when it can."""
    kind = REGISTRY.get(spec.type)
    if kind is None or not kind.in_gift:
        return _("GIFT has no questions of type “%(type)s”.", type=spec.type)
    try:
        write_question(spec)
    except GiftLoss as loss:
        return loss.message
    except ValueError:
        return _("GIFT cannot express this question.")
    return ""


def question_label(spec: QuestionSpec) -> str:
    """A question's name, or the start of its text, for messages."""
    text = spec.name or " ".join(spec.text.split())
    return text if len(text) <= 60 else text[:59] + "…"


def bank_to_gift(questions: list[Question]) -> GiftExport:
    """Bank questions as GIFT under their categories, and the ones GIFT cannot hold, each named
    with the reason; the file starts with the same list as `//` comments."""
    items, left_out = [], []
    for question in questions:
        if question.current_version is None:
            continue
        spec = question.current_version.spec
        if problem := gift_problem(spec):
            left_out.append(
                _(
                    "“%(name)s” is not in the GIFT file: %(reason)s",
                    name=question_label(spec),
                    reason=problem,
                )
            )
        else:
            items.append((question.category.name, spec))
    text = to_gift(items)
    if left_out:
        notes = "".join(f"// {' '.join(note.split())}\n" for note in left_out)
        text = notes + "\n" + text
    return GiftExport(text, left_out)
