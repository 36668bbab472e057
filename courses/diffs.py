"""Readable differences between two texts: changed lines word by word, unchanged ones folded.

Pure (difflib, no database, no Flask): the history page renders the result with every text
escaped, removed words in <del> and added ones in <ins>, each with a label for screen readers.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

#: Unchanged lines kept around each change; longer unchanged runs are folded into a gap.
CONTEXT = 2
#: Below this similarity two lines read better as one removed and one added than word by word.
SIMILAR = 0.4
#: Lines longer than this many words are compared whole (word matching is quadratic).
MAX_WORDS = 3000

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class Piece:
    """A run of text that is the same on both sides, removed ("del") or added ("add")."""

    kind: str
    text: str


@dataclass(frozen=True)
class Line:
    """One line of the comparison: "same", "add", "del", "change" (word by word) or "gap"
    (`hidden` unchanged lines folded away)."""

    kind: str
    pieces: tuple[Piece, ...] = field(default_factory=tuple)
    hidden: int = 0


def words(before: str, after: str) -> tuple[Piece, ...]:
    """The pieces that turn `before` into `after`, word by word."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("del", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("add", "".join(b[j1:j2])))
    return tuple(pieces)


def _replaced(old: list[str], new: list[str]) -> list[Line]:
    """Lines of a replaced block: pairs in order, word by word when they are alike."""
    lines: list[Line] = []
    for index in range(max(len(old), len(new))):
        before = old[index] if index < len(old) else None
        after = new[index] if index < len(new) else None
        if before is not None and after is not None and _alike(before, after):
            lines.append(Line("change", words(before, after)))
            continue
        if before is not None:
            lines.append(Line("del", (Piece("del", before),)))
        if after is not None:
            lines.append(Line("add", (Piece("add", after),)))
    return lines


def _alike(before: str, after: str) -> bool:
    a, b = before.split(), after.split()
    if len(a) > MAX_WORDS or len(b) > MAX_WORDS:
        return False
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= SIMILAR


def compare(before: list[str], after: list[str], context: int = CONTEXT) -> list[Line]:
    """The lines of `after` against `before`; [] when they are the same."""
    lines: list[Line] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(Line("same", (Piece("same", text),)) for text in before[i1:i2])
        elif tag == "delete":
            lines.extend(Line("del", (Piece("del", text),)) for text in before[i1:i2])
        elif tag == "insert":
            lines.extend(Line("add", (Piece("add", text),)) for text in after[j1:j2])
        else:
            lines.extend(_replaced(before[i1:i2], after[j1:j2]))
    if all(line.kind == "same" for line in lines):
        return []
    return _fold(lines, context)


def _fold(lines: list[Line], context: int) -> list[Line]:
    """Keep `context` unchanged lines around each change; fold longer unchanged runs."""
    near = set()
    for index, line in enumerate(lines):
        if line.kind != "same":
            near.update(range(index - context, index + context + 1))
    folded: list[Line] = []
    hidden = 0
    for index, line in enumerate(lines):
        if index in near:
            if hidden:
                folded.append(Line("gap", hidden=hidden))
                hidden = 0
            folded.append(line)
        else:
            hidden += 1
    if hidden:
        folded.append(Line("gap", hidden=hidden))
    return folded
