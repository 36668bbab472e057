"""Item analysis of a quiz: facility, discrimination, distractors, reliability and score spread.

Pure Python over already-extracted attempt data (no database, no Flask, no numpy), so the
trainer's page and the CSV export show the same numbers and the maths can be tested alone.

Statistical choices:

* Discrimination is the corrected point-biserial: Pearson's r between the item score and the
  rest score (the attempt's other items), so an item is not correlated with itself.
* Per-item figures come from one pass of running sums. The sums are shifted by the first value
  seen ("assumed mean"), which keeps `Σx² - (Σx)²/n` accurate and makes a constant column
  exactly zero instead of a rounding residue.
* The quiz standard deviation is the sample one (n - 1); Cronbach's alpha uses population
  variances for both items and total, where the n or n - 1 cancels anyway.
* Alpha only covers the questions present in every analysed attempt: with random draws, an
  item's missing answers are not zeros.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter

TOO_HARD_BELOW = 0.2
TOO_EASY_ABOVE = 0.95
LOW_DISCRIMINATION_BELOW = 0.1
MIN_ATTEMPTS_FOR_DISCRIMINATION = 3
BINS = 10
# Variance per attempt (score units²) at or below which a column counts as constant: rest scores
# summed in a different order (0.1 + 0.2 vs 0.2 + 0.1) differ in the last bit, and such noise
# must not come out as a correlation.
ZERO_VARIANCE = 1e-14

FLAG_TOO_HARD = "too hard"
FLAG_TOO_EASY = "too easy"
FLAG_LOW_DISCRIMINATION = "low discrimination"

CSV_HEADER = ["question", "attempts", "facility", "discrimination", "flags", "option counts"]


@dataclass(frozen=True)
class ItemResponse:
    """One question's score (0..1) in one attempt and the choices the learner picked."""

    score: float
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttemptRecord:
    """One finished attempt: who, which attempt of theirs, and the responses per question key."""

    attempt_id: int
    user_id: int
    number: int
    items: dict[str, ItemResponse]


@dataclass
class QuestionStats:
    """How one question behaved: facility, discrimination, distractor counts and warnings."""

    question: str
    attempts: int
    facility: float | None
    discrimination: float | None
    option_counts: dict[str, int]
    flags: list[str]


@dataclass
class QuizStats:
    """The whole quiz: attempt percentages, reliability, distribution and per-question stats."""

    attempts: int
    mean: float | None
    median: float | None
    stdev: float | None
    alpha: float | None
    distribution: list[int]
    questions: list[QuestionStats]


class _Sums:
    """Running sums for one question, shifted by its first item and rest scores."""

    __slots__ = ("kr", "kx", "n", "options", "sr", "srr", "sx", "sxr", "sxx")

    def __init__(self, x: float, r: float) -> None:
        self.kx = x
        self.kr = r
        self.n = 0
        self.sx = self.sxx = self.sr = self.srr = self.sxr = 0.0
        self.options: dict[str, int] = {}

    def facility(self) -> float | None:
        """Mean item score."""
        return self.kx + self.sx / self.n if self.n else None

    def item_variance(self) -> float:
        """Population variance of the item score."""
        return max(0.0, self.sxx - self.sx * self.sx / self.n) / self.n

    def discrimination(self) -> float | None:
        """Pearson's r between item score and rest score, None when undefined."""
        n = self.n
        if n < MIN_ATTEMPTS_FOR_DISCRIMINATION:
            return None
        vx = self.sxx - self.sx * self.sx / n
        vr = self.srr - self.sr * self.sr / n
        if vx / n <= ZERO_VARIANCE or vr / n <= ZERO_VARIANCE:
            return None
        r = (self.sxr - self.sx * self.sr / n) / math.sqrt(vx * vr)
        # Rounding can push a perfect correlation a hair past ±1.
        return max(-1.0, min(1.0, r))


def first_attempts(attempts: list[AttemptRecord]) -> list[AttemptRecord]:
    """Each learner's earliest attempt (lowest number, then first given), in input order."""
    chosen: dict[int, tuple[int, int]] = {}
    for index, attempt in enumerate(attempts):
        best = chosen.get(attempt.user_id)
        if best is None or attempt.number < best[0]:
            chosen[attempt.user_id] = (attempt.number, index)
    keep = sorted(index for _, index in chosen.values())
    return [attempts[index] for index in keep]


def analyse(attempts: Iterable[AttemptRecord], *, first_only: bool = True) -> QuizStats:
    """Item and quiz statistics; first_only keeps each learner's first attempt (as in Moodle)."""
    # An attempt without questions has no percentage and says nothing about any item.
    records = [attempt for attempt in attempts if attempt.items]
    if first_only:
        records = first_attempts(records)

    sums: dict[str, _Sums] = {}
    percentages: list[float] = []
    # Questions in every attempt so far, and each attempt's total over just those (for alpha).
    common: set[str] | None = None
    common_totals: list[float] = []
    score_of = attrgetter("score")

    for index, record in enumerate(records):
        responses = record.items
        total = sum(map(score_of, responses.values()))
        percentages.append(100.0 * total / len(responses))

        # The hot loop: plain attribute arithmetic, no per-item function calls.
        for key, response in responses.items():
            x = response.score
            r = total - x
            acc = sums.get(key)
            if acc is None:
                acc = sums[key] = _Sums(x, r)
            dx = x - acc.kx
            dr = r - acc.kr
            acc.n += 1
            acc.sx += dx
            acc.sxx += dx * dx
            acc.sr += dr
            acc.srr += dr * dr
            acc.sxr += dx * dr
            choices = response.choices
            if choices:
                options = acc.options
                # Count an attempt once per option even if a label repeats; "" means no answer.
                for choice in choices if len(choices) == 1 else dict.fromkeys(choices):
                    if choice:
                        options[choice] = options.get(choice, 0) + 1

        keys = responses.keys()
        if common is None:
            common = set(keys)
        elif not common:
            continue
        elif not keys >= common:
            # The common set only shrinks, at most once per question, so recomputing the
            # earlier totals is rare and cheap; with a fixed quiz it never happens.
            common &= keys
            common_totals = [
                sum(earlier.items[q].score for q in common) for earlier in islice(records, index)
            ]
        if len(keys) == len(common):
            common_totals.append(total)
        else:
            common_totals.append(sum(responses[q].score for q in common))

    questions = [_question_stats(key, acc) for key, acc in sums.items()]
    n = len(percentages)
    mean = math.fsum(percentages) / n if n else None
    stdev = None
    if n >= 2 and mean is not None:
        stdev = math.sqrt(math.fsum((p - mean) ** 2 for p in percentages) / (n - 1))
    return QuizStats(
        attempts=n,
        mean=mean,
        median=statistics.median(percentages) if n else None,
        stdev=stdev,
        alpha=_alpha([sums[q] for q in common or ()], common_totals),
        distribution=distribution(percentages),
        questions=questions,
    )


def _question_stats(key: str, acc: _Sums) -> QuestionStats:
    """Finish one question's figures and flags from its running sums."""
    facility = acc.facility()
    discrimination = acc.discrimination()
    flags: list[str] = []
    if facility is not None and facility < TOO_HARD_BELOW:
        flags.append(FLAG_TOO_HARD)
    if facility is not None and facility > TOO_EASY_ABOVE:
        flags.append(FLAG_TOO_EASY)
    if discrimination is not None and discrimination < LOW_DISCRIMINATION_BELOW:
        flags.append(FLAG_LOW_DISCRIMINATION)
    return QuestionStats(
        question=key,
        attempts=acc.n,
        facility=facility,
        discrimination=discrimination,
        option_counts={label: acc.options[label] for label in sorted(acc.options, key=_natural)},
        flags=flags,
    )


def _alpha(items: list[_Sums], totals: list[float]) -> float | None:
    """Cronbach's alpha over the common items, None below 2 items, 2 attempts or a flat total."""
    k = len(items)
    n = len(totals)
    if k < 2 or n < 2:
        return None
    mean = math.fsum(totals) / n
    total_variance = math.fsum((t - mean) ** 2 for t in totals) / n
    if total_variance <= ZERO_VARIANCE:
        return None
    item_variances = math.fsum(acc.item_variance() for acc in items)
    return k / (k - 1) * (1 - item_variances / total_variance)


def distribution(percentages: Iterable[float]) -> list[int]:
    """Counts in 10-point bins [0,10) … [90,100]; exactly 100 goes in the last bin."""
    counts = [0] * BINS
    for p in percentages:
        # Round first so 69.99999999999999 from summing partial credits lands in [70, 80).
        b = int(round(p, 9) // (100 / BINS))
        counts[min(BINS - 1, max(0, b))] += 1
    return counts


def _natural(label: str) -> list[str | int]:
    """Sort key that puts o2 before o10."""
    return [int(part) if part.isdecimal() else part for part in re.split(r"(\d+)", label)]


def _number(value: float | None) -> str:
    """Three decimals, or empty for a missing value."""
    return "" if value is None else f"{value:.3f}"


def _text(value: str) -> str:
    """Defuse spreadsheet formulas: short answers are learner-typed and land in Excel."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv_rows(stats: QuizStats) -> list[list[str]]:
    """Header plus one row per question, ready for csv.writer."""
    rows = [list(CSV_HEADER)]
    for q in stats.questions:
        options = "; ".join(f"{label}:{count}" for label, count in q.option_counts.items())
        rows.append(
            [
                _text(q.question),
                str(q.attempts),
                _number(q.facility),
                _number(q.discrimination),
                "; ".join(q.flags),
                _text(options),
            ]
        )
    return rows
