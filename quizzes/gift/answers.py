"""The inside of a GIFT answer block `{...}`: which form it has, and the helpers each question
type's `from_gift` uses to read its answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from quizzes.gift.text import Block
from quizzes.spec import QuestionSpec
from quizzes.types.base import gift_reader

_WEIGHT_RE = re.compile(r"[+-]?\d+(?:\.\d+)?")


@dataclass
class Marked:
    """A text and the format its `[html]`-style marker named ("" without a marker)."""

    format: str
    text: str


@dataclass
class Answer:
    """One answer of a block: its `=`/`~` marker ("" when unmarked) and its source span."""

    marker: str
    pos: int  # where errors point: the marker, or the text of an unmarked answer
    start: int  # just after the marker
    end: int


def parse_answers(block: Block, start: int, end: int, brace: int) -> QuestionSpec | str:
    """The type and answers of a question, or why it is skipped.

    start..end is the trimmed block content without its ####general feedback (empty for an
    essay);
    `brace` is the position of `{`, where errors about the whole block point. The block's
    form decides which registered type reads it.
    """
    return gift_reader(answer_form(block, start, end)).from_gift(block, start, end, brace)


def answer_form(block: Block, start: int, end: int) -> str:
    """Which GIFT form an answer block has: essay, numeric, choice, pairs, answers or truefalse."""
    if start == end:
        return "essay"
    # The order follows Moodle: numeric, then any `~` (choice), then `=` (matching or short
    # answer), then true/false. Special characters inside texts must be escaped for this to work.
    if block.text[start] == "#":
        return "numeric"
    if block.positions("~", start, end):
        return "choice"
    if block.positions("=", start, end):
        answers = split(block, start, end, "=")
        # Only an answer's text counts: a "->" in short-answer feedback is not an arrow.
        if any(block.find("->", a.start, text_end(block, a)) != -1 for a in answers):
            return "pairs"
        return "answers"
    return "truefalse"


def split(
    block: Block, start: int, end: int, markers: str, *, unmarked: bool = False
) -> list[Answer]:
    """The answers in start..end, each at a marker; `unmarked` allows a first one without."""
    marks = block.positions(markers, start, end)
    lead_start, lead_end = block.trim(start, marks[0] if marks else end)
    answers = []
    if lead_start < lead_end:
        if not unmarked:
            raise block.error(lead_start, _("Answers must start with “=” (right) or “~” (wrong)."))
        answers.append(Answer("", lead_start, lead_start, marks[0] if marks else end))
    for i, mark in enumerate(marks):
        stop = marks[i + 1] if i + 1 < len(marks) else end
        answers.append(Answer(block.text[mark], mark, mark + 1, stop))
    return answers


def text_end(block: Block, answer: Answer) -> int:
    """Where an answer's text ends: at its #feedback, if any."""
    hash_pos = block.find("#", answer.start, answer.end)
    return answer.end if hash_pos == -1 else hash_pos


def weight(block: Block, answer: Answer) -> tuple[float | None, int]:
    """An answer's `%n%` weight as a fraction (None when absent), and where its text starts."""
    pos = block.trim(answer.start, answer.end)[0]
    if pos == answer.end or block.text[pos] != "%":
        return None, answer.start
    close = block.text.find("%", pos + 1, answer.end)
    if close == -1:
        rest = block.text[pos + 1 : answer.end].split()
        raise block.error(
            pos,
            _(
                "The weight “%%%(raw)s” needs a closing “%%” (write “%%50%%” or “%%-100%%”).",
                raw=rest[0] if rest else "",
            ),
        )
    raw = block.text[pos + 1 : close]
    if not _WEIGHT_RE.fullmatch(raw):
        raise block.error(
            pos, _("Bad weight “%%%(raw)s%%” (write “%%50%%” or “%%-100%%”).", raw=raw)
        )
    if not -100 <= float(raw) <= 100:
        raise block.error(pos, _("Weight “%%%(raw)s%%” is outside -100..100.", raw=raw))
    # Divided in decimal so that %33.33333% is exactly the float 0.3333333.
    return float(Decimal(raw) / 100), close + 1


def text_and_feedback(block: Block, answer: Answer, start: int) -> tuple[Marked, Marked]:
    """An answer's text (required) and its #feedback, each with the format its marker names."""
    stop = text_end(block, answer)
    text = Marked(*block.formatted(start, stop))
    if not text.text:
        raise block.error(answer.pos, _("An answer has no text."))
    return text, feedback(block, answer)


def feedback(block: Block, answer: Answer) -> Marked:
    """An answer's #feedback with its format, or an empty one."""
    stop = text_end(block, answer)
    return Marked(*block.formatted(stop + 1, answer.end)) if stop < answer.end else Marked("", "")


def require_positive(block: Block, weights: list[float], brace: int) -> None:
    """Refuse a question no answer of which earns marks."""
    if not any(value > 0 for value in weights):
        raise block.error(brace, _("No answer has a positive weight."))
