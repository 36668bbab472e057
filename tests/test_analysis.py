"""Item analysis: hand-computed small cases, and random data against a two-pass reference."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from quizzes.analysis import (
    FLAG_LABELS,
    FLAG_LOW_DISCRIMINATION,
    FLAG_TOO_EASY,
    FLAG_TOO_HARD,
    AttemptRecord,
    ItemResponse,
    QuestionStats,
    QuizStats,
    analyse,
    to_csv_rows,
)

Score = float | tuple[float, tuple[str, ...]]


def attempt(
    attempt_id: int, scores: dict[str, Score], *, user: int | None = None, number: int = 1
) -> AttemptRecord:
    """An attempt from question -> score or (score, choices); one learner per attempt by default."""
    items = {}
    for key, value in scores.items():
        score, choices = value if isinstance(value, tuple) else (value, ())
        items[key] = ItemResponse(score, choices)
    return AttemptRecord(attempt_id, attempt_id if user is None else user, number, items)


def table(*rows: list[float], keys: str = "abcdefghij") -> list[AttemptRecord]:
    """Attempts from rows of scores, one column per question a, b, c…"""
    return [attempt(i, dict(zip(keys, row, strict=False))) for i, row in enumerate(rows, 1)]


def question(stats: QuizStats, key: str) -> QuestionStats:
    """The stats of one question by key."""
    return next(q for q in stats.questions if q.question == key)


# A straightforward reference: materialise each column, then two-pass formulas.


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Two-pass Pearson correlation, None below 3 points or with a constant column."""
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx / n < 1e-12 or syy / n < 1e-12:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def reference_selection(attempts: list[AttemptRecord], first_only: bool) -> list[AttemptRecord]:
    """The attempts the analysis should use."""
    if not first_only:
        return attempts
    first = {}
    for a in sorted(attempts, key=lambda a: a.number, reverse=True):
        first[a.user_id] = a  # the lowest number is written last
    return [a for a in attempts if first[a.user_id] is a]


def reference_question(attempts: list[AttemptRecord], key: str) -> tuple:
    """(attempts, facility, discrimination, option counts) of one question, by brute force."""
    holding = [a for a in attempts if key in a.items]
    xs = [a.items[key].score for a in holding]
    rest = [sum(r.score for k, r in a.items.items() if k != key) for a in holding]
    counts: dict[str, int] = {}
    for a in holding:
        for label in set(a.items[key].choices) - {""}:
            counts[label] = counts.get(label, 0) + 1
    return len(xs), sum(xs) / len(xs), pearson(xs, rest), counts


def reference_alpha(attempts: list[AttemptRecord]) -> float | None:
    """Cronbach's alpha over the questions every attempt holds, from pvariance."""
    common = set.intersection(*(set(a.items) for a in attempts))
    if len(common) < 2 or len(attempts) < 2:
        return None
    totals = [sum(a.items[q].score for q in common) for a in attempts]
    item_variance = sum(statistics.pvariance([a.items[q].score for a in attempts]) for q in common)
    k = len(common)
    return k / (k - 1) * (1 - item_variance / statistics.pvariance(totals))


# Facility and discrimination.


def test_facility_is_the_mean_score() -> None:
    stats = analyse(table([1, 0.5], [0, 1], [1, 1], [1, 0]))
    assert question(stats, "a").facility == pytest.approx(0.75)
    assert question(stats, "b").facility == pytest.approx(0.625)
    assert [q.attempts for q in stats.questions] == [4, 4]


def test_point_biserial_against_rest_score() -> None:
    rows = [[1, 1, 1], [1, 0, 1], [0, 1, 0], [0, 0, 0], [1, 1, 0]]
    stats = analyse(table(*rows))
    # By hand for a: x = 1 1 0 0 1 (mean .6), rest = 2 1 1 0 1 (mean 1);
    # Σdx·dr = .4 + .6 = 1, Σdx² = 1.2, Σdr² = 2, so r = 1 / √2.4.
    assert question(stats, "a").discrimination == pytest.approx(1 / math.sqrt(2.4))
    for i, key in enumerate("abc"):
        xs = [row[i] for row in rows]
        rest = [sum(row) - row[i] for row in rows]
        assert question(stats, key).discrimination == pytest.approx(pearson(xs, rest))


def test_perfectly_discriminating_item() -> None:
    # Whoever gets a right also gets b and c right: rest = 2·a.
    stats = analyse(table([1, 1, 1], [0, 0, 0], [1, 1, 1], [0, 0, 0], [1, 1, 1]))
    a = question(stats, "a")
    assert a.discrimination == pytest.approx(1.0)
    assert a.discrimination <= 1.0
    assert a.flags == []


def test_item_that_only_weak_learners_get_right_is_flagged() -> None:
    stats = analyse(table([0, 1, 1], [1, 0, 0], [0, 1, 1], [1, 0, 0]))
    a = question(stats, "a")
    assert a.discrimination == pytest.approx(-1.0)
    assert a.flags == [FLAG_LOW_DISCRIMINATION]


def test_item_everyone_gets_right_has_no_discrimination_and_is_too_easy() -> None:
    stats = analyse(table([1, 1, 0], [1, 0, 0], [1, 1, 1], [1, 0, 1]))
    a = question(stats, "a")
    assert a.facility == 1.0
    assert a.discrimination is None
    assert a.flags == [FLAG_TOO_EASY]


def test_item_nobody_gets_right_is_too_hard() -> None:
    stats = analyse(table([0, 1], [0, 0], [0, 1]))
    a = question(stats, "a")
    assert (a.facility, a.discrimination, a.flags) == (0.0, None, [FLAG_TOO_HARD])


def test_discrimination_needs_three_attempts() -> None:
    stats = analyse(table([1, 1], [0, 0]))
    assert question(stats, "a").discrimination is None
    assert question(stats, "a").flags == []


def test_constant_rest_score_in_float_noise_is_not_a_correlation() -> None:
    # The rest of a is 0.1 + 0.2 in two summation orders: equal on paper, not in floats.
    attempts = [
        attempt(1, {"a": 1, "b": 0.1, "c": 0.2}),
        attempt(2, {"c": 0.2, "a": 0, "b": 0.1}),
        attempt(3, {"b": 0.1, "c": 0.2, "a": 1}),
        attempt(4, {"a": 0, "b": 0.1, "c": 0.2}),
    ]
    stats = analyse(attempts)
    assert question(stats, "a").discrimination is None
    assert question(stats, "b").discrimination is None  # b itself is constant


# Distractors.


def test_option_counts() -> None:
    attempts = [
        attempt(1, {"q": (1, ("o2",))}),
        attempt(2, {"q": (0, ("o10",))}),
        attempt(3, {"q": (0, ("o10",))}),
        attempt(4, {"q": (0, ())}),  # skipped
        attempt(5, {"q": (0, ("",))}),  # blank short answer
        attempt(6, {"q": (0.5, ("o2", "o1"))}),  # multiple choice
        attempt(7, {"q": (0.5, ("o1", "o1"))}),  # a repeated label counts once
    ]
    q = question(analyse(attempts), "q")
    assert q.option_counts == {"o1": 2, "o2": 2, "o10": 2}
    assert list(q.option_counts) == ["o1", "o2", "o10"]  # natural order
    assert q.attempts == 7


# Which attempts are analysed.


def test_first_only_uses_each_learners_first_attempt() -> None:
    attempts = [
        attempt(3, {"a": 1, "b": 1}, user=1, number=2),  # the retake arrives first
        attempt(1, {"a": 0, "b": 0}, user=1, number=1),
        attempt(2, {"a": 1, "b": 0}, user=2, number=1),
    ]
    first = analyse(attempts)
    assert first.attempts == 2
    assert question(first, "a").facility == pytest.approx(0.5)
    assert first.mean == pytest.approx(25.0)

    everything = analyse(attempts, first_only=False)
    assert everything.attempts == 3
    assert question(everything, "a").facility == pytest.approx(2 / 3)
    assert everything.mean == pytest.approx(50.0)


def test_random_draws_alpha_uses_common_questions_only() -> None:
    # Everyone gets a, b and c; d and e are drawn at random.
    attempts = [
        attempt(1, {"a": 1, "b": 1, "c": 1, "d": 0}),
        attempt(2, {"a": 1, "b": 1, "c": 0, "e": 1}),
        attempt(3, {"e": 0, "a": 1, "b": 0, "c": 0}),
        attempt(4, {"a": 0, "b": 0, "c": 0, "d": 1}),
    ]
    stats = analyse(attempts)
    assert [q.question for q in stats.questions] == ["a", "b", "c", "d", "e"]
    assert [q.attempts for q in stats.questions] == [4, 4, 4, 2, 2]
    assert question(stats, "d").facility == pytest.approx(0.5)
    # The Guttman pattern of test_cronbach_alpha_textbook_example on a, b and c.
    assert stats.alpha == pytest.approx(0.75)
    assert stats.alpha == pytest.approx(reference_alpha(attempts))
    # Percentages use the questions each attempt held.
    assert stats.mean == pytest.approx((75 + 75 + 25 + 25) / 4)


def test_common_set_shrinking_late_recomputes_alpha() -> None:
    attempts = [
        attempt(1, {"a": 1, "b": 1, "c": 1}),
        attempt(2, {"a": 1, "b": 0, "c": 1}),
        attempt(3, {"a": 0, "b": 1, "c": 0}),
        attempt(4, {"a": 0, "b": 0}),  # c was not drawn: only a and b are common
    ]
    assert analyse(attempts).alpha == pytest.approx(reference_alpha(attempts))


def test_no_common_questions_no_alpha() -> None:
    stats = analyse([attempt(1, {"a": 1, "b": 0}), attempt(2, {"c": 1, "d": 1})])
    assert stats.alpha is None


# Quiz-level figures.


def test_cronbach_alpha_textbook_example() -> None:
    # Guttman pattern: item variances .1875 + .25 + .1875 = .625, totals 3 2 1 0 → variance 1.25,
    # alpha = 3/2 · (1 - .625 / 1.25) = 0.75 (the KR-20 of this table).
    stats = analyse(table([1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0]))
    assert stats.alpha == pytest.approx(0.75)


def test_cronbach_alpha_with_partial_credit() -> None:
    rows = [[1, 0.5, 1, 1], [0.5, 0.5, 0, 1], [0, 0, 0.5, 0], [1, 1, 1, 0.5], [0.5, 0, 0, 0]]
    stats = analyse(table(*rows))
    assert stats.alpha == pytest.approx(reference_alpha(table(*rows)))
    assert 0 < stats.alpha < 1


def test_alpha_none_when_totals_do_not_vary() -> None:
    stats = analyse(table([1, 0], [0, 1], [1, 0]))
    assert stats.alpha is None


def test_mean_median_stdev_of_percentages() -> None:
    stats = analyse(table([1, 1], [1, 0], [0, 0], [1, 1]))
    assert stats.mean == pytest.approx(62.5)
    assert stats.median == pytest.approx(75.0)
    assert stats.stdev == pytest.approx(statistics.stdev([100, 50, 0, 100]))  # sample


def test_single_attempt_has_no_spread() -> None:
    stats = analyse(table([1, 0]))
    assert (stats.attempts, stats.mean, stats.median, stats.stdev) == (1, 50.0, 50.0, None)
    assert stats.alpha is None


def test_distribution_bins() -> None:
    rows = [
        [0],
        [0.0999],  # 9.99 %
        [0.1],  # 10 %
        [0.1, 0.1, 0.7],  # 29.999999999999996 % in floats: still the 30s
        [0.55],
        [0.999],
        [1],  # exactly 100 % goes in the last bin
        [1, 1],
    ]
    stats = analyse([attempt(i, dict(zip("abc", row, strict=False))) for i, row in enumerate(rows)])
    assert stats.distribution == [2, 1, 0, 1, 0, 1, 0, 0, 0, 3]
    assert sum(stats.distribution) == stats.attempts


def test_empty_input() -> None:
    for attempts in ([], [attempt(1, {})]):
        stats = analyse(attempts)
        assert stats == QuizStats(
            attempts=0,
            mean=None,
            median=None,
            stdev=None,
            alpha=None,
            distribution=[0] * 10,
            questions=[],
        )
        assert to_csv_rows(stats) == [
            ["question", "attempts", "facility", "discrimination", "flags", "option counts"]
        ]


def test_accepts_any_iterable() -> None:
    stats = analyse(a for a in table([1, 0], [0, 1], [1, 1]))
    assert stats.attempts == 3


# CSV.


def test_csv_rows() -> None:
    attempts = [
        attempt(1, {"q1": (1, ("b",)), "q2": (1, ("x",)), "=cmd": (0, ("=HYPERLINK(1)",))}),
        attempt(2, {"q1": (0, ("a",)), "q2": (1, ("x",)), "=cmd": (1, ("ok",))}),
        attempt(3, {"q1": (1, ("b",)), "q2": (1, ("x",)), "=cmd": (0, ("c",))}),
    ]
    rows = to_csv_rows(analyse(attempts))
    assert rows == [
        ["question", "attempts", "facility", "discrimination", "flags", "option counts"],
        ["q1", "3", "0.667", "-1.000", "low discrimination", "a:1; b:2"],
        ["q2", "3", "1.000", "", "too easy", "x:3"],
        # Learner-typed text is defused for spreadsheets; numbers are not.
        ["'=cmd", "3", "0.333", "-1.000", "low discrimination", "'=HYPERLINK(1):1; c:1; ok:1"],
    ]


# Large random data against the reference.


def random_attempts(rng: random.Random, count: int) -> list[AttemptRecord]:
    """A pool of 12 questions, 8 drawn per attempt (3 always), partial credit, some retakes."""
    pool = [f"q{i}" for i in range(1, 13)]
    fixed, drawn = pool[:3], pool[3:]
    attempts = []
    user = 0
    for attempt_id in range(1, count + 1):
        retake = attempt_id > 1 and rng.random() < 0.2
        if not retake:
            user += 1
        ability = rng.gauss(0, 1)
        keys = fixed + rng.sample(drawn, 5)
        rng.shuffle(keys)
        items = {}
        for key in keys:
            p = 1 / (1 + math.exp(-(ability - int(key[1:]) / 4 + 1.5)))
            roll = rng.random()
            if roll < p:
                items[key] = ItemResponse(1.0, ("A",))
            elif roll < p + 0.1:
                items[key] = ItemResponse(rng.choice([0.25, 0.5, 1 / 3]), ("A", "C"))
            else:
                items[key] = ItemResponse(0.0, (rng.choice(["B", "C", "C", "D", ""]),))
        attempts.append(AttemptRecord(attempt_id, user, 2 if retake else 1, items))
    return attempts


@pytest.mark.parametrize("first_only", [True, False])
def test_matches_two_pass_reference_on_random_data(first_only: bool) -> None:
    attempts = random_attempts(random.Random(2024), 2000)
    stats = analyse(attempts, first_only=first_only)
    used = reference_selection(attempts, first_only)

    assert stats.attempts == len(used)
    assert len(stats.questions) == 12
    for q in stats.questions:
        n, facility, discrimination, counts = reference_question(used, q.question)
        assert q.attempts == n
        assert q.facility == pytest.approx(facility, rel=1e-12)
        assert discrimination is not None
        assert q.discrimination == pytest.approx(discrimination, rel=1e-9)
        assert q.option_counts == counts

    percentages = [100 * sum(r.score for r in a.items.values()) / len(a.items) for a in used]
    assert stats.mean == pytest.approx(statistics.fmean(percentages), rel=1e-12)
    assert stats.median == pytest.approx(statistics.median(percentages), rel=1e-12)
    assert stats.stdev == pytest.approx(statistics.stdev(percentages), rel=1e-9)
    assert stats.alpha == pytest.approx(reference_alpha(used), rel=1e-9)
    bins = [0] * 10
    for p in percentages:
        bins[min(9, int(p // 10))] += 1
    assert stats.distribution == bins


def test_flags_have_display_labels() -> None:
    # Flags stay English identifiers; the labels translate and, outside a request, read as English.
    assert set(FLAG_LABELS) == {FLAG_TOO_HARD, FLAG_TOO_EASY, FLAG_LOW_DISCRIMINATION}
    assert {flag: str(label) for flag, label in FLAG_LABELS.items()} == {
        flag: flag for flag in FLAG_LABELS
    }
