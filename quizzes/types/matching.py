"""Matching questions: each left item gets one right item from a select; pairs without a left
side are distractors, extra wrong rights offered in every row."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from quizzes.gift import answers as gift
from quizzes.gift.text import KNOWN_MARKER_RE, Block
from quizzes.gift.write import GiftLoss, answer_block, has_text, marked
from quizzes.spec import Pair, QuestionSpec
from quizzes.types.base import GradeResult, InvalidResponse, QuestionType, require


class Matching(QuestionType):
    """Each left item gets one right item from a select; the score is the share matched."""

    name = "matching"
    title = _l("Matching")
    gift_reads = "pairs"
    in_gift = True

    def read_form(self, name: str, order: list[str], form: MultiDict) -> dict[str, str]:
        # `order` holds every right; a distractor has no row, so its field is simply absent.
        return {pid: form.get(f"{name}-{pid}", "") for pid in order}

    def served_order(self, spec: QuestionSpec, shuffle: bool, rng: random.Random) -> list[str]:
        ids = [p.id for p in spec.pairs]
        rng.shuffle(ids)  # rights in the pairs' own order would give the answer away
        return ids

    def served_values(self, spec: QuestionSpec, order: list[str]) -> list[str]:
        return order  # the rights, distractors too, one token each, the same in every row

    def check(self, spec: QuestionSpec, response: Any) -> dict[str, str]:
        if response in (None, ""):
            return {}
        if not isinstance(response, dict):
            raise InvalidResponse("expected pairs")
        ids = {p.id for p in spec.pairs}
        rows = {p.id for p in rows_of(spec)}
        cleaned = {}
        for left, right in response.items():
            if left not in ids or (right not in ids and right not in ("", None)):
                raise InvalidResponse("unknown pair")
            if right:
                if left not in rows:
                    raise InvalidResponse("a distractor has no row")
                cleaned[left] = right
        return cleaned

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        chosen = self.check(spec, response)
        rows = rows_of(spec)
        if not rows:
            return GradeResult(0.0)
        rights = {p.id: p.right for p in spec.pairs}
        # Two pairs may share a right text: picking either copy of that text is right.
        hits = sum(1 for p in rows if rights.get(chosen.get(p.id, "")) == p.right)
        labels = tuple(f"{left}>{right}" for left, right in sorted(chosen.items()))
        return GradeResult(hits / len(rows), (), labels)

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        return [f"{p.left} → {p.right}" for p in rows_of(spec)]

    def review_answers(self, spec: QuestionSpec, html: Callable[[str], str]) -> list[Markup]:
        # The version's stored HTML was sanitised when the version was saved (quizzes.render).
        return [
            (Markup(html(p.left)) if html(p.left) else escape(p.left))  # noqa: S704
            + Markup(" → ")
            + escape(p.right)
            for p in rows_of(spec)
        ]

    def choice_labels(self, spec: QuestionSpec) -> dict[str, str]:
        """`p1>p3` as "left → right" for every row and every right, distractors included."""
        return {
            f"{row.id}>{right.id}": f"{row.left[:30]} → {right.right[:30]}"
            for row in rows_of(spec)
            for right in spec.pairs
        }

    def full_marks(self, spec: QuestionSpec) -> dict[str, str]:
        return {p.id: p.id for p in rows_of(spec)}

    def check_spec(self, spec: QuestionSpec) -> None:
        require(len(rows_of(spec)) >= 2, _("A matching question needs at least two pairs."))
        require(
            all(p.right for p in spec.pairs),
            _("Every pair and every extra answer needs a right side."),
        )
        require(len({p.id for p in spec.pairs}) == len(spec.pairs), _("Pair ids must be unique."))

    def to_gift(self, spec: QuestionSpec, general: str) -> str:
        """`=left -> right`, and `= -> extra` for a distractor."""
        if len(rows_of(spec)) < 2:
            raise ValueError("a matching question needs at least two pairs")
        lines = []
        for pair in spec.pairs:
            if not has_text(pair.right) or (pair.left and not has_text(pair.left)):
                raise ValueError("matching: a side has no text")
            if "->" in pair.left:
                raise GiftLoss(_("GIFT cannot hold “->” in the left side of a matching pair."))
            if KNOWN_MARKER_RE.match(pair.right):
                raise GiftLoss(
                    _("GIFT cannot hold a right side that starts like a format marker “[html]”.")
                )
            left = marked(pair.left, pair.left_format, spec.text_format)
            lines.append(f"={left} -> {marked(pair.right, '', 'moodle')}")
        return answer_block(lines, general)

    def from_gift(self, block: Block, start: int, end: int, brace: int) -> QuestionSpec:
        """`=left -> right`, at least two pairs, `= -> extra` for a distractor; the first "->"
        of a pair is its arrow."""
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
            left_format, left = block.formatted(answer.start, arrow)
            right = block.formatted(arrow + 2, answer.end)[1]  # rights are plain text
            if not right:
                raise block.error(answer.pos, _("The right side of a matching pair needs text."))
            pairs.append(Pair(f"p{number}", left, right, left_format))
        if sum(1 for pair in pairs if pair.left) < 2:
            raise block.error(brace, _("A matching question needs at least two pairs."))
        return QuestionSpec(type="matching", text="", pairs=pairs)


def rows_of(spec: QuestionSpec) -> list[Pair]:
    """The pairs learners match (distractors, without a left side, have no row)."""
    return [p for p in spec.pairs if p.left]
