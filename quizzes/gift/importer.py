"""GIFT files into a course's question bank: all questions or none."""

from __future__ import annotations

from courses.models import Course
from quizzes import bank
from quizzes.gift.read import GiftResult, parse_gift
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
