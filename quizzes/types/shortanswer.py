"""Short-answer questions: typed text compared with accepted answers."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from quizzes.gift import answers as gift
from quizzes.gift.text import Block
from quizzes.gift.write import answer_block, answer_text, check_weights, feedback, weight_prefix
from quizzes.spec import QuestionSpec, TextAnswer
from quizzes.types.base import (
    GradeResult,
    InvalidResponse,
    QuestionType,
    clamp,
    normalise_text,
    require,
)


class ShortAnswer(QuestionType):
    """Typed text compared with accepted answers; the best-weighted match counts."""

    name = "shortanswer"
    gift_reads = "answers"
    in_gift = True

    def check(self, spec: QuestionSpec, response: Any) -> str:
        if response is None:
            return ""
        if not isinstance(response, str) or len(response) > 1000:
            raise InvalidResponse("expected a short text")
        return response

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        typed = normalise_text(self.check(spec, response))
        if not typed:
            return GradeResult(0.0)
        matches = [a for a in spec.answers if normalise_text(a.text) == typed]
        if not matches:
            return GradeResult(0.0, (), (typed,))
        best = max(matches, key=lambda a: a.weight)
        return GradeResult(clamp(best.weight), (best.feedback,) if best.feedback else (), (typed,))

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        return [a.text for a in spec.answers if a.weight >= 1]

    def full_marks(self, spec: QuestionSpec) -> str:
        return max(spec.answers, key=lambda a: a.weight).text

    def check_spec(self, spec: QuestionSpec) -> None:
        accepted = any(a.weight > 0 for a in spec.answers)
        require(accepted, _("A short-answer question needs an accepted answer."))

    def to_gift(self, spec: QuestionSpec, general: str) -> str:
        """`=answer`, `=%50%answer#feedback`."""
        check_weights([answer.weight for answer in spec.answers], "short-answer question")
        lines = []
        for answer in spec.answers:
            text = answer_text(answer.text, "short-answer question", arrows=True)
            weight = weight_prefix(answer.weight, text)
            lines.append(f"={weight}{text}{feedback(answer.feedback)}")
        return answer_block(lines, general)

    def from_gift(self, block: Block, start: int, end: int, brace: int) -> QuestionSpec:
        """`=answer =%50%half right#feedback`."""
        result = []
        for answer in gift.split(block, start, end, "="):
            weight, text_start = gift.weight(block, answer)
            text, remark = gift.text_and_feedback(block, answer, text_start)
            result.append(TextAnswer(text, 1.0 if weight is None else weight, remark))
        gift.require_positive(block, [answer.weight for answer in result], brace)
        return QuestionSpec(type="shortanswer", text="", answers=result)
