"""How far a long shell command has got: a bar on a terminal, plain periodic lines in a log.

`stats rebuild`, `privacy purge`, `backup`/`restore`, `courses import` and the benchmark
generator can run for minutes. On a terminal they show click's progress bar with counts and
an estimate; when the output is not a terminal (cron, systemd, a pipe) they write a plain
line every `every_seconds` or every `every_percent` of the work, whichever comes first, so a
log shows that the command is alive and how far it got without thousands of bar redraws.
Progress goes to standard error: standard output keeps the command's result.

Services that run long take a `report: Reporter` (default `silent`, so pages and tests stay
quiet) and wrap their loop in `with report(label, total, unit) as advance:`; the commands
pass `shown`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TextIO, TypeVar

import click

T = TypeVar("T")

EVERY_SECONDS = 30.0
EVERY_PERCENT = 10

#: Counts units of work done (called with how many).
Advance = Callable[[int], None]
#: Opens a report of work: (label, total or None, unit) -> a context giving an Advance.
Reporter = Callable[[str, "int | None", str], AbstractContextManager[Advance]]


def duration(seconds: float) -> str:
    """Seconds as a person reads them: 42 s, 3 min 5 s, 1 h 2 min."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


class Progress:
    """Counts work done towards `total` (None when unknown) and shows it; use as a context."""

    def __init__(
        self,
        label: str,
        total: int | None,
        *,
        unit: str = "",
        stream: TextIO | None = None,
        terminal: bool | None = None,
        every_seconds: float = EVERY_SECONDS,
        every_percent: int = EVERY_PERCENT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = self.stream.isatty() if terminal is None else terminal
        self.every_seconds, self.every_percent = every_seconds, every_percent
        self.clock = clock
        self.done = 0
        self._started = self._last_line = 0.0
        self._last_step = 0  # the last whole multiple of every_percent reported
        self._bar: Any = None

    def __enter__(self) -> Progress:
        self._started = self._last_line = self.clock()
        if self.terminal and self.total:
            self._bar = click.progressbar(
                length=self.total,
                label=self.label,
                show_pos=True,
                show_eta=True,
                file=self.stream,
            )
            self._bar.__enter__()
        else:
            self._line(
                f"{self.label}: started" + (f", {self._count(self.total)}" if self.total else "")
            )
        return self

    def __call__(self, amount: int = 1) -> None:
        self.advance(amount)

    def advance(self, amount: int = 1) -> None:
        """Count `amount` more units of work done."""
        self.done += amount
        if self._bar is not None:
            self._bar.update(amount)
            return
        now = self.clock()
        step = self._percent() // self.every_percent if self.total else 0
        if now - self._last_line >= self.every_seconds or step > self._last_step:
            self._last_step = max(self._last_step, step)
            self._last_line = now
            self._line(self.status(now))

    def status(self, now: float) -> str:
        """One log line: counts, share, time so far and (with a total) the time left."""
        elapsed = now - self._started
        if not self.total:
            return f"{self.label}: {self._count(self.done)}, {duration(elapsed)}"
        text = f"{self.label}: {self.done:,}/{self._count(self.total)} ({self._percent()}%)"
        text += f", {duration(elapsed)}"
        if 0 < self.done < self.total:
            left = elapsed / self.done * (self.total - self.done)
            text += f", about {duration(left)} left"
        return text

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, error, trace)
        elapsed = duration(self.clock() - self._started)
        if kind is None:
            self._line(f"{self.label}: done, {self._count(self.done)} in {elapsed}")
        else:
            self._line(f"{self.label}: stopped after {self._count(self.done)}, {elapsed}")

    def _percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0

    def _count(self, n: int | None) -> str:
        return f"{n:,} {self.unit}".rstrip()

    def _line(self, text: str) -> None:
        click.echo(text, file=self.stream)


def _ignore(amount: int = 1) -> None:
    """Counts nothing."""


def silent(label: str, total: int | None, unit: str = "") -> AbstractContextManager[Advance]:
    """The Reporter for pages and tests: reports nothing."""
    return nullcontext(_ignore)


def shown(label: str, total: int | None, unit: str = "") -> Progress:
    """The Reporter for commands: a bar on a terminal, periodic lines on standard error."""
    return Progress(label, total, unit=unit)


def track(items: Iterable[T], label: str, total: int | None, **options: Any) -> Iterator[T]:
    """Each item of `items`, counting one unit of progress per item."""
    with Progress(label, total, **options) as progress:
        for item in items:
            yield item
            progress.advance()
