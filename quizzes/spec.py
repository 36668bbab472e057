"""The content of one question version, independent of storage: what GIFT reads and writes,
what the bank stores as JSON, and what the graders read.

Each text has a format. The question's `text_format` is the default; a text that GIFT marked
otherwise (`~[plain]blue # [html]<b>no</b>`) names its own in the matching `*_format` field,
which is "" when it is the question's. JSON leaves out empty `*_format` fields, so questions
without such markers keep the shape they always had.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

TEXT_FORMATS = ("markdown", "html", "plain", "moodle")
# A short answer of just this matches any response no other answer matches (Moodle's wildcard).
ANY_ANSWER = "*"


@dataclass
class Option:
    """A choice of a single- or multiple-choice question; weight is a fraction (-1..1)."""

    id: str
    text: str
    weight: float = 0.0
    feedback: str = ""
    text_format: str = ""
    feedback_format: str = ""


@dataclass
class TextAnswer:
    """An accepted short answer and the fraction of the mark it earns."""

    text: str  # ANY_ANSWER: any other response
    weight: float = 1.0
    feedback: str = ""
    feedback_format: str = ""


@dataclass
class NumericAnswer:
    """value ± tolerance, or the range low..high (when low and high are set); neither value nor
    range: any other answer (GIFT's `~#feedback`)."""

    value: float | None = None
    tolerance: float = 0.0
    low: float | None = None
    high: float | None = None
    weight: float = 1.0
    feedback: str = ""
    feedback_format: str = ""

    @property
    def any_other(self) -> bool:
        """Whether this is the answer for any number no other answer accepts."""
        return self.value is None and self.low is None and self.high is None


@dataclass
class Pair:
    """One matching pair: the learner picks `right` for `left` from all the rights.

    A pair without a left side is a distractor: its right is one more wrong choice in every
    row (GIFT's `= -> extra answer`). Rights are plain text (a select shows them).
    """

    id: str
    left: str
    right: str
    left_format: str = ""


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
    general_feedback_format: str = ""
    feedback_true_format: str = ""
    feedback_false_format: str = ""

    def format_of(self, own: str) -> str:
        """The format of a text whose own format field is `own`."""
        return own or self.text_format

    def texts(self) -> Iterator[tuple[str, str]]:
        """Every non-empty text with its format (matching rights are plain text)."""
        fmt = self.format_of
        found = [
            (self.text, self.text_format),
            (self.text_after, self.text_format),
            (self.general_feedback, fmt(self.general_feedback_format)),
            (self.feedback_true, fmt(self.feedback_true_format)),
            (self.feedback_false, fmt(self.feedback_false_format)),
        ]
        for o in self.options:
            found += [(o.text, fmt(o.text_format)), (o.feedback, fmt(o.feedback_format))]
        found += [(a.feedback, fmt(a.feedback_format)) for a in self.answers]
        found += [(n.feedback, fmt(n.feedback_format)) for n in self.numeric]
        for p in self.pairs:
            found += [(p.left, fmt(p.left_format)), (p.right, "plain")]
        return ((text, text_format) for text, text_format in found if text)

    def without_default_formats(self) -> QuestionSpec:
        """The spec with every own format equal to the question's cleared to "" (in place)."""
        items: list[Any] = [self, *self.options, *self.answers, *self.numeric, *self.pairs]
        for item in items:
            for name, value in vars(item).items():
                own = name.endswith("_format") and not (item is self and name == "text_format")
                if own and value == self.text_format:
                    setattr(item, name, "")
        return self

    def to_json(self) -> dict[str, Any]:
        """A plain dict for a JSON column, without empty own formats."""
        data = asdict(self)
        return {
            key: _without_empty_formats(value)
            for key, value in data.items()
            if not (key.endswith("_format") and key != "text_format" and value == "")
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuestionSpec:
        """The inverse of to_json."""
        data = dict(data)
        data["options"] = [Option(**o) for o in data.get("options", [])]
        data["answers"] = [TextAnswer(**a) for a in data.get("answers", [])]
        data["numeric"] = [NumericAnswer(**n) for n in data.get("numeric", [])]
        data["pairs"] = [Pair(**p) for p in data.get("pairs", [])]
        return cls(**data)


def _without_empty_formats(value: Any) -> Any:
    """JSON data without the `*_format` keys that are "" (the question's format applies)."""
    if isinstance(value, dict):
        return {
            key: _without_empty_formats(item)
            for key, item in value.items()
            if not (key.endswith("_format") and item == "")
        }
    if isinstance(value, list):
        return [_without_empty_formats(item) for item in value]
    return value
