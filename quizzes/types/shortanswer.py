"""Short-answer questions: typed text compared with accepted answers."""

from __future__ import annotations

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
    has_text,
    marked,
    weight_prefix,
)
from quizzes.spec import ANY_ANSWER, QuestionSpec, TextAnswer
from quizzes.types.base import (
    GradeResult,
    InvalidResponse,
    QuestionType,
    clamp,
    normalise_text,
    require,
)

# A star not escaped with a backslash: Moodle's wildcard for "any characters".
_WILDCARD_RE = re.compile(r"(?<!\\)\*")


class ShortAnswer(QuestionType):
    """Typed text compared with accepted answers; the best-weighted match counts."""

    name = "shortanswer"
    title = _l("Short answer")
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
        matches = [
            a for a in spec.answers if a.text != ANY_ANSWER and normalise_text(a.text) == typed
        ]
        # "*" is the answer for anything no other answer matches (Moodle's catch-all).
        matches = matches or [a for a in spec.answers if a.text == ANY_ANSWER]
        if not matches:
            return GradeResult(0.0, (), (typed,))
        best = max(matches, key=lambda a: a.weight)
        return GradeResult(clamp(best.weight), (best.feedback,) if best.feedback else (), (typed,))

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        return [a.text for a in spec.answers if a.weight >= 1 and a.text != ANY_ANSWER]

    def full_marks(self, spec: QuestionSpec) -> str:
        return max(spec.answers, key=lambda a: a.weight).text

    def check_spec(self, spec: QuestionSpec) -> None:
        accepted = any(a.weight > 0 for a in spec.answers)
        require(accepted, _("A short-answer question needs an accepted answer."))
        require(
            sum(a.text == ANY_ANSWER for a in spec.answers) <= 1,
            _("Only one answer may be “*” (any other response)."),
        )

    def to_gift(self, spec: QuestionSpec, general: str) -> str:
        """`=answer`, `=%50%answer#feedback`, `=%0%*#any other`; a literal star as `\\*`."""
        check_weights([answer.weight for answer in spec.answers], "short-answer question")
        lines = []
        for answer in spec.answers:
            if not has_text(answer.text):
                raise ValueError("short-answer question: an answer has no text")
            if "->" in answer.text or "->" in answer.feedback:
                # Moodle reads any "->" in the answers as a matching question.
                raise GiftLoss(_("GIFT cannot hold “->” in a short answer or its feedback."))
            text = marked(answer.text, "", "moodle")
            if answer.text != ANY_ANSWER:
                text = text.replace("*", "\\*")
            weight = weight_prefix(answer.weight, text)
            remark = feedback(answer.feedback, answer.feedback_format, spec.text_format)
            lines.append(f"={weight}{text}{remark}")
        return answer_block(lines, general)

    def from_gift(self, block: Block, start: int, end: int, brace: int) -> QuestionSpec | str:
        """`=answer =%50%half right#feedback =%0%*#any other response`."""
        result = []
        for answer in gift.split(block, start, end, "="):
            weight, text_start = gift.weight(block, answer)
            text, remark = gift.text_and_feedback(block, answer, text_start)
            value = text.text  # a format marker means nothing for a typed answer
            if value != ANY_ANSWER:
                if _WILDCARD_RE.search(value):
                    return _(
                        "Short answers with a “*” wildcard inside an answer are not supported."
                    )
                value = value.replace("\\*", "*")
            result.append(
                TextAnswer(value, 1.0 if weight is None else weight, remark.text, remark.format)
            )
        gift.require_positive(block, [answer.weight for answer in result], brace)
        return QuestionSpec(type="shortanswer", text="", answers=result)
