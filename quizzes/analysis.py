"""Item analysis of a quiz: facility, discrimination, distractors, reliability and score spread.

Pure Python over already-extracted attempt data (no database, no numpy, and no Flask beyond
lazy flag labels), so the trainer's page and the CSV export show the same numbers and the maths
can be tested alone.

Statistical choices:

* Discrimination is the corrected point-biserial: Pearson's r between the item score and the
  rest score (the attempt's other items), so an item is not correlated with itself.
* Everything comes from one pass of running sums: per question Σx, Σx², Σx·t, and per set of
  questions (one set for a fixed quiz) n, Σt, Σt², where t is the attempt total; the rest
  score r = t - x gives Σr, Σr², Σxr by algebra. Totals are shifted by the first attempt's
  total so Σt² stays small and `Σr² - (Σr)²/n` does not lose its digits; item scores are
  0..1 already. Variances below ZERO_VARIANCE count as zero (then discrimination is None).
* The quiz standard deviation is the sample one (n - 1); Cronbach's alpha uses population
  variances for both items and total, where the n or n - 1 cancels anyway.
* Alpha only covers the questions present in every analysed attempt: with random draws, an
  item's missing answers are not zeros.
* first_only keeps each learner's lowest-numbered attempt; attempts without items are skipped.
* Option counts count an attempt once per label; "" (nothing picked) is not an option.
* Attempt percentages are binned after a tiny nudge, so 69.99999999999999 counts as 70.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter

from flask_babel import lazy_gettext

from training.downloads import SheetCell, spreadsheet_safe

TOO_HARD_BELOW = 0.2
TOO_EASY_ABOVE = 0.95
LOW_DISCRIMINATION_BELOW = 0.1
MIN_ATTEMPTS_FOR_DISCRIMINATION = 3
# Below this many attempts the trainer's page says "too few attempts" instead of showing alpha
# or a question's discrimination, and raises no "low discrimination" flag: with a handful of
# learners one person swings them anywhere (alpha = -2.5 on two attempts). Ten is the usual
# rule of thumb for a first look; the CSV keeps the raw figures for whoever wants them.
MIN_ATTEMPTS_TO_INTERPRET = 10
BINS = 10
# Variance per attempt (score units²) at or below which a column counts as constant: rest scores
# summed in a different order (0.1 + 0.2 vs 0.2 + 0.1) differ in the last bit, and such noise
# must not come out as a correlation.
ZERO_VARIANCE = 1e-14

FLAG_TOO_HARD = "too hard"
FLAG_TOO_EASY = "too easy"
FLAG_LOW_DISCRIMINATION = "low discrimination"
# The flags above are stable identifiers (stored in results, written to the CSV); pages show these.
FLAG_LABELS = {
    FLAG_TOO_HARD: lazy_gettext("too hard"),
    FLAG_TOO_EASY: lazy_gettext("too easy"),
    FLAG_LOW_DISCRIMINATION: lazy_gettext("low discrimination"),
}

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


class _ItemSums:
    """Running sums for one question: Σx, Σx², Σx·t (t = shifted attempt total), choices."""

    __slots__ = ("choices", "sx", "sxt", "sxx")

    def __init__(self) -> None:
        self.sx = self.sxx = self.sxt = 0.0
        # Keyed by the whole choices tuple: one dict update per response, split into labels at
        # the end (a quiz has few distinct tuples).
        self.choices: defaultdict[tuple[str, ...], int] = defaultdict(int)


class _GroupSums:
    """Running sums over the attempts that hold one set of questions: n, Σt, Σt²."""

    __slots__ = ("n", "st", "stt")

    def __init__(self) -> None:
        self.n = 0
        self.st = self.stt = 0.0


@dataclass
class _Moments:
    """One question's sums over the attempts that contain it, x = item score, r = rest score."""

    n: int
    sx: float
    sxx: float
    sr: float
    srr: float
    sxr: float

    def facility(self) -> float | None:
        """Mean item score."""
        return self.sx / self.n if self.n else None

    def item_variance(self) -> float:
        """Population variance of the item score."""
        return max(0.0, self.sxx - self.sx * self.sx / self.n) / self.n if self.n else 0.0

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
    chosen: dict[int, AttemptRecord] = {}
    for attempt in attempts:
        best = chosen.get(attempt.user_id)
        if best is None or attempt.number < best.number:
            chosen[attempt.user_id] = attempt
    # By identity: records hold a dict, so they are not hashable, and ids may repeat.
    keep = {id(attempt) for attempt in chosen.values()}
    return [attempt for attempt in attempts if id(attempt) in keep]


def analyse(attempts: Iterable[AttemptRecord], *, first_only: bool = True) -> QuizStats:
    """Item and quiz statistics; first_only keeps each learner's first attempt (as in Moodle)."""
    # An attempt without questions has no percentage and says nothing about any item.
    records = [attempt for attempt in attempts if attempt.items]
    if first_only:
        records = first_attempts(records)

    items: defaultdict[str, _ItemSums] = defaultdict(_ItemSums)
    # Attempts are grouped by the set of questions they hold (one group for a fixed quiz), so
    # n, Σt and Σt² are summed once per attempt rather than once per item.
    groups: dict[frozenset[str], _GroupSums] = {}
    percentages: list[float] = []
    # Questions in every attempt so far, and each attempt's total over just those (for alpha).
    common: set[str] | None = None
    common_totals: list[float] = []
    # Totals are shifted by the first one so the sums of squares stay small and accurate.
    shift = sum(r.score for r in records[0].items.values()) if records else 0.0
    score_of = attrgetter("score")

    for index, record in enumerate(records):
        responses = record.items
        total = sum(map(score_of, responses.values()))
        percentages.append(100.0 * total / len(responses))
        t = total - shift

        signature = frozenset(responses)
        group = groups.get(signature)
        if group is None:
            group = groups[signature] = _GroupSums()
            common, common_totals = _narrow(common, common_totals, signature, records, index)
        group.n += 1
        group.st += t
        group.stt += t * t
        if common:
            if len(responses) == len(common):
                common_totals.append(total)
            else:
                common_totals.append(sum(responses[q].score for q in common))

        # The hot loop: plain attribute arithmetic, no per-item function calls.
        for key, response in responses.items():
            acc = items[key]
            x = response.score
            if x:  # a zero adds nothing, and wrong answers are mostly exact zeros
                acc.sx += x
                acc.sxx += x * x
                acc.sxt += x * t
            acc.choices[response.choices] += 1

    moments = _moments(items, groups)
    questions = [_question_stats(key, moments[key], acc.choices) for key, acc in items.items()]
    alpha = _alpha([moments[q] for q in common or ()], common_totals)
    return _quiz_stats(percentages, questions, alpha)


def _narrow(
    common: set[str] | None,
    totals: list[float],
    signature: frozenset[str],
    records: list[AttemptRecord],
    index: int,
) -> tuple[set[str], list[float]]:
    """The questions common to every attempt so far, with a new group of attempts seen, and
    the earlier attempts' totals over them."""
    if common is None:
        return set(signature), totals
    if common and not signature >= common:
        # The common set only shrinks, at most once per question, so recomputing the
        # earlier totals is rare and cheap; with a fixed quiz it never happens.
        common = common & signature
        totals = [sum(earlier.items[q].score for q in common) for earlier in records[:index]]
    return common, totals


def _quiz_stats(
    percentages: list[float], questions: list[QuestionStats], alpha: float | None
) -> QuizStats:
    """The quiz's figures over its attempts' percentages."""
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
        alpha=alpha,
        distribution=distribution(percentages),
        questions=questions,
    )


def _moments(
    items: dict[str, _ItemSums], groups: dict[frozenset[str], _GroupSums]
) -> dict[str, _Moments]:
    """Combine item and group sums into each question's sums of item and rest scores."""
    n = dict.fromkeys(items, 0)
    st = dict.fromkeys(items, 0.0)
    stt = dict.fromkeys(items, 0.0)
    for signature, group in groups.items():
        for key in signature:
            n[key] += group.n
            st[key] += group.st
            stt[key] += group.stt
    moments = {}
    for key, acc in items.items():
        # With r = t - x: Σr = Σt - Σx, Σr² = Σt² - 2Σxt + Σx², Σxr = Σxt - Σx².
        moments[key] = _Moments(
            n=n[key],
            sx=acc.sx,
            sxx=acc.sxx,
            sr=st[key] - acc.sx,
            srr=stt[key] - 2 * acc.sxt + acc.sxx,
            sxr=acc.sxt - acc.sxx,
        )
    return moments


def _question_stats(
    key: str, moments: _Moments, picked: dict[tuple[str, ...], int]
) -> QuestionStats:
    """Finish one question's figures, option counts and flags."""
    facility = moments.facility()
    discrimination = moments.discrimination()
    flags: list[str] = []
    if facility is not None and facility < TOO_HARD_BELOW:
        flags.append(FLAG_TOO_HARD)
    if facility is not None and facility > TOO_EASY_ABOVE:
        flags.append(FLAG_TOO_EASY)
    if discrimination is not None and discrimination < LOW_DISCRIMINATION_BELOW:
        flags.append(FLAG_LOW_DISCRIMINATION)
    options: dict[str, int] = {}
    for choices, count in picked.items():
        # Once per attempt even if a label repeats; "" means nothing was picked.
        for label in dict.fromkeys(choices):
            if label:
                options[label] = options.get(label, 0) + count
    return QuestionStats(
        question=key,
        attempts=moments.n,
        facility=facility,
        discrimination=discrimination,
        option_counts={label: options[label] for label in sorted(options, key=_natural)},
        flags=flags,
    )


def _alpha(items: list[_Moments], totals: list[float]) -> float | None:
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
        # The nudge puts 69.99999999999999 (summed partial credits) in [70, 80).
        b = int(p * BINS / 100 + 1e-9)
        counts[min(BINS - 1, max(0, b))] += 1
    return counts


def _natural(label: str) -> list[str | int]:
    """Sort key that puts o2 before o10."""
    return [int(part) if part.isdecimal() else part for part in re.split(r"(\d+)", label)]


def _number(value: float | None) -> str:
    """Three decimals, or empty for a missing value."""
    return "" if value is None else f"{value:.3f}"


def to_csv_rows(stats: QuizStats) -> list[list[str]]:
    """Header plus one row per question, ready for csv.writer."""
    rows = [list(CSV_HEADER)]
    for q in stats.questions:
        options = "; ".join(f"{label}:{count}" for label, count in q.option_counts.items())
        rows.append(
            [
                spreadsheet_safe(q.question),
                str(q.attempts),
                _number(q.facility),
                _number(q.discrimination),
                "; ".join(q.flags),
                spreadsheet_safe(options),
            ]
        )
    return rows


def to_sheet_rows(stats: QuizStats) -> list[list[SheetCell | str]]:
    """The CSV's rows for a spreadsheet: counts and indices as numbers, three decimals shown."""
    rows: list[list[SheetCell | str]] = []
    for q in stats.questions:
        options = "; ".join(f"{label}:{count}" for label, count in q.option_counts.items())
        rows.append(
            [
                q.question,
                SheetCell(q.attempts, "0"),
                SheetCell(q.facility, "0.000"),
                SheetCell(q.discrimination, "0.000"),
                "; ".join(q.flags),
                options,
            ]
        )
    return rows
