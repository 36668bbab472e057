"""Numeric questions: a number, exact within a tolerance or inside a range."""

from __future__ import annotations

import math
import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from quizzes.gift import answers as gift
from quizzes.gift.text import Block
from quizzes.gift.write import (
    GiftLoss,
    answer_block,
    check_weights,
    feedback,
    format_number,
    weight_prefix,
)
from quizzes.spec import NumericAnswer, QuestionSpec
from quizzes.types.base import (
    GradeResult,
    InvalidResponse,
    QuestionType,
    clamp,
    parse_number,
    require,
)

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class Numeric(QuestionType):
    """A number: exact within a tolerance, or inside a range; the best-weighted match counts."""

    name = "numeric"
    title = _l("Number")
    gift_reads = "numeric"
    in_gift = True

    def check(self, spec: QuestionSpec, response: Any) -> float | None:
        if response is None or (isinstance(response, str) and not response.strip()):
            return None
        if isinstance(response, int | float) and not isinstance(response, bool):
            return float(response)
        if not isinstance(response, str) or len(response) > 100:
            raise InvalidResponse("expected a number")
        return parse_number(response)

    def invalid_message(self) -> str:
        return _("Enter a number, e.g. 12 or 3,5.")

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        value = self.check(spec, response)
        if value is None:
            return GradeResult(0.0)
        matches = [a for a in spec.numeric if _matches(a, value)]
        # The answer for any other number counts only when no other answer matches.
        matches = matches or [a for a in spec.numeric if a.any_other]
        label = (f"{value:g}",)
        if not matches:
            return GradeResult(0.0, (), label)
        best = max(matches, key=lambda a: a.weight)
        return GradeResult(clamp(best.weight), (best.feedback,) if best.feedback else (), label)

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        result = []
        for a in spec.numeric:
            if a.weight < 1 or a.any_other:
                continue
            if a.low is not None and a.high is not None:
                result.append(f"{a.low:g}…{a.high:g}")
            elif a.tolerance:
                result.append(f"{a.value:g} ± {a.tolerance:g}")
            else:
                result.append(f"{a.value:g}")
        return result

    def full_marks(self, spec: QuestionSpec) -> str:
        best = max((a for a in spec.numeric if not a.any_other), key=lambda a: a.weight)
        return str(best.value if best.value is not None else best.low)

    def check_spec(self, spec: QuestionSpec) -> None:
        accepted = any(a.weight > 0 for a in spec.numeric if not a.any_other)
        require(accepted, _("A numeric question needs an accepted answer."))
        require(
            sum(a.any_other for a in spec.numeric) <= 1,
            _("Only one answer may be for any other number."),
        )

    def to_gift(self, spec: QuestionSpec, general: str) -> str:
        """`{#3.14:0.01}`, or one `=%50%1..5#feedback` a line."""
        answers = [a for a in spec.numeric if not a.any_other]
        check_weights([answer.weight for answer in answers], "numeric question")
        default = spec.text_format
        lines = [
            f"={weight_prefix(a.weight, '')}{_gift_value(a)}"
            f"{feedback(a.feedback, a.feedback_format, default)}"
            for a in answers
        ]
        for other in (a for a in spec.numeric if a.any_other):
            if other.weight != 0:
                raise GiftLoss(_("GIFT gives no marks for “any other number” (“~#feedback”)."))
            lines.append(f"~{feedback(other.feedback, other.feedback_format, default)}")
        if len(lines) == 1 and not general and not lines[0].startswith("=%"):
            lines = [lines[0][1:]]  # inline, the `=` is not needed: `{#3.14:0.01}`
        return answer_block(lines, general, "{#")

    def from_gift(self, block: Block, start: int, end: int, brace: int) -> QuestionSpec | str:
        """`{#3.14:0.01}`, `{#1..5}`, `{#=3.14:0 =%50%3.1:0.1#feedback}`."""
        start += 1  # past the `#`
        tildes = block.positions("~", start, end)
        other = None
        if tildes:
            # Moodle's `~#feedback`: the feedback for any other number, after the answers.
            catch_all = gift.Answer("~", tildes[0], tildes[0] + 1, end)
            if len(tildes) > 1 or block.raw(catch_all.start, gift.text_end(block, catch_all)):
                raise block.error(
                    tildes[0], _("Write one “~#feedback” for any other number, after the answers.")
                )
            remark = gift.feedback(block, catch_all)
            other = NumericAnswer(weight=0.0, feedback=remark.text, feedback_format=remark.format)
            end = tildes[0]
        answers = gift.split(block, start, end, "=", unmarked=True)
        if not answers:
            raise block.error(brace, _("The answer block has no answers."))
        result = []
        for answer in answers:
            weight, body = gift.weight(block, answer)
            number = _read_answer(block, answer.pos, block.raw(body, gift.text_end(block, answer)))
            number.weight = 1.0 if weight is None else weight
            remark = gift.feedback(block, answer)
            number.feedback, number.feedback_format = remark.text, remark.format
            result.append(number)
        gift.require_positive(block, [answer.weight for answer in result], brace)
        if other is not None:
            result.append(other)
        return QuestionSpec(type="numeric", text="", numeric=result)


def _matches(answer: NumericAnswer, value: float) -> bool:
    if answer.low is not None and answer.high is not None:
        return answer.low <= value <= answer.high
    if answer.value is None:
        return False
    # A hair of slack so 0.1 + 0.2 style rounding never fails an exact answer.
    return abs(value - answer.value) <= answer.tolerance + 1e-9 * max(1.0, abs(answer.value))


def _gift_value(answer: NumericAnswer) -> str:
    """`low..high`, `value:tolerance`, or `value`."""
    if answer.low is not None or answer.high is not None:
        if answer.low is None or answer.high is None or answer.low > answer.high:
            raise ValueError(f"a numeric range needs low <= high: {answer}")
        return f"{format_number(answer.low)}..{format_number(answer.high)}"
    if answer.value is None:
        raise ValueError(f"a numeric answer needs a value or a range: {answer}")
    if answer.tolerance < 0:
        raise ValueError(f"a numeric tolerance cannot be negative: {answer}")
    value = format_number(answer.value)
    return f"{value}:{format_number(answer.tolerance)}" if answer.tolerance else value


def _read_answer(block: Block, pos: int, raw: str) -> NumericAnswer:
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
