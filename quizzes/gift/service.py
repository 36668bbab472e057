"""A course's question bank in and out of GIFT: import all questions or none, export."""

from __future__ import annotations

from courses.models import Course
from quizzes import bank
from quizzes.gift.read import GiftResult, parse_gift
from quizzes.gift.write import to_gift
from quizzes.models import Question
from quizzes.types.base import REGISTRY
from training.accounts.models import User


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


def bank_to_gift(questions: list[Question]) -> str:
    """Bank questions as GIFT under their categories; types GIFT cannot express are left out."""
    return to_gift(
        [
            (q.category.name, q.current_version.spec)
            for q in questions
            if q.current_version is not None and REGISTRY[q.current_version.type].in_gift
        ]
    )
