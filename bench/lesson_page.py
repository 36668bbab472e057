"""Lesson page cost: server time (median of N requests through the test client), SQL
queries per request, and the page's weight with its stylesheet; then a lesson's first view,
which records it (the progress row, the learning event and the statistics), as each learner
meets each lesson once.

    python bench/lesson_page.py [--requests 1000] [--learners 20]

Runs on a throw-away SQLite database with a published course and enrolled learners.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import flask_migrate
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from courses import learning, publishing, services
from training.accounts.models import Role
from training.accounts.services import create_user
from training.extensions import db
from training.organizations.models import OrgKind
from training.organizations.services import create_organization

LESSON = (
    """Новость строится как **перевёрнутая пирамида**: главное — в начале.

## Заголовок и лид

1. Заголовок говорит, что произошло.
2. Лид отвечает на вопросы *кто, что, где, когда*.
3. Дальше — подробности и цитаты.

| Часть | Объём | Зачем |
|:--|:-:|--:|
| Заголовок | до 10 слов | привлечь |
| Лид | 1–2 предложения | сообщить главное |
| Тело | 3–6 абзацев | объяснить |

Согласие людей на фото обязательно[^1].

[^1]: Спросите до публикации, а не после.
"""
    * 3
)


def build_bench_course(trainer):
    """The benchmarks' published course: three modules of four lessons of LESSON."""
    course = services.create_course(trainer, slug="bench", meta=services.CourseMeta("Новости"))
    for m in range(3):
        module = services.add_module(course, f"Модуль {m + 1}")
        for n in range(4):
            services.add_lesson(module, f"Урок {m + 1}.{n + 1}", LESSON)
    publishing.publish(course, trainer)
    return course


def profile_share(client, url: str, requests: int) -> None:
    """Print the share of the page's time spent in each library (cProfile, own time)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    groups: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        key = next((k for k in SHARE_GROUPS if k in filename), "other")
        groups[key] = groups.get(key, 0.0) + own
    total = sum(groups.values()) or 1.0
    print("  own time by library:")
    for key, own in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"    {Path(key).name:<12} {100 * own / total:5.1f} %")
    stats.sort_stats(SORT).print_stats(30)


SORT = "cumulative"

#: Libraries by a piece of their path; the platform's own code (and its templates) last.
SHARE_GROUPS = (
    "sqlalchemy",
    "jinja2",
    "werkzeug",
    "flask",
    "babel",
    "wtforms",
    "markupsafe",
    str(Path(__file__).resolve().parent.parent / "templates"),
    str(Path(__file__).resolve().parent.parent),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--learners", type=int, default=20, help="for first views")
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-lesson-"))
    app = create_app(
        {
            "ENVIRONMENT": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
            "WTF_CSRF_ENABLED": False,
            "LOGIN_LIMIT_PER_IP": "10000 per minute",  # every learner logs in from here
        }
    )
    with app.app_context(), app.test_request_context():
        flask_migrate.upgrade()
        org = create_organization("Профсоюз", OrgKind.FEDERAL, None)
        trainer = create_user("trainer", "bench-password-1", org, roles={Role.TRAINER})
        learner = create_user("learner", "bench-password-1", org)
        course = build_bench_course(trainer)
        learning.enroll(learner.id, course)
        newcomers = [f"newcomer{n}" for n in range(args.learners)]
        for name in newcomers:
            learning.enroll(create_user(name, "bench-password-1", org).id, course)
        db.session.commit()
        keys = [lesson.key for lesson in course.lessons()]
        key = keys[5]

    client = app.test_client()
    client.post("/account/login", data={"username": "learner", "password": "bench-password-1"})
    url = f"/courses/bench/lessons/{key}"
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    css = client.get("/static/css/app.css")

    statements: list[str] = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        client.get(url)
    queries = len([s for s in statements if s != "BEGIN"])  # BEGIN is not a query

    for _ in range(50):  # warm up caches and code paths
        client.get(url)
    times = []
    cpu_started = time.process_time()
    for _ in range(args.requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    cpu_ms = (time.process_time() - cpu_started) * 1000 / args.requests
    times.sort()
    if args.profile:
        profile_share(client, url, args.requests)
    html_kb = len(first.data) / 1024
    css_kb = len(css.data) / 1024
    print(f"lesson page: {args.requests} requests through the test client")
    print(f"  median {statistics.median(times):.2f} ms, p95 {times[int(0.95 * len(times))]:.2f} ms")
    # CPU time counts only this process: steadier than the median on a shared machine.
    print(f"  CPU {cpu_ms:.2f} ms per request")
    print(f"  SQL queries per request: {queries}")
    print(f"  weight: HTML {html_kb:.1f} KB + CSS {css_kb:.1f} KB = {html_kb + css_kb:.1f} KB")
    print("  (no JavaScript; images are the lesson's own)")
    first_views(app, newcomers, [f"/courses/bench/lessons/{k}" for k in keys])


def first_views(app, usernames: list[str], urls: list[str]) -> None:
    """Each learner opens each lesson once: the view a learner actually makes most."""
    clients = []
    for name in usernames:
        client = app.test_client()
        client.post("/account/login", data={"username": name, "password": "bench-password-1"})
        clients.append(client)
    statements: list[str] = []
    with app.app_context():
        listen = ("before_cursor_execute", lambda *a: statements.append(a[2]))
        sa.event.listen(db.engine, *listen)
        clients[0].get(urls[0])  # counted, not timed
        sa.event.remove(db.engine, *listen)
    times = []
    cpu_started = time.process_time()
    for client in clients[1:]:
        for url in urls:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
    cpu_ms = (time.process_time() - cpu_started) * 1000 / len(times)
    times.sort()
    print(f"first view of a lesson: {len(times)} views ({len(clients) - 1} learners × {len(urls)})")
    print(f"  median {statistics.median(times):.2f} ms, p95 {times[int(0.95 * len(times))]:.2f} ms")
    print(f"  CPU {cpu_ms:.2f} ms per request")
    print(f"  SQL statements: {len([s for s in statements if s != 'BEGIN'])}")


if __name__ == "__main__":
    main()
