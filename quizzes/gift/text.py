"""GIFT text handling shared by the reader and the writer: escapes, and a question block that
knows which of its characters are escaped and which line each one came from."""

from __future__ import annotations

import re
from bisect import bisect_right

# What a backslash escapes, as in Moodle (which has no escape for ">" or "[").
UNESCAPES = {
    "~": "~",
    "=": "=",
    "#": "#",
    "{": "{",
    "}": "}",
    ":": ":",
    "\\": "\\",
    "n": "\n",
}
_ESCAPE_RE = re.compile(r"\\[~=#{}:\\n]")
_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "~": "\\~",
        "=": "\\=",
        "#": "\\#",
        "{": "\\{",
        "}": "\\}",
        ":": "\\:",
        "\n": "\\n",
    }
)
# A format marker at the start of a question text: `[markdown]`, and `[word]` in general.
MARKER_RE = re.compile(r"\[([A-Za-z]+)\]")
# A known format marker at the start of any other text (answers, feedback, matching sides).
KNOWN_MARKER_RE = re.compile(r"\[(markdown|html|plain|moodle)\]", re.IGNORECASE)
# Whitespace GIFT trims around every text; other spaces (no-break, ideographic) are content.
WHITESPACE = " \t\n\r\f\v"


class GiftError(Exception):
    """A GIFT syntax error at a line; the whole file is refused."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR as LF (browsers send textareas with CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def escape(text: str) -> str:
    """Text as GIFT source."""
    return normalise_newlines(text).translate(_ESCAPES)


def unescape(raw: str) -> str:
    """GIFT source as text; a backslash before anything else stays a backslash, as in Moodle."""
    return _ESCAPE_RE.sub(lambda match: UNESCAPES[match[0][1]], raw)


class Block:
    """The lines of one question (comment lines left out), joined with newlines."""

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        self.text = "\n".join(line for _, line in lines)
        self.first_line = lines[0][0]
        self._starts: list[int] = []
        self._numbers: list[int] = []
        offset = 0
        for number, line in lines:
            self._starts.append(offset)
            self._numbers.append(number)
            offset += len(line) + 1
        # plain[i] is False for both characters of an escape pair: they are never syntax.
        self.plain = [True] * len(self.text)
        for match in _ESCAPE_RE.finditer(self.text):
            self.plain[match.start()] = self.plain[match.start() + 1] = False

    def line(self, pos: int) -> int:
        """The 1-based file line of a position in the block."""
        return self._numbers[bisect_right(self._starts, pos) - 1]

    def error(self, pos: int, message: str) -> GiftError:
        """A GiftError pointing at the line of `pos`."""
        return GiftError(self.line(pos), message)

    def _is_plain(self, pos: int, length: int) -> bool:
        return all(self.plain[pos : pos + length])

    def find(self, sub: str, start: int, end: int) -> int:
        """The first unescaped `sub` wholly inside start..end, or -1."""
        pos = self.text.find(sub, start, end)
        while pos != -1 and not self._is_plain(pos, len(sub)):
            pos = self.text.find(sub, pos + 1, end)
        return pos

    def rfind(self, sub: str, start: int, end: int) -> int:
        """The last unescaped `sub` wholly inside start..end, or -1."""
        pos = self.text.rfind(sub, start, end)
        while pos != -1 and not self._is_plain(pos, len(sub)):
            pos = self.text.rfind(sub, start, pos + len(sub) - 1)
        return pos

    def positions(self, chars: str, start: int, end: int) -> list[int]:
        """Where any of the unescaped `chars` occur in start..end."""
        text, plain = self.text, self.plain
        return [i for i in range(start, end) if text[i] in chars and plain[i]]

    def trim(self, start: int, end: int) -> tuple[int, int]:
        """start..end without surrounding whitespace (escaped newlines are content)."""
        text = self.text
        while start < end and text[start] in WHITESPACE:
            start += 1
        while end > start and text[end - 1] in WHITESPACE:
            end -= 1
        return start, end

    def raw(self, start: int, end: int) -> str:
        """The trimmed source of start..end, escapes kept."""
        start, end = self.trim(start, end)
        return self.text[start:end]

    def value(self, start: int, end: int) -> str:
        """The trimmed, unescaped text of start..end."""
        return unescape(self.raw(start, end))

    def formatted(self, start: int, end: int) -> tuple[str, str]:
        """The format a leading `[html]`-style marker names ("" without one) and the text after
        it, trimmed and unescaped (Moodle's rule for answers, feedback and matching sides; an
        unknown `[word]` is text)."""
        raw = self.raw(start, end)
        marker = KNOWN_MARKER_RE.match(raw)
        if marker is None:
            return "", unescape(raw)
        text = unescape(raw[marker.end() :].strip(WHITESPACE))
        return (marker[1].lower() if text else ""), text
