"""Where one path's time goes: cProfile over rounds of a path that bench/instructions.py
counts, on the same data and test clients, for finding what to change before counting it.

    python bench/profile_path.py lesson [--requests 300] [--sort cumtime] [--only REGEX]
    python bench/profile_path.py quiz --callers "path.py:.*path_for"
    python bench/profile_path.py gradebook --callees "gradebook.py:.*build"

Paths: floor, lesson, first-view, check, pdf, quiz, review, gradebook. --only keeps the rows whose
file:line(function) matches: "^(?!.*/lib/python)" leaves the project's own code (and
built-ins), "sqlalchemy" the ORM and Core.
The profiler slows calls down unevenly (small Python calls most), so its shares are a map,
not a measure: compare versions with `make bench-instructions`.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.instructions import PATHS, WARM_UP, prepared_rounds  # noqa: E402

#: Short names on the command line for the paths of bench/instructions.py, in its order.
NAMES = ("floor", "lesson", "first-view", "check", "pdf", "quiz", "review", "gradebook")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("path", choices=NAMES)
    parser.add_argument("--requests", type=int, default=300, help="profiled rounds")
    parser.add_argument("--sort", default="cumtime", help="pstats sort key (tottime, ncalls...)")
    parser.add_argument("--only", help="regular expression the shown rows must match")
    parser.add_argument("--rows", type=int, default=40, help="rows shown")
    parser.add_argument("--callers", help="show who calls the functions matching this")
    parser.add_argument("--callees", help="show what the functions matching this call")
    args = parser.parse_args()

    index = NAMES.index(args.path)
    run = prepared_rounds(ROOT, first_views=WARM_UP + 2 * args.requests)[index]
    name, per_round = PATHS[index]
    for _ in range(WARM_UP):
        run()
    started = time.perf_counter()
    for _ in range(args.requests):
        run()
    elapsed = (time.perf_counter() - started) / args.requests / per_round
    print(f"{name}: {elapsed * 1000:.2f} ms a request without the profiler")

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        run()
    profile.disable()
    stats = pstats.Stats(profile).sort_stats(args.sort)
    if args.callers:
        stats.print_callers(args.callers)
    elif args.callees:
        stats.print_callees(args.callees)
    else:
        stats.print_stats(*([args.only] if args.only else []), args.rows)


if __name__ == "__main__":
    main()
