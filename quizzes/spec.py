"""The content of one question version, independent of storage: what GIFT reads and writes,
what the bank stores as JSON, and what the graders read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

TEXT_FORMATS = ("markdown", "html", "plain", "moodle")


@dataclass
class Option:
    """A choice of a single- or multiple-choice question; weight is a fraction (-1..1)."""

    id: str
    text: str
    weight: float = 0.0
    feedback: str = ""


@dataclass
class TextAnswer:
    """An accepted short answer and the fraction of the mark it earns."""

    text: str
    weight: float = 1.0
    feedback: str = ""


@dataclass
class NumericAnswer:
    """value ± tolerance, or the range low..high (when low and high are set)."""

    value: float | None = None
    tolerance: float = 0.0
    low: float | None = None
    high: float | None = None
    weight: float = 1.0
    feedback: str = ""


@dataclass
class Pair:
    """One matching pair: the learner picks `right` for `left` from all the rights."""

    id: str
    left: str
    right: str


@dataclass
class QuestionSpec:
    """One question. Which list is used depends on `type`.

    `text_after` is non-empty for a missing-word question (text, blank, text_after).
    Texts are in `text_format`; Markdown unless GIFT said otherwise.
    """

    type: str
    text: str
    name: str = ""
    text_format: str = "markdown"
    text_after: str = ""
    general_feedback: str = ""
    # Each type uses the lists it needs (see quizzes.types): options for choices, answers for
    # short answers, numeric for numbers, pairs for matching.
    options: list[Option] = field(default_factory=list)
    answers: list[TextAnswer] = field(default_factory=list)
    numeric: list[NumericAnswer] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    truth: bool | None = None  # truefalse: the right answer
    feedback_true: str = ""  # truefalse: shown to whoever answered "true"
    feedback_false: str = ""  # truefalse: shown to whoever answered "false"

    def to_json(self) -> dict[str, Any]:
        """A plain dict for a JSON column."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuestionSpec:
        """The inverse of to_json."""
        data = dict(data)
        data["options"] = [Option(**o) for o in data.get("options", [])]
        data["answers"] = [TextAnswer(**a) for a in data.get("answers", [])]
        data["numeric"] = [NumericAnswer(**n) for n in data.get("numeric", [])]
        data["pairs"] = [Pair(**p) for p in data.get("pairs", [])]
        return cls(**data)
