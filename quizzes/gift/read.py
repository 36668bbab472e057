"""Reading Moodle's GIFT quiz format into `QuestionSpec`s (a pure function).

Reading follows Moodle's importer (question/format/gift), with these choices:

* Every text (question, answers, feedback, name) is trimmed of surrounding whitespace *before*
  escapes are resolved, so an escaped `\\n` at either end survives. Texts therefore never start
  or end with spaces, and `to_gift` output round-trips exactly for such texts.
* Missing word: `Moodle costs {~lots =nothing} to download.` gives `text="Moodle costs"` and
  `text_after="to download."`, both trimmed; `to_gift` writes one space on each side of the
  braces. Whoever renders the question puts the blank between them with a space on each side.
  The tail must start on the line of the closing `}`: text on a later line is almost always a
  missing blank line between two questions, so it is an error.
* No format marker means `text_format="moodle"`; `to_gift` omits the marker for "moodle" unless
  the text itself starts like a marker. `[word]` with letters only is a marker, and an unknown
  one is an error; anything else in brackets (`[1]`, `[ст. 81]`) is text.
* Answers, feedback (general too) and matching sides take a marker of their own as in Moodle
  (`~[plain]blue # [html]<b>no</b>`): the marker is stripped and the text has that format
  (the question's format without one; `[Word]` in any case, an unknown one stays text). Short
  and numeric answers drop it (they are compared, not shown), and matching rights are plain
  text whatever the marker said (a select shows them), so learners never see the brackets.
* Choice questions: any `=` answer makes "single" (Moodle's "one answer only"), all-`~` makes
  "multiple"; `=%n%` and `~%n%` weights work in both. Weights may be -100..100 in every type.
* True/false `{T#first#second}`: Moodle shows the first feedback to a wrong answer and the
  second to a right one, so for `{T}` first -> feedback_false, second -> feedback_true, and for
  `{F}` first -> feedback_true, second -> feedback_false.
* `$CATEGORY: $course$/top/A/B` gives "A/B": the `$...$/` context and Moodle's hidden "top"
  root are dropped. A `$CATEGORY:` line ends the question before it even without a blank line.
* There is no escape for ">" (nor in Moodle): a "->" inside a matching left side or a short
  answer cannot be written, and `to_gift` says so (GiftLoss) instead of writing another question.
* Matching `= -> extra` (an empty left side) is a distractor: one more wrong right side.
* Short answer `=%0%*#feedback`: "*" alone is any other response; `\\*` is a literal star and a
  star inside an answer (Moodle's wildcard) skips the question. Numeric `~#feedback` is the
  feedback for any other number.
* Essays (`{}`, or `{####general feedback}`) are essay questions, graded by a trainer.
  Descriptions (no braces) are skipped, with their line and reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _

from quizzes.gift.answers import parse_answers
from quizzes.gift.text import MARKER_RE, WHITESPACE, Block, normalise_newlines
from quizzes.spec import TEXT_FORMATS, QuestionSpec

CATEGORY = "$CATEGORY:"
# Moodle's context prefix ($course$, $system$, ...) and, after it, the hidden "top" category.
_CONTEXT_RE = re.compile(r"\$[a-z]+\$(?:/top(?=/|$))?/?")


@dataclass
class GiftItem:
    """A question read from GIFT, with its category path and the line it starts on."""

    category: str
    spec: QuestionSpec
    line: int


@dataclass
class GiftSkipped:
    """An item the platform does not import (essay, description), and why."""

    line: int
    reason: str


@dataclass
class GiftResult:
    """Everything read from a GIFT file, in file order."""

    items: list[GiftItem]
    skipped: list[GiftSkipped]


def parse_gift(text: str) -> GiftResult:
    """Read a GIFT file; raises GiftError on the first syntax error (refusing the whole file)."""
    result = GiftResult([], [])
    category = ""
    lines: list[tuple[int, str]] = []
    source = normalise_newlines(text.removeprefix("\ufeff")).split("\n")
    for number, line in enumerate(source, 1):
        stripped = line.strip(WHITESPACE)
        if stripped.startswith("//"):
            # A comment neither ends a question nor becomes part of it (as in Moodle).
            continue
        if stripped and not stripped.startswith(CATEGORY):
            lines.append((number, line))
            continue
        if lines:
            _add(result, _question(Block(lines), category))
            lines = []
        if stripped:
            category = _category(stripped)
    if lines:
        _add(result, _question(Block(lines), category))
    return result


def _add(result: GiftResult, entry: GiftItem | GiftSkipped) -> None:
    """File an item or a skip."""
    if isinstance(entry, GiftItem):
        result.items.append(entry)
    else:
        result.skipped.append(entry)


def _category(line: str) -> str:
    """The path of a `$CATEGORY:` line, without Moodle's context prefix."""
    path = line.removeprefix(CATEGORY).strip(WHITESPACE)
    match = _CONTEXT_RE.match(path)
    return path[match.end() :] if match else path


def _question(block: Block, category: str) -> GiftItem | GiftSkipped:
    """One question block: `::name:: [format] text {answers} tail`."""
    text = block.text
    pos, end = block.trim(0, len(text))
    name = ""
    if text.startswith("::", pos):
        close = block.find("::", pos + 2, end)
        if close == -1:
            raise block.error(pos, _("The question name is not closed with “::”."))
        name = block.value(pos + 2, close)
        pos = block.trim(close + 2, end)[0]
    text_format = "moodle"
    marker = MARKER_RE.match(text, pos)
    if marker:
        text_format = marker[1].lower()
        if text_format not in TEXT_FORMATS:
            known = ", ".join(f"“[{fmt}]”" for fmt in TEXT_FORMATS)
            raise block.error(
                pos, _("Unknown format “[%(name)s]” (use %(known)s).", name=marker[1], known=known)
            )
        pos = marker.end()

    brace = block.find("{", pos, end)
    close = block.find("}", pos, end)
    if brace == -1 and close == -1:
        return GiftSkipped(
            block.first_line, _("Descriptions (text without “{…}”) are not imported.")
        )
    if close != -1 and (brace == -1 or close < brace):
        raise block.error(close, _("“}” without “{”."))
    if close == -1 or block.find("{", brace + 1, close) != -1:
        raise block.error(brace, _("Unclosed “{”."))
    _check_tail(block, close, end)

    general = block.rfind("####", brace + 1, close)
    answers_start, answers_end = block.trim(brace + 1, close if general == -1 else general)
    spec = parse_answers(block, answers_start, answers_end, brace)
    if isinstance(spec, str):
        return GiftSkipped(block.first_line, spec)
    spec.name = name
    spec.text_format = text_format
    spec.text = block.value(pos, brace)
    spec.text_after = block.value(close + 1, end)
    if general != -1:
        spec.general_feedback_format, spec.general_feedback = block.formatted(general + 4, close)
    return GiftItem(category, spec.without_default_formats(), block.first_line)


def _check_tail(block: Block, close: int, end: int) -> None:
    """Refuse a second answer block, a stray brace, or a tail not on the line of `}`."""
    for pos in block.positions("{}", close + 1, end):
        if block.text[pos] == "}":
            raise block.error(pos, _("“}” without “{”."))
        raise block.error(pos, _("A question has only one answer block (escape it: “\\{”)."))
    start, stop = block.trim(close + 1, end)
    if start < stop and block.line(start) != block.line(close):
        raise block.error(
            start,
            _(
                "Text after “}” must start on the same line; perhaps a blank line between "
                "questions is missing."
            ),
        )
