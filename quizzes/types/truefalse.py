"""True/false questions: feedback depends on what the learner answered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from quizzes.gift.text import Block
from quizzes.gift.write import marked
from quizzes.spec import QuestionSpec
from quizzes.types.base import GradeResult, InvalidResponse, QuestionType, require

TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


class TrueFalse(QuestionType):
    """True or false; feedback depends on what the learner answered."""

    name = "truefalse"
    title = _l("True or false")
    gift_reads = "truefalse"
    in_gift = True

    def check(self, spec: QuestionSpec, response: Any) -> bool | None:
        if response in (None, ""):
            return None
        if isinstance(response, bool):
            return response
        if response in ("true", "false"):
            return response == "true"
        raise InvalidResponse("expected true or false")

    def served_values(self, spec: QuestionSpec, order: list[str]) -> list[str]:
        return ["true", "false"]  # in this order on the page

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        answer = self.check(spec, response)
        if answer is None:
            return GradeResult(0.0)
        text = spec.feedback_true if answer else spec.feedback_false
        return GradeResult(
            1.0 if answer == spec.truth else 0.0,
            (text,) if text else (),
            ("true" if answer else "false",),
        )

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        return ["true" if spec.truth else "false"]

    def review_answers(self, spec: QuestionSpec, html: Callable[[str], str]) -> list[Markup]:
        return [escape(_("True") if spec.truth else _("False"))]

    def choice_labels(self, spec: QuestionSpec) -> dict[str, str]:
        return {}

    def full_marks(self, spec: QuestionSpec) -> str:
        return "true" if spec.truth else "false"

    def check_spec(self, spec: QuestionSpec) -> None:
        require(spec.truth is not None, _("Say whether the statement is true or false."))

    def to_gift(self, spec: QuestionSpec, general: str) -> str:
        """`{TRUE#feedback when wrong#feedback when right}` on one line, the order Moodle uses."""
        if spec.truth is None:
            raise ValueError("a true/false question needs `truth`")
        default = spec.text_format
        on_true = marked(spec.feedback_true, spec.feedback_true_format, default)
        on_false = marked(spec.feedback_false, spec.feedback_false_format, default)
        if spec.truth:
            word, wrong, right = "TRUE", on_false, on_true
        else:
            word, wrong, right = "FALSE", on_true, on_false
        answer = word + (f"#{wrong}" if wrong or right else "") + (f"#{right}" if right else "")
        return "{" + answer + (f"####{general}" if general else "") + "}"

    def from_gift(self, block: Block, start: int, end: int, brace: int) -> QuestionSpec:
        """`{T}`, `{FALSE#feedback when wrong#feedback when right}`."""
        hashes = block.positions("#", start, end)
        head = block.raw(start, hashes[0] if hashes else end)
        truth = TRUE_FALSE.get(head.upper())
        if truth is None:
            raise block.error(start, _not_true_false(head))
        if len(hashes) > 2:
            raise block.error(hashes[2], _("A true/false answer has at most two “#” feedbacks."))
        bounds = [*hashes, end]
        remarks = [block.formatted(bounds[i] + 1, bounds[i + 1]) for i in range(len(hashes))]
        wrong, right = [*remarks, ("", ""), ("", "")][:2]
        # Moodle shows the first feedback to a wrong answer and the second to a right one.
        on_true, on_false = (right, wrong) if truth else (wrong, right)
        return QuestionSpec(
            type="truefalse",
            text="",
            truth=truth,
            feedback_true=on_true[1],
            feedback_false=on_false[1],
            feedback_true_format=on_true[0],
            feedback_false_format=on_false[0],
        )


def _not_true_false(head: str) -> str:
    """Why an answer block that is no other form is not true/false either."""
    first_word = head.split()[0].upper() if head.split() else ""
    if first_word in TRUE_FALSE:
        return _("Unexpected text after “%(word)s” in a true/false answer.", word=first_word)
    return _("Answers must start with “=” (right), “~” (wrong) or “#” (numeric), or be “T” or “F”.")
