"""Essay questions: a Markdown answer that a trainer grades after the attempt is submitted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from quizzes.gift.text import Block
from quizzes.gift.write import answer_block
from quizzes.spec import QuestionSpec
from quizzes.types.base import GradeResult, InvalidResponse, QuestionType, require

# Long enough for a page of a plan or a news item, short enough to read in the review queue.
ESSAY_MAX_CHARS = 20_000


class Essay(QuestionType):
    """A free answer in Markdown; `grade` leaves it to a trainer (the attempt waits)."""

    name = "essay"
    gift_reads = "essay"
    in_gift = True
    graded_by_hand = True
    max_chars = ESSAY_MAX_CHARS

    def check(self, spec: QuestionSpec, response: Any) -> str:
        if response is None:
            return ""
        if not isinstance(response, str):
            raise InvalidResponse("expected a text")
        # Browsers send CRLF from a textarea; store one kind of line end.
        text = response.replace("\r\n", "\n")
        if len(text) > ESSAY_MAX_CHARS:
            raise InvalidResponse("the answer is too long")
        return text

    def invalid_message(self) -> str:
        return _("The answer is too long: at most %(num)d characters.", num=ESSAY_MAX_CHARS)

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        self.check(spec, response)
        return GradeResult(0.0, graded=False)

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        return []

    def review_answers(self, spec: QuestionSpec, html: Callable[[str], str]) -> list[Markup]:
        return []

    def choice_labels(self, spec: QuestionSpec) -> dict[str, str]:
        """Item analysis counts an essay's grades in ten bands (see `band`), not choices."""
        return {str(low): f"{low}–{low + 10}%" for low in range(0, 100, 10)}

    @staticmethod
    def band(score: float) -> str:
        """A trainer's grade as its item-analysis label: the band's lower percent, "0".."90"."""
        # The nudge puts 0.7 (stored as 0.69999…) in the 70 band; 100 % goes in the last one.
        return str(min(90, max(0, int(score * 10 + 1e-9) * 10)))

    def full_marks(self, spec: QuestionSpec) -> str:
        return "An answer written in full."  # a trainer decides what it earns

    def check_spec(self, spec: QuestionSpec) -> None:
        has_lists = spec.options or spec.answers or spec.numeric or spec.pairs
        require(not has_lists, _("An essay question has no answers to choose from."))
        require(spec.truth is None, _("An essay question has no answers to choose from."))

    def to_gift(self, spec: QuestionSpec, general: str) -> str:
        """`{}`, or `{####general feedback}` as Moodle writes an essay."""
        return answer_block([], general) if general else "{}"

    def from_gift(self, block: Block, start: int, end: int, brace: int) -> QuestionSpec | str:
        """An empty answer block: `Write about your union {}`."""
        return QuestionSpec(type="essay", text="")
