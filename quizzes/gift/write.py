"""Writing `QuestionSpec`s as GIFT that `parse_gift` reads back to equal specs; each type
writes its own answer block with the helpers here."""

from __future__ import annotations

import math
from decimal import Decimal

from quizzes.gift.text import KNOWN_MARKER_RE, MARKER_RE, WHITESPACE, escape
from quizzes.spec import TEXT_FORMATS, QuestionSpec
from quizzes.types.base import REGISTRY


class GiftLoss(ValueError):
    """Something a question holds that GIFT, as Moodle reads it, cannot; `message` says what,
    in the trainer's words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def to_gift(items: list[tuple[str, QuestionSpec]]) -> str:
    """(category, spec) pairs as GIFT, with a `$CATEGORY:` line whenever the category changes.

    Raises ValueError for a spec GIFT cannot express (the bank refuses those too).
    """
    chunks = []
    current = ""
    for category, spec in items:
        if any(char in category for char in "\r\n"):
            raise ValueError(f"a category path cannot span lines: {category!r}")
        if category != current:
            chunks.append(f"$CATEGORY: {category}".rstrip(WHITESPACE))
            current = category
        chunks.append(write_question(spec))
    return "\n\n".join(chunks) + "\n" if chunks else ""


def write_question(spec: QuestionSpec) -> str:
    """One question: `::name:: [format]text {answers} tail`."""
    kind = REGISTRY.get(spec.type)
    if kind is None:
        raise ValueError(f"unknown question type {spec.type!r}")
    if spec.text_format not in TEXT_FORMATS:
        raise ValueError(f"unknown text format {spec.text_format!r}")
    head = []
    if spec.name:
        head.append(f"::{escape(spec.name)}::")
    text = escape(spec.text)
    # The marker is left out for Moodle's default, unless the text would be read as a marker
    # or, first on its line, as a `//` comment.
    if (
        spec.text_format != "moodle"
        or MARKER_RE.match(text)
        or (not spec.name and text.startswith("//"))
    ):
        text = f"[{spec.text_format}]{text}"
    if text:
        head.append(text)
    general = marked(spec.general_feedback, spec.general_feedback_format, spec.text_format)
    head.append(kind.to_gift(spec, general))
    if spec.text_after:
        head.append(escape(spec.text_after))
    return " ".join(head)


def answer_block(answers: list[str], general: str, opening: str = "{") -> str:
    """A `{...}` block: one answer without general feedback inline, else one answer a line."""
    if len(answers) == 1 and not general:
        # One answer reads best inline: `{=ёлка}`, `{#3.14:0.01}`.
        return f"{opening}{answers[0]}}}"
    lines = [opening, *(f"\t{answer}" for answer in answers)]
    if general:
        lines.append(f"\t####{general}")
    lines.append("}")
    return "\n".join(lines)


def check_weights(weights: list[float], what: str) -> None:
    """Refuse no answers at all, weights outside -1..1, or none that earns marks."""
    if not weights:
        raise ValueError(f"{what}: no answers")
    if any(not -1 <= weight <= 1 for weight in weights):
        raise ValueError(f"{what}: weights must be within -1..1")
    if not any(weight > 0 for weight in weights):
        raise ValueError(f"{what}: no answer has a positive weight")


def marked(text: str, own: str, default: str) -> str:
    """A text as GIFT source with a `[format]` marker when its format is not `default` (the
    question's) or the text itself starts like a marker; nothing for an empty text."""
    if not text:
        return ""
    escaped = escape(text)
    text_format = own or default
    if text_format != default or KNOWN_MARKER_RE.match(escaped):
        return f"[{text_format}]{escaped}"
    return escaped


def answer_text(text: str, what: str, own: str = "", default: str = "moodle") -> str:
    """An answer's text as GIFT source (marked as `marked` does), which must not be empty."""
    if not has_text(text):
        raise ValueError(f"{what}: an answer has no text")
    return marked(text, own, default)


def has_text(text: str) -> bool:
    """Whether a text survives GIFT's trimming (an escaped newline does)."""
    return bool(escape(text).strip(WHITESPACE))


def feedback(text: str, own: str = "", default: str = "moodle") -> str:
    """`#feedback` (marked as `marked` does), or nothing."""
    return f"#{marked(text, own, default)}" if text else ""


def weight_prefix(weight: float, text: str) -> str:
    """`%n%` for a weight other than 1, or before a text that starts with "%"."""
    if weight == 1.0 and not text.startswith("%"):
        return ""
    return f"%{format_percent(weight)}%"


def format_number(number: float) -> str:
    """The shortest decimal that reads back as the same float: 2, 3.14, 1e-05."""
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {number}")
    if number == int(number) and abs(number) < 1e15:
        return str(int(number))
    return repr(float(number))


def format_percent(weight: float) -> str:
    """A fraction as a percentage that reads back exactly: 0.5 -> "50", 0.3333333 -> "33.33333"."""
    # The shortest repr times 100 is exact in decimal; the reader divides in decimal too.
    text = format((Decimal(repr(float(weight))) * 100).normalize(), "f")
    return "0" if text == "-0" else text
