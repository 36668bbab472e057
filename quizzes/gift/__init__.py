"""Moodle's GIFT format for question banks: read and write (pure), and import into a bank.

Modules by concern: `text` (escapes, a question block that knows its lines), `answers` (the
inside of `{...}`), `read` (a file into specs), `write` (specs into a file), `service` (a course's
bank in and out of GIFT). Each question type writes and reads its own answer block.
"""

from __future__ import annotations

from quizzes.gift.read import GiftItem, GiftResult, GiftSkipped, parse_gift
from quizzes.gift.service import (
    GiftExport,
    add_gift_items,
    bank_to_gift,
    gift_problem,
    import_gift,
)
from quizzes.gift.text import GiftError
from quizzes.gift.write import GiftLoss, to_gift

__all__ = [
    "GiftError",
    "GiftExport",
    "GiftItem",
    "GiftLoss",
    "GiftResult",
    "GiftSkipped",
    "add_gift_items",
    "bank_to_gift",
    "gift_problem",
    "import_gift",
    "parse_gift",
    "to_gift",
]
