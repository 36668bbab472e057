"""Organizer dashboards at scale: server time per page and SQL queries, on a generated dataset.

    python bench/generate.py --learners 10000 ...     # build the datasets first
    python bench/stats_pages.py --database-url sqlite:///instance/bench-10k.sqlite3 \\
                                --database-url sqlite:///instance/bench-100k.sqlite3

Each page is requested through the test client as the dataset's admin (the whole union,
the largest scope) and as a regional organizer; the median and p95 of N requests are shown,
and with two datasets the ratio of the last to the first (the issue's goal: at most 2x
for 10x the learners).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from training.accounts.models import Role, User, UserRole
from training.extensions import db

PASSWORD = "bench-password"  # noqa: S105 - what bench/generate.py gives every account
PAGES = {
    "overview": "/stats/?period=52",
    "tree": "/stats/tree?period=52",
    "funnel": "/stats/funnel?period=52",
    "quizzes": "/stats/quizzes?period=52",
    "learners": "/stats/learners?period=52",
    "overview.csv": "/stats/overview.csv?period=52",
}


def viewer(role: Role) -> User:
    """The first account holding `role` (the generator makes one admin and regional organizers)."""
    user = db.session.scalar(
        sa.select(User).join(UserRole).where(UserRole.role == role.value).order_by(User.id)
    )
    if user is None:
        sys.exit(f"no {role.value} account in this database: run bench/generate.py first")
    return user


def statements_into(statements: list[str]):
    """A cursor listener that appends each SQL statement to `statements`."""

    def listener(*args) -> None:
        statements.append(args[2])

    return listener


def measure(url: str, requests: int) -> dict[str, dict[str, tuple[float, float, int, int]]]:
    """{viewer: {page: (median ms, p95 ms, queries, learners in scope)}} for one database."""
    app = create_app(
        {
            "ENVIRONMENT": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            # The generator's staff have no second factor; the pages are what is measured.
            "TWO_FACTOR_REQUIRED_ROLES": (),
        }
    )
    results: dict[str, dict[str, tuple[float, float, int, int]]] = {}
    with app.app_context():
        people = {"admin (union)": viewer(Role.ADMIN), "organizer (region)": viewer(Role.ORGANIZER)}
        usernames = {name: user.username for name, user in people.items()}
        learners = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    for name, username in usernames.items():
        client = app.test_client()
        form = {"username": username, "password": PASSWORD}
        if client.post("/account/login", data=form).status_code != 302:
            sys.exit(f"cannot log in as {username} with the generator's password")
        results[name] = {}
        for page, path in PAGES.items():
            first = client.get(path)
            assert first.status_code == 200, (path, first.status_code)
            statements: list[str] = []
            count = statements_into(statements)
            with app.app_context():
                sa.event.listen(db.engine, "before_cursor_execute", count)
                client.get(path)
                sa.event.remove(db.engine, "before_cursor_execute", count)
            times = []
            for _ in range(requests):
                start = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            times.sort()
            queries = len([s for s in statements if s not in ("BEGIN", "COMMIT")])
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            results[name][page] = (statistics.median(times), p95, queries, learners)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    runs = [(url, measure(url, args.requests)) for url in args.database_url]
    for url, results in runs:
        users = next(iter(next(iter(results.values())).values()))[3]
        print(f"{url}  ({users} accounts, {args.requests} requests per page)")
        for name, pages in results.items():
            for page, (median, p95, queries, _users) in pages.items():
                print(
                    f"  {name:<19} {page:<13} median {median:7.1f} ms  p95 {p95:7.1f} ms  "
                    f"{queries:2d} queries"
                )
    if len(runs) > 1:
        first, last = runs[0][1], runs[-1][1]
        print(f"ratio of medians, {runs[-1][0]} / {runs[0][0]}:")
        for name in first:
            ratios = ", ".join(
                f"{page} {last[name][page][0] / first[name][page][0]:.2f}x" for page in first[name]
            )
            print(f"  {name}: {ratios}")


if __name__ == "__main__":
    main()
