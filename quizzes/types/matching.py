"""Matching questions: each left item gets one right item from a select."""

from __future__ import annotations

import random
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from quizzes.gift import answers as gift
from quizzes.gift.text import Block
from quizzes.gift.write import answer_block, answer_text
from quizzes.spec import Pair, QuestionSpec
from quizzes.types.base import GradeResult, InvalidResponse, QuestionType, require


class Matching(QuestionType):
    """Each left item gets one right item from a select; the score is the share matched."""

    name = "matching"
    gift_reads = "pairs"
    in_gift = True

    def read_form(self, name: str, order: list[str], form: MultiDict) -> dict[str, str]:
        return {pid: form.get(f"{name}-{pid}", "") for pid in order}

    def served_order(self, spec: QuestionSpec, shuffle: bool, rng: random.Random) -> list[str]:
        ids = [p.id for p in spec.pairs]
        rng.shuffle(ids)  # rights in the pairs' own order would give the answer away
        return ids

    def served_values(self, spec: QuestionSpec, order: list[str]) -> list[str]:
        return order  # the rights, one token each, the same in every row's select

    def check(self, spec: QuestionSpec, response: Any) -> dict[str, str]:
        if response in (None, ""):
            return {}
        if not isinstance(response, dict):
            raise InvalidResponse("expected pairs")
        ids = {p.id for p in spec.pairs}
        cleaned = {}
        for left, right in response.items():
            if left not in ids or (right not in ids and right not in ("", None)):
                raise InvalidResponse("unknown pair")
            if right:
                cleaned[left] = right
        return cleaned

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        chosen = self.check(spec, response)
        if not spec.pairs:
            return GradeResult(0.0)
        rights = {p.id: p.right for p in spec.pairs}
        # Two lefts may share a right text: picking either copy of that text is right.
        hits = sum(1 for p in spec.pairs if rights.get(chosen.get(p.id, "")) == p.right)
        labels = tuple(f"{left}>{right}" for left, right in sorted(chosen.items()))
        return GradeResult(hits / len(spec.pairs), (), labels)

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        return [f"{p.left} → {p.right}" for p in spec.pairs]

    def full_marks(self, spec: QuestionSpec) -> dict[str, str]:
        return {p.id: p.id for p in spec.pairs}

    def check_spec(self, spec: QuestionSpec) -> None:
        require(len(spec.pairs) >= 2, _("A matching question needs at least two pairs."))

    def to_gift(self, spec: QuestionSpec, general: str) -> str:
        """`=left -> right`; a "->" inside a left side is escaped, the first arrow splits."""
        if len(spec.pairs) < 2:
            raise ValueError("a matching question needs at least two pairs")
        lines = [
            f"={answer_text(pair.left, 'matching', arrows=True)} -> "
            f"{answer_text(pair.right, 'matching')}"
            for pair in spec.pairs
        ]
        return answer_block(lines, general)

    def from_gift(self, block: Block, start: int, end: int, brace: int) -> QuestionSpec:
        """`=left -> right`, at least two pairs; the first "->" of a pair is its arrow."""
        pairs = []
        for number, answer in enumerate(gift.split(block, start, end, "="), 1):
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
