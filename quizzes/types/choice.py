"""Choice questions: one option (single) or several (multiple), each option with a weight."""

from __future__ import annotations

import random
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from quizzes.gift import answers as gift
from quizzes.gift.text import Block
from quizzes.gift.write import (
    GiftLoss,
    answer_block,
    answer_text,
    check_weights,
    feedback,
    format_percent,
)
from quizzes.spec import Option, QuestionSpec
from quizzes.types.base import GradeResult, InvalidResponse, QuestionType, clamp, require


class ChoiceType(QuestionType):
    """What single and multiple choice share: options, their order, their checks and GIFT."""

    in_gift = True

    def served_order(self, spec: QuestionSpec, shuffle: bool, rng: random.Random) -> list[str]:
        ids = [o.id for o in spec.options]
        if shuffle:
            rng.shuffle(ids)
        return ids

    def served_values(self, spec: QuestionSpec, order: list[str]) -> list[str]:
        return order

    def check_spec(self, spec: QuestionSpec) -> None:
        require(len(spec.options) >= 2, _("A choice question needs at least two options."))
        require(
            len({o.id for o in spec.options}) == len(spec.options),
            _("Option identifiers must be unique."),
        )
        require(max(o.weight for o in spec.options) > 0, _("At least one option must earn marks."))

    def to_gift(self, spec: QuestionSpec, general: str) -> str:
        """`=right`, `~wrong`, `~%50%partial`, `~%100%right` (Moodle reads a weight only after
        `~`: `=%50%x` would be a right answer with the text "%50%x")."""
        weights = [option.weight for option in spec.options]
        if len(weights) < 2:
            raise ValueError("a choice question needs at least two options")
        check_weights(weights, "choice question")
        texts = [
            answer_text(option.text, "choice question", option.text_format, spec.text_format)
            for option in spec.options
        ]
        lines = []
        for option, text, equal in zip(
            spec.options, texts, self._equals(weights, texts), strict=True
        ):
            if equal:
                marker = "="
            elif option.weight == 0 and not text.startswith("%"):
                marker = "~"
            else:  # an explicit weight also protects a text that starts with "%"
                marker = f"~%{format_percent(option.weight)}%"
            remark = feedback(option.feedback, option.feedback_format, spec.text_format)
            lines.append(f"{marker}{text}{remark}")
        return answer_block(lines, general)

    def _equals(self, weights: list[float], texts: list[str]) -> list[bool]:
        """Which options GIFT marks with `=` (full marks) rather than `~`."""
        return [False] * len(weights)

    def from_gift(self, block: Block, start: int, end: int, brace: int) -> QuestionSpec:
        """`=right ~wrong ~%50%half`: single choice when any `=` is present, multiple otherwise."""
        answers = gift.split(block, start, end, "~=")
        options = []
        for number, answer in enumerate(answers, 1):
            weight, text_start = gift.weight(block, answer)
            if weight is None:
                weight = 1.0 if answer.marker == "=" else 0.0
            text, remark = gift.text_and_feedback(block, answer, text_start)
            options.append(
                Option(f"o{number}", text.text, weight, remark.text, text.format, remark.format)
            )
        if len(options) < 2:
            raise block.error(brace, _("A multiple-choice question needs at least two answers."))
        gift.require_positive(block, [option.weight for option in options], brace)
        # Moodle's rule: an `=` answer makes it "one answer only"; all-`~` is "multiple answers".
        single = any(answer.marker == "=" for answer in answers)
        return QuestionSpec(type="single" if single else "multiple", text="", options=options)


class SingleChoice(ChoiceType):
    """One option is chosen; it earns its weight (partial credit allowed)."""

    name = "single"
    title = _l("Single choice")
    gift_reads = "choice"  # and gives "multiple" when no answer is marked `=`

    def check(self, spec: QuestionSpec, response: Any) -> str | None:
        if response in (None, ""):
            return None
        if not isinstance(response, str) or response not in {o.id for o in spec.options}:
            raise InvalidResponse("unknown option")
        return response

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        chosen = self.check(spec, response)
        option = next((o for o in spec.options if o.id == chosen), None)
        if option is None:
            return GradeResult(0.0)
        remark = (option.feedback,) if option.feedback else ()
        return GradeResult(clamp(option.weight), remark, (option.id,))

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        best = max((o.weight for o in spec.options), default=0)
        return [o.text for o in spec.options if o.weight == best and best > 0]

    def full_marks(self, spec: QuestionSpec) -> str:
        return max(spec.options, key=lambda o: o.weight).id

    def _equals(self, weights: list[float], texts: list[str]) -> list[bool]:
        # An `=` is what makes it "single" in GIFT, and it means full marks: `=` for each 100%
        # option whose text cannot be taken for a weight. At least one `~` must stay, or the
        # block reads as short answers.
        equals = [w == 1.0 and not t.startswith("%") for w, t in zip(weights, texts, strict=True)]
        if all(equals):
            equals[-1] = False
        if not any(equals):
            raise GiftLoss(
                _(
                    "GIFT marks a single-choice question by an answer worth full marks; without "
                    "one Moodle reads it as multiple choice."
                )
            )
        return equals


class MultipleChoice(ChoiceType):
    """Several options may be chosen; their weights add up (negative ones too), clamped to 0..1."""

    name = "multiple"
    title = _l("Multiple choice")

    def read_form(self, name: str, order: list[str], form: MultiDict) -> list[str]:
        return form.getlist(name)

    def check(self, spec: QuestionSpec, response: Any) -> frozenset[str]:
        if response in (None, ""):
            return frozenset()
        values = [response] if isinstance(response, str) else response
        if not isinstance(values, list | tuple | set | frozenset):
            raise InvalidResponse("expected a list of options")
        ids = {o.id for o in spec.options}
        if any(not isinstance(v, str) or v not in ids for v in values):
            raise InvalidResponse("unknown option")
        return frozenset(values)

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        chosen = self.check(spec, response)
        picked = [o for o in spec.options if o.id in chosen]
        remarks = tuple(o.feedback for o in picked if o.feedback)
        # Rounded: three GIFT weights of 33.33333% must add up to full marks.
        total = round(sum(o.weight for o in picked), 4)
        return GradeResult(clamp(total), remarks, tuple(o.id for o in picked))

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        return [o.text for o in spec.options if o.weight > 0]

    def full_marks(self, spec: QuestionSpec) -> list[str]:
        return [o.id for o in spec.options if o.weight > 0]
