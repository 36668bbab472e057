"""The inside of a GIFT answer block `{...}`: which question type it is, and its answers."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from quizzes.gift.text import Block
from quizzes.spec import NumericAnswer, Option, Pair, QuestionSpec, TextAnswer

TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WEIGHT_RE = re.compile(r"[+-]?\d+(?:\.\d+)?")


@dataclass
class _Answer:
    """One answer of a block: its `=`/`~` marker ("" when unmarked) and its source span."""

    marker: str
    pos: int  # where errors point: the marker, or the text of an unmarked answer
    start: int  # just after the marker
    end: int


def parse_answers(block: Block, start: int, end: int, brace: int) -> QuestionSpec | str:
    """The type and answers of a question, or why it is skipped.

    start..end is the trimmed, non-empty block content without its ####general feedback;
    `brace` is the position of `{`, where errors about the whole block point.
    """
    # The order follows Moodle: numeric, then any `~` (choice), then `=` (matching or short
    # answer), then true/false. Special characters inside texts must be escaped for this to work.
    if block.text[start] == "#":
        return _numeric(block, start + 1, end, brace)
    if block.positions("~", start, end):
        return _choice(block, _split(block, start, end, "~="), brace)
    if block.positions("=", start, end):
        answers = _split(block, start, end, "=")
        # Only an answer's text counts: a "->" in short-answer feedback is not an arrow.
        if any(block.find("->", a.start, _text_end(block, a)) != -1 for a in answers):
            return _matching(block, answers, brace)
        return _shortanswer(block, answers, brace)
    return _truefalse(block, start, end)


def _split(
    block: Block, start: int, end: int, markers: str, *, unmarked: bool = False
) -> list[_Answer]:
    """The answers in start..end, each at a marker; `unmarked` allows a first one without."""
    marks = block.positions(markers, start, end)
    lead_start, lead_end = block.trim(start, marks[0] if marks else end)
    answers = []
    if lead_start < lead_end:
        if not unmarked:
            raise block.error(lead_start, _("Answers must start with “=” (right) or “~” (wrong)."))
        answers.append(_Answer("", lead_start, lead_start, marks[0] if marks else end))
    for i, mark in enumerate(marks):
        stop = marks[i + 1] if i + 1 < len(marks) else end
        answers.append(_Answer(block.text[mark], mark, mark + 1, stop))
    return answers


def _text_end(block: Block, answer: _Answer) -> int:
    """Where an answer's text ends: at its #feedback, if any."""
    hash_pos = block.find("#", answer.start, answer.end)
    return answer.end if hash_pos == -1 else hash_pos


def _weight(block: Block, answer: _Answer) -> tuple[float | None, int]:
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


def _text_and_feedback(block: Block, answer: _Answer, start: int) -> tuple[str, str]:
    """An answer's text (required) and its #feedback."""
    text_end = _text_end(block, answer)
    text = block.value(start, text_end)
    if not text:
        raise block.error(answer.pos, _("An answer has no text."))
    feedback = block.value(text_end + 1, answer.end) if text_end < answer.end else ""
    return text, feedback


def _require_positive(block: Block, weights: list[float], brace: int) -> None:
    """Refuse a question no answer of which earns marks."""
    if not any(weight > 0 for weight in weights):
        raise block.error(brace, _("No answer has a positive weight."))


def _choice(block: Block, answers: list[_Answer], brace: int) -> QuestionSpec:
    """`=right ~wrong ~%50%half`: single choice when any `=` is present, multiple otherwise."""
    options = []
    for number, answer in enumerate(answers, 1):
        weight, start = _weight(block, answer)
        if weight is None:
            weight = 1.0 if answer.marker == "=" else 0.0
        text, feedback = _text_and_feedback(block, answer, start)
        options.append(Option(f"o{number}", text, weight, feedback))
    if len(options) < 2:
        raise block.error(brace, _("A multiple-choice question needs at least two answers."))
    _require_positive(block, [option.weight for option in options], brace)
    # Moodle's rule: an `=` answer makes it "one answer only"; all-`~` is "multiple answers".
    single = any(answer.marker == "=" for answer in answers)
    return QuestionSpec(type="single" if single else "multiple", text="", options=options)


def _shortanswer(block: Block, answers: list[_Answer], brace: int) -> QuestionSpec:
    """`=answer =%50%half right#feedback`."""
    result = []
    for answer in answers:
        weight, start = _weight(block, answer)
        text, feedback = _text_and_feedback(block, answer, start)
        result.append(TextAnswer(text, 1.0 if weight is None else weight, feedback))
    _require_positive(block, [answer.weight for answer in result], brace)
    return QuestionSpec(type="shortanswer", text="", answers=result)


def _matching(block: Block, answers: list[_Answer], brace: int) -> QuestionSpec:
    """`=left -> right`, at least two pairs; the first "->" of a pair is its arrow."""
    pairs = []
    for number, answer in enumerate(answers, 1):
        arrow = block.find("->", answer.start, answer.end)
        if arrow == -1:
            raise block.error(answer.pos, _("A matching pair needs “left -> right”."))
        if block.find("#", answer.start, answer.end) != -1:
            # Moodle would keep the "#..." as part of the right side; it is surely meant as
            # feedback, which matching pairs cannot have.
            raise block.error(
                answer.pos, _("Matching pairs cannot have “#feedback” (escape it: “\\#”).")
            )
        left, right = block.value(answer.start, arrow), block.value(arrow + 2, answer.end)
        if not left or not right:
            raise block.error(answer.pos, _("Both sides of a matching pair need text."))
        pairs.append(Pair(f"p{number}", left, right))
    if len(pairs) < 2:
        raise block.error(brace, _("A matching question needs at least two pairs."))
    return QuestionSpec(type="matching", text="", pairs=pairs)


def _truefalse(block: Block, start: int, end: int) -> QuestionSpec:
    """`{T}`, `{FALSE#feedback when wrong#feedback when right}`."""
    hashes = block.positions("#", start, end)
    head = block.raw(start, hashes[0] if hashes else end)
    truth = TRUE_FALSE.get(head.upper())
    if truth is None:
        first_word = head.split()[0].upper() if head.split() else ""
        if first_word in TRUE_FALSE:
            raise block.error(
                start,
                _("Unexpected text after “%(word)s” in a true/false answer.", word=first_word),
            )
        raise block.error(
            start,
            _(
                "Answers must start with “=” (right), “~” (wrong) or “#” (numeric), "
                "or be “T” or “F”."
            ),
        )
    if len(hashes) > 2:
        raise block.error(hashes[2], _("A true/false answer has at most two “#” feedbacks."))
    bounds = [*hashes, end]
    feedback = [block.value(bounds[i] + 1, bounds[i + 1]) for i in range(len(hashes))]
    wrong, right = [*feedback, "", ""][:2]
    # Moodle shows the first feedback to a wrong answer and the second to a right one.
    return QuestionSpec(
        type="truefalse",
        text="",
        truth=truth,
        feedback_true=right if truth else wrong,
        feedback_false=wrong if truth else right,
    )


def _numeric(block: Block, start: int, end: int, brace: int) -> QuestionSpec | str:
    """`{#3.14:0.01}`, `{#1..5}`, `{#=3.14:0 =%50%3.1:0.1#feedback}`."""
    if block.positions("~", start, end):
        # Moodle's `~#feedback` is feedback for "any other answer", which the spec cannot hold.
        return _("Numeric questions with feedback for any other answer (“~”) are not supported.")
    answers = _split(block, start, end, "=", unmarked=True)
    if not answers:
        raise block.error(brace, _("The answer block has no answers."))
    result = []
    for answer in answers:
        weight, body = _weight(block, answer)
        text_end = _text_end(block, answer)
        feedback = block.value(text_end + 1, answer.end) if text_end < answer.end else ""
        number = _numeric_answer(block, answer.pos, block.raw(body, text_end))
        number.weight = 1.0 if weight is None else weight
        number.feedback = feedback
        result.append(number)
    _require_positive(block, [answer.weight for answer in result], brace)
    return QuestionSpec(type="numeric", text="", numeric=result)


def _numeric_answer(block: Block, pos: int, raw: str) -> NumericAnswer:
    """`value`, `value:tolerance` or `low..high`."""
    dots = raw.find("..", 1)
    if dots != -1:
        low, high = _number(block, pos, raw[:dots]), _number(block, pos, raw[dots + 2 :])
        if low > high:
            raise block.error(pos, _("The range “%(raw)s” ends below its start.", raw=raw))
        return NumericAnswer(low=low, high=high)
    value, colon, tolerance = raw.partition(":")
    result = NumericAnswer(value=_number(block, pos, value))
    if colon:
        result.tolerance = _number(block, pos, tolerance)
        if result.tolerance < 0:
            raise block.error(pos, _("The tolerance in “%(raw)s” is negative.", raw=raw))
    return result


def _number(block: Block, pos: int, raw: str) -> float:
    """A finite decimal number (a point, not a comma, as in Moodle)."""
    raw = raw.strip()
    if not _NUMBER_RE.fullmatch(raw) or not math.isfinite(float(raw)):
        if "," in raw:
            raise block.error(
                pos, _("“%(raw)s” is not a number (use a point for decimals).", raw=raw)
            )
        raise block.error(pos, _("“%(raw)s” is not a number.", raw=raw))
    return float(raw)
