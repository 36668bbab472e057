"""A small model of how Moodle's GIFT importer reads a file, for round-trip tests.

Written from the behaviour of Moodle's reader (question/format/gift) as its documentation and
tests describe it, independently of quizzes/gift, so that "export, then import into Moodle"
can be checked without a Moodle:

* escapes `\\\\ \\: \\# \\= \\{ \\} \\~ \\n` are resolved last; `\\\\` is a backslash first;
* a question is split into name, text, the first `{` to the first `}`, and the tail; with a
  tail the blank is "_____" in the text; general feedback follows the last `####`;
* the type: a leading `#` is numeric, any `~` multiple choice, `=` with `->` anywhere
  matching, `T`/`F`/`TRUE`/`FALSE` true/false, otherwise short answer;
* a text may start with `[moodle]`, `[html]`, `[plain]` or `[markdown]` (exactly these): the
  marker is dropped and names the format; otherwise the question's format applies;
* in multiple choice `=` is full marks whatever follows; `~%n%` is a weight; one `=` anywhere
  makes it single choice; in short answers `=%n%` is a weight and `*` a wildcard (`\\*` a
  literal star); numeric `~#fb` is the answer for anything else (no marks);
* a matching pair splits at its first `->`; its right side is plain text (no marker).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_ESCAPES = {"\\:": "\x01", "\\#": "\x02", "\\=": "\x03", "\\{": "\x04", "\\}": "\x05"}
_ESCAPES |= {"\\~": "\x06", "\\n": "\x07"}
_PLAIN = {"\x01": ":", "\x02": "#", "\x03": "=", "\x04": "{", "\x05": "}", "\x06": "~"}
_PLAIN |= {"\x07": "\n"}
_WEIGHT_RE = re.compile(r"^%-*([0-9]{1,2})\.?([0-9]*)%")
FORMATS = ("moodle", "html", "plain", "markdown")
TRIM = " \t\n\r\x00\x0b"  # what PHP's trim() strips (not a no-break space)


@dataclass
class MoodleQuestion:
    """What Moodle stores for a question, reduced to what the tests compare."""

    qtype: str
    name: str
    text: str
    text_format: str
    general: tuple[str, str] = ("", "")
    answers: list[dict[str, Any]] = field(default_factory=list)
    single: bool | None = None
    truth: bool | None = None
    feedback_true: tuple[str, str] = ("", "")
    feedback_false: tuple[str, str] = ("", "")


def _pre(text: str) -> str:
    text = text.replace("\\\\", "\x00")
    for escaped, placeholder in _ESCAPES.items():
        text = text.replace(escaped, placeholder)
    return text.replace("\x00", "\\")


def _post(text: str) -> str:
    for placeholder, char in _PLAIN.items():
        text = text.replace(placeholder, char)
    return text


def _formatted(text: str, default: str) -> tuple[str, str]:
    """(text, format) with a leading known marker applied, as Moodle's importer does."""
    fmt = default
    if text.startswith("[") and "]" in text:
        name = text[1 : text.index("]")]
        if name in FORMATS:
            fmt, text = name, text[text.index("]") + 1 :]
    return _post(text).strip(TRIM), fmt


def _comment(answer: str, default: str) -> tuple[tuple[str, str], tuple[str, str]]:
    text, _hash, remark = answer.partition("#")
    return _formatted(text.strip(TRIM), default), _formatted(remark.strip(TRIM), default)


def _weight(answer: str) -> tuple[float | None, str]:
    if not _WEIGHT_RE.match(answer):
        return None, answer
    close = answer.index("%", 1)
    return float(answer[1:close]) / 100, answer[close + 1 :]


def read_file(source: str) -> list[MoodleQuestion]:
    """Every question of a GIFT file, split at blank lines, comments dropped."""
    questions, lines = [], []
    for line in [*source.replace("\r\n", "\n").split("\n"), ""]:
        if line.strip(TRIM):
            lines.append(" " if line.strip(TRIM).startswith("//") else line)
        elif lines:
            text = "\n".join(lines).strip(TRIM)
            if text and not text.startswith("$CATEGORY:"):
                questions.append(read_question(text))
            lines = []
    return questions


def read_question(text: str) -> MoodleQuestion:
    """One question's text (comments already dropped)."""
    text = _pre(text)
    name = ""
    if text.startswith("::"):
        text = text[2:]
        name, text = _post(text[: text.index("::")]), text[text.index("::") + 2 :].strip(TRIM)
    if "{" not in text:
        return MoodleQuestion("description", name, _post(text), "moodle")
    start, finish = text.index("{"), text.index("}")
    answer = text[start + 1 : finish].strip(TRIM)
    blank = "" if text.endswith("}") else "_____"
    stem = text[:start] + blank + text[finish + 1 :]
    general = ""
    if "####" in answer:
        general, answer = answer[answer.rindex("####") + 4 :], answer[: answer.rindex("####")]
        answer = answer.strip(TRIM)
    stem, fmt = _formatted(stem.strip(TRIM), "moodle")
    question = MoodleQuestion("", name, stem, fmt, _formatted(general.strip(TRIM), fmt))
    if not answer:
        question.qtype = "essay"
    elif answer.startswith("#"):
        _numerical(question, answer[1:])
    elif "~" in answer:
        _multichoice(question, answer)
    elif "=" in answer and "->" in answer:
        _match(question, answer)
    elif answer.partition("#")[0].strip(TRIM) in ("T", "TRUE", "F", "FALSE"):
        _truefalse(question, answer)
    else:
        _shortanswer(question, answer)
    return question


def _pieces(answer: str, marker: str) -> list[str]:
    parts = answer.split(marker)
    if not parts[0].strip(TRIM):
        parts = parts[1:]
    return [part.strip(TRIM) for part in parts]


def _multichoice(question: MoodleQuestion, answer: str) -> None:
    question.qtype, question.single = "multichoice", "=" in answer
    for part in _pieces(answer.replace("=", "~="), "~"):
        if part.startswith("="):
            weight, part = 1.0, part[1:]
        else:
            found, part = _weight(part)
            weight = found or 0.0
        text, remark = _comment(part, question.text_format)
        question.answers.append({"text": text, "weight": weight, "feedback": remark})


def _match(question: MoodleQuestion, answer: str) -> None:
    question.qtype = "match"
    for part in _pieces(answer, "="):
        arrow = part.index("->")
        left = _formatted(part[:arrow].strip(TRIM), question.text_format)
        question.answers.append({"left": left, "right": _post(part[arrow + 2 :]).strip(TRIM)})


def _truefalse(question: MoodleQuestion, answer: str) -> None:
    question.qtype = "truefalse"
    head, wrong, right = [*answer.split("#", 2), "", ""][:3]
    question.truth = head.strip(TRIM) in ("T", "TRUE")
    wrong_fb = _formatted(wrong.strip(TRIM), question.text_format)
    right_fb = _formatted(right.strip(TRIM), question.text_format)
    question.feedback_true, question.feedback_false = (
        (right_fb, wrong_fb) if question.truth else (wrong_fb, right_fb)
    )


def _shortanswer(question: MoodleQuestion, answer: str) -> None:
    question.qtype = "shortanswer"
    for part in _pieces(answer, "="):
        found, part = _weight(part)
        text, remark = _comment(part, question.text_format)
        weight = 1.0 if found is None else found
        question.answers.append({"text": text[0], "weight": weight, "feedback": remark})


def _numerical(question: MoodleQuestion, answer: str) -> None:
    question.qtype = "numerical"
    other = ""
    if "~" in answer:
        answer, other = answer[: answer.index("~")], answer[answer.index("~") :]
    for part in _pieces(answer, "="):
        found, part = _weight(part)
        text, remark = _comment(part, question.text_format)
        value = text[0]
        if ".." in value[1:]:
            low, high = (float(x) for x in value.split("..", 1))
            number, tolerance = (low + high) / 2, high - (low + high) / 2
        elif ":" in value[1:]:
            number, tolerance = (float(x) for x in value.split(":", 1))
        else:
            number, tolerance = float(value), 0.0
        weight = 1.0 if found is None else found
        question.answers.append(
            {"value": number, "tolerance": tolerance, "weight": weight, "feedback": remark}
        )
    if other:
        remark = _comment(other, question.text_format)[1]
        question.answers.append({"value": "*", "tolerance": 0.0, "weight": 0.0, "feedback": remark})
