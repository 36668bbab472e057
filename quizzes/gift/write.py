"""Writing `QuestionSpec`s as GIFT that `parse_gift` reads back to equal specs."""

from __future__ import annotations

import math
from decimal import Decimal

from quizzes.gift.text import MARKER_RE, WHITESPACE, escape
from quizzes.spec import QUESTION_TYPES, TEXT_FORMATS, NumericAnswer, QuestionSpec


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
    if spec.type not in QUESTION_TYPES:
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
    head.append(_answer_block(spec))
    if spec.text_after:
        head.append(escape(spec.text_after))
    return " ".join(head)


def _answer_block(spec: QuestionSpec) -> str:
    """The `{...}` part: true/false on one line, other types one answer per line."""
    general = escape(spec.general_feedback)
    if spec.type == "truefalse":
        return "{" + _truefalse(spec) + (f"####{general}" if general else "") + "}"
    writers = {
        "single": _choice,
        "multiple": _choice,
        "shortanswer": _shortanswer,
        "numeric": _numeric,
        "matching": _matching,
    }
    answers = writers[spec.type](spec)
    opening = "{#" if spec.type == "numeric" else "{"
    if len(answers) == 1 and not general:
        # One answer reads best inline: `{=ёлка}`, `{#3.14:0.01}`.
        answer = answers[0]
        if spec.type == "numeric" and not answer.startswith("=%"):
            answer = answer[1:]
        return f"{opening}{answer}}}"
    lines = [opening, *(f"\t{answer}" for answer in answers)]
    if general:
        lines.append(f"\t####{general}")
    lines.append("}")
    return "\n".join(lines)


def _truefalse(spec: QuestionSpec) -> str:
    """`TRUE#feedback when wrong#feedback when right`, the order Moodle uses."""
    if spec.truth is None:
        raise ValueError("a true/false question needs `truth`")
    if spec.truth:
        word, wrong, right = "TRUE", spec.feedback_false, spec.feedback_true
    else:
        word, wrong, right = "FALSE", spec.feedback_true, spec.feedback_false
    if right:
        return f"{word}#{escape(wrong)}#{escape(right)}"
    return f"{word}#{escape(wrong)}" if wrong else word


def _check_weights(weights: list[float], what: str) -> None:
    """Refuse weights outside -1..1, or none that earns marks."""
    if any(not -1 <= weight <= 1 for weight in weights):
        raise ValueError(f"{what}: weights must be within -1..1")
    if not any(weight > 0 for weight in weights):
        raise ValueError(f"{what}: no answer has a positive weight")


def _answer_text(text: str, what: str, *, arrows: bool = False) -> str:
    """An answer's escaped text, which must not be empty."""
    escaped = escape(text, arrows=arrows)
    if not escaped.strip(WHITESPACE):
        raise ValueError(f"{what}: an answer has no text")
    return escaped


def _feedback(feedback: str) -> str:
    """`#feedback`, or nothing."""
    return f"#{escape(feedback)}" if feedback else ""


def _choice(spec: QuestionSpec) -> list[str]:
    """`=right`, `~wrong`, `~%50%partial`; a single choice needs at least one `=` and one `~`."""
    weights = [option.weight for option in spec.options]
    if len(weights) < 2:
        raise ValueError("a choice question needs at least two options")
    _check_weights(weights, "choice question")
    equals = [False] * len(weights)
    if spec.type == "single":
        # `=` is what makes it "single" and full marks read best as `=`; without a full-marks
        # option the best one gets `=%n%`. At least one `~` must stay, or it reads as short answer.
        if 1.0 in weights and weights.count(1.0) < len(weights):
            equals = [weight == 1.0 for weight in weights]
        else:
            equals[weights.index(max(weights))] = True
    lines = []
    for option, equal in zip(spec.options, equals, strict=True):
        text = _answer_text(option.text, "choice question")
        marker = "=" if equal else "~"
        default = 1.0 if equal else 0.0
        # An explicit weight also protects a text that starts with "%".
        if option.weight == default and not text.startswith("%"):
            percent = ""
        else:
            percent = f"%{format_percent(option.weight)}%"
        lines.append(f"{marker}{percent}{text}{_feedback(option.feedback)}")
    return lines


def _shortanswer(spec: QuestionSpec) -> list[str]:
    """`=answer`, `=%50%answer#feedback`."""
    if not spec.answers:
        raise ValueError("a short-answer question needs answers")
    _check_weights([answer.weight for answer in spec.answers], "short-answer question")
    lines = []
    for answer in spec.answers:
        text = _answer_text(answer.text, "short-answer question", arrows=True)
        weight = _weight_prefix(answer.weight, text)
        lines.append(f"={weight}{text}{_feedback(answer.feedback)}")
    return lines


def _weight_prefix(weight: float, text: str) -> str:
    """`%n%` for a weight other than 1, or before a text that starts with "%"."""
    if weight == 1.0 and not text.startswith("%"):
        return ""
    return f"%{format_percent(weight)}%"


def _numeric(spec: QuestionSpec) -> list[str]:
    """`=3.14:0.01`, `=%50%1..5#feedback`."""
    if not spec.numeric:
        raise ValueError("a numeric question needs answers")
    _check_weights([answer.weight for answer in spec.numeric], "numeric question")
    lines = []
    for answer in spec.numeric:
        weight = _weight_prefix(answer.weight, "")
        lines.append(f"={weight}{_numeric_value(answer)}{_feedback(answer.feedback)}")
    return lines


def _numeric_value(answer: NumericAnswer) -> str:
    """`low..high`, `value:tolerance`, or `value`."""
    if answer.low is not None or answer.high is not None:
        if answer.low is None or answer.high is None or answer.low > answer.high:
            raise ValueError(f"a numeric range needs low <= high: {answer}")
        return f"{format_number(answer.low)}..{format_number(answer.high)}"
    if answer.value is None:
        raise ValueError(f"a numeric answer needs a value or a range: {answer}")
    if answer.tolerance < 0:
        raise ValueError(f"a numeric tolerance cannot be negative: {answer}")
    value = format_number(answer.value)
    return f"{value}:{format_number(answer.tolerance)}" if answer.tolerance else value


def _matching(spec: QuestionSpec) -> list[str]:
    """`=left -> right`; a "->" inside a left side is escaped, the first arrow splits."""
    if len(spec.pairs) < 2:
        raise ValueError("a matching question needs at least two pairs")
    return [
        f"={_answer_text(pair.left, 'matching', arrows=True)} -> "
        f"{_answer_text(pair.right, 'matching')}"
        for pair in spec.pairs
    ]


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
