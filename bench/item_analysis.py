"""Item analysis cost: time `quizzes.analysis.analyse` on a realistic random quiz.

    python bench/item_analysis.py [--attempts 10000] [--questions 10] [--runs 20]

Learners have an ability, questions a difficulty and a slope; the chance of a right answer
follows a logistic (2PL) model, wrong answers favour one distractor, and about 20% of learners
make a second, slightly better attempt. Seeded, so every run analyses the same data.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizzes.analysis import AttemptRecord, ItemResponse, QuizStats, analyse

OPTIONS = ("a", "b", "c", "d")
SECOND_ATTEMPT_SHARE = 0.2
NO_ANSWER_RATE = 0.02
LEARNING_GAIN = 0.3  # ability bonus on a second attempt: people revise between attempts
DISTRACTOR_WEIGHTS = (6, 3, 1)  # uneven, so distractor counts are worth looking at


def build_attempts(count: int, questions: int, rng: random.Random) -> list[AttemptRecord]:
    """`count` attempts of a `questions`-question quiz, about 20% of them second attempts."""
    # Difficulties from easy to hard, so some questions trip the flags as real quizzes do, and
    # one ambiguous question that good and weak learners get right alike.
    keys = [f"q{i + 1}" for i in range(questions)]
    difficulty = {
        key: -3.5 + 5.0 * i / max(1, questions - 1) + rng.gauss(0, 0.3)
        for i, key in enumerate(keys)
    }
    slope = {key: rng.uniform(0.8, 2.5) for key in keys}
    slope[rng.choice(keys)] = 0.05
    correct = {key: rng.choice(OPTIONS) for key in keys}
    distractors = {
        key: rng.sample([o for o in OPTIONS if o != correct[key]], k=len(OPTIONS) - 1)
        for key in keys
    }

    learners = max(1, round(count / (1 + SECOND_ATTEMPT_SHARE)))
    ability = [rng.gauss(0, 1) for _ in range(learners)]
    repeaters = rng.sample(range(learners), k=min(learners, count - learners))
    sittings = [(user, 1) for user in range(learners)] + [(user, 2) for user in repeaters]
    sittings = sittings[:count]
    rng.shuffle(sittings)

    attempts = []
    for attempt_id, (user, number) in enumerate(sittings, start=1):
        theta = ability[user] + (LEARNING_GAIN if number == 2 else 0.0)
        items = {}
        for key in keys:
            if rng.random() < NO_ANSWER_RATE:
                items[key] = ItemResponse(0.0, ())
                continue
            p = 1 / (1 + math.exp(-slope[key] * (theta - difficulty[key])))
            if rng.random() < p:
                items[key] = ItemResponse(1.0, (correct[key],))
            else:
                wrong = rng.choices(distractors[key], weights=DISTRACTOR_WEIGHTS)[0]
                items[key] = ItemResponse(0.0, (wrong,))
        attempts.append(AttemptRecord(attempt_id, user, number, items))
    # Second attempts come after first ones in real data (ordered by finish time).
    attempts.sort(key=lambda a: a.number)
    return attempts


def time_runs(attempts: list[AttemptRecord], runs: int, *, first_only: bool) -> list[float]:
    """Wall time of each analyse() run, in ms."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        analyse(attempts, first_only=first_only)
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(stats: QuizStats) -> str:
    """Mean, alpha and the flagged questions, one line."""
    flagged = ", ".join(f"{q.question} ({', '.join(q.flags)})" for q in stats.questions if q.flags)
    mean = "-" if stats.mean is None else f"{stats.mean:.1f}%"
    alpha = "-" if stats.alpha is None else f"{stats.alpha:.2f}"
    return f"mean {mean}, alpha {alpha}, flagged: {flagged or 'none'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    attempts = build_attempts(args.attempts, args.questions, random.Random(42))
    print(f"item analysis: {len(attempts)} attempts × {args.questions} questions")
    for first_only, label in ((True, "first attempts"), (False, "all attempts")):
        times = time_runs(attempts, args.runs, first_only=first_only)
        stats = analyse(attempts, first_only=first_only)
        print(
            f"  {label} ({stats.attempts} analysed): median {statistics.median(times):.1f} ms,"
            f" best {min(times):.1f} ms ({args.runs} runs)"
        )
        print(f"    {summary(stats)}")
    stats = analyse(attempts)
    for q in stats.questions:
        facility = "-" if q.facility is None else f"{q.facility:.2f}"
        discrimination = "-" if q.discrimination is None else f"{q.discrimination:.2f}"
        options = " ".join(f"{label}:{n}" for label, n in q.option_counts.items())
        print(
            f"    {q.question:>4}  facility {facility}  discrimination {discrimination}  {options}"
        )


if __name__ == "__main__":
    main()
